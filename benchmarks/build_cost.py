"""What a build cost, job by job: every rule writes Snakemake's benchmark file
(``results/benchmarks/<rule>/<job>.tsv``: wall seconds, CPU seconds, peak memory), and this script sums them by rule
and by experiment family (a training job's paper grid and study, the teacher–student experiment, figures, data).

    .venv/bin/python benchmarks/build_cost.py [--results results] [--scale quick] [--wall MINUTES] [--by-job]

``--wall`` states the build's wall time (measured around the ``snakemake`` command) so that the table can say how
well the jobs filled the cores. Prints Markdown (the README's quick-build table comes from it).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))


def read_benchmarks(results: Path) -> pd.DataFrame:
    """One row per job: rule, job (the wildcards' path), wall s, CPU s, peak RSS MB (the mean of repeated runs)."""
    rows = []
    for path in sorted((results / "benchmarks").glob("*/**/*.tsv")):
        rule = path.relative_to(results / "benchmarks").parts[0]
        job = str(path.relative_to(results / "benchmarks" / rule).with_suffix(""))
        table = pd.read_csv(path, sep="\t")
        rows.append({"rule": rule, "job": job, "wall_s": table["s"].mean(), "cpu_s": table["cpu_time"].mean(),
                     "max_rss_mb": table["max_rss"].replace("-", float("nan")).astype(float).max()})
    if not rows:
        raise SystemExit(f"build_cost: no benchmark files under {results / 'benchmarks'}; run a build first")
    return pd.DataFrame(rows)


def families(jobs: pd.DataFrame, scale: str) -> pd.Series:
    """Each job's family: training runs by paper grid and study, the rest by rule."""
    from fa_repro import config
    from fa_repro.experiments import selection_tags

    cfg = config.load(REPO / "config.yaml", REPO / "workflow/schemas/config.schema.yaml", scale=scale)
    tags = selection_tags(cfg["experiments"])

    def family(row) -> str:
        if row.rule == "train":
            t = tags.get(row.job)
            return f"train: {t['grid']} ({', '.join(t['study'])})" if t else "train: hand-written"
        if row.rule in ("ts_simulate", "ts_ode"):
            return f"teacher–student: {row.job.split('/')[0]}"
        return {"figure": "figures", "table": "tables", "claims": "claims",
                "claims_across_scales": "claims"}.get(row.rule, "data")

    return jobs.apply(family, axis=1)


def summary(jobs: pd.DataFrame, by: str) -> pd.DataFrame:
    total_wall = jobs.wall_s.sum()
    out = jobs.groupby(by).agg(jobs=("job", "size"), wall_min=("wall_s", lambda s: s.sum() / 60),
                               cpu_min=("cpu_s", lambda s: s.sum() / 60), median_job_s=("wall_s", "median"),
                               longest_job_s=("wall_s", "max"), peak_rss_mb=("max_rss_mb", "max"))
    out["share"] = out.wall_min * 60 / total_wall
    return out.sort_values("wall_min", ascending=False)


def markdown(table: pd.DataFrame, first: str) -> str:
    lines = [f"| {first} | jobs | job-minutes (wall) | CPU minutes | share | median job (s) | longest job (s) | peak RSS (MB) |",
             "|---|---|---|---|---|---|---|---|"]
    for name, r in table.iterrows():
        lines.append(f"| {name} | {int(r.jobs)} | {r.wall_min:.1f} | {r.cpu_min:.1f} | {r.share:.0%} | {r.median_job_s:.0f} "
                     f"| {r.longest_job_s:.0f} | {r.peak_rss_mb:.0f} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--results", type=Path, default=REPO / "results",
                        help="the scale's results folder (quick: results; ci, paper: scales/<scale>/results)")
    parser.add_argument("--scale", default="quick", help="the scale of the build (to name the training families)")
    parser.add_argument("--wall", type=float, help="the build's wall time in minutes")
    parser.add_argument("--by-job", action="store_true", help="also list the 20 longest jobs")
    args = parser.parse_args()
    jobs = read_benchmarks(args.results)
    jobs["family"] = families(jobs, args.scale)
    print(markdown(summary(jobs, "family"), "family"))
    print()
    print(markdown(summary(jobs, "rule"), "rule"))
    total = jobs.wall_s.sum() / 60
    line = f"\n{len(jobs)} jobs, {total:.1f} job-minutes, {jobs.cpu_s.sum() / 60:.1f} CPU minutes"
    if args.wall:
        line += f"; {args.wall:.1f} minutes of wall time: {total / args.wall:.2f} jobs running on average"
    print(line)
    if args.by_job:
        print()
        print(jobs.sort_values("wall_s", ascending=False).head(20)[["rule", "job", "wall_s", "cpu_s", "max_rss_mb"]]
              .to_string(index=False))


if __name__ == "__main__":
    main()
