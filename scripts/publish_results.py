"""Publish a scale's build as results a reader sees without running anything: its figure data, figures, tables and
claims verdicts copied into a folder of the repository, with the commit, date, machine and wall time that produced
them and what each job cost.

    .venv/bin/python scripts/publish_results.py --scale paper_reachable --wall 61.5 --started 2026-12-02T15:41Z

reads the build of ``--scale`` in this checkout (``scales/<scale>/``, or the top for quick) and writes
``published/<scale>/``: ``data/<leaf>.csv`` (the figure data, ``results/figures/``), ``figures/<leaf>.png`` and the
Markdown tables, ``claims.csv`` and ``README.md`` (provenance, the claims table, the cost table of
``benchmarks/build_cost.py``). Refuses a checkout with uncommitted changes to the code (the commit would not say
what produced the results).
"""
from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(REPO / "benchmarks"))

from build_cost import families, markdown, read_benchmarks, summary  # noqa: E402
from fa_repro.claims import render  # noqa: E402
from fa_repro.config import scale_root  # noqa: E402


def git(*args: str) -> str | None:
    """``git args`` in this checkout; None outside a git checkout (e.g. a copy of the files)."""
    out = subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True)
    return out.stdout.strip() if out.returncode == 0 else None


def machine() -> str:
    """The CPU model, its cores and memory, and the versions that ran the build."""
    import numpy
    import torch

    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), platform.processor() or platform.machine()) \
        if Path("/proc/cpuinfo").exists() else platform.processor()
    mem_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "no GPU"
    return (f"{model}, {os.cpu_count()} cores, {mem_gib:.0f} GiB, {gpu}; Python {platform.python_version()}, "
            f"PyTorch {torch.__version__}, NumPy {numpy.__version__}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", required=True)
    parser.add_argument("--wall", type=float, required=True, help="the build's wall time in minutes")
    parser.add_argument("--started", required=True, help="when the build started (ISO 8601)")
    parser.add_argument("--command", default="", help="the command that ran the build")
    parser.add_argument("--note", default="", help="anything else the reader should know about the build")
    parser.add_argument("--dest", type=Path, help="default: published/<scale>")
    args = parser.parse_args()

    src = REPO / scale_root(args.scale)
    dest = args.dest or REPO / "published" / args.scale
    dirty = git("status", "--porcelain", "--untracked-files=no", "--", "src", "workflow", "Snakefile", "config.yaml")
    if dirty:  # None (not a git checkout) is published as such
        raise SystemExit(f"publish_results: uncommitted changes to the code:\n{dirty}\ncommit them and rebuild first")
    claims_csv = src / "results/claims.csv"
    if not claims_csv.exists():
        raise SystemExit(f"publish_results: {claims_csv} is missing: build the {args.scale} scale first "
                         f"(snakemake all --config scale={args.scale})")
    if dest.exists():
        shutil.rmtree(dest)
    (dest / "data").mkdir(parents=True)
    (dest / "figures").mkdir()
    leaves = sorted(p.stem for p in (src / "results/figures").glob("*.csv"))
    for leaf in leaves:
        shutil.copy2(src / "results/figures" / f"{leaf}.csv", dest / "data" / f"{leaf}.csv")
        for suffix in (".png", ".md"):
            if (src / "figures" / f"{leaf}{suffix}").exists():
                shutil.copy2(src / "figures" / f"{leaf}{suffix}", dest / "figures" / f"{leaf}{suffix}")
    shutil.copy2(claims_csv, dest / "claims.csv")
    claims = pd.read_csv(claims_csv, keep_default_na=False)
    claims_md = render(claims)
    if claims_md.startswith("# "):  # the table's own title: this README's "Claims" section stands for it
        claims_md = claims_md.split("\n", 1)[1].lstrip("\n")

    jobs = read_benchmarks(src / "results")
    jobs["family"] = families(jobs, args.scale)
    job_minutes = jobs.wall_s.sum() / 60
    commit = git("rev-parse", "HEAD")
    produced_by = (f"commit `{commit}` ({git('log', '-1', '--format=%cs %s', commit)[:120]})" if commit
                   else "files outside a git checkout (no commit recorded)")
    text = [
        f"# Published results: the `{args.scale}` scale",
        "",
        f"Produced by {produced_by}, build started "
        f"{args.started}, {args.wall:.1f} minutes of wall time ({len(jobs)} jobs, {job_minutes:.1f} job-minutes, "
        f"{jobs.cpu_s.sum() / 60:.1f} CPU minutes) on {machine()}.",
        "",
        f"Command: `{args.command or f'snakemake all --config scale={args.scale}'}`; written by "
        f"`scripts/publish_results.py`. Leaves ({len(leaves)}): " + ", ".join(f"`{leaf}`" for leaf in leaves) + ".",
        "",
        *([args.note, ""] if args.note else []),
        "Files: `data/<leaf>.csv` (the figure data, the columns of `../shared/FIGURES.md`), `figures/<leaf>.png`, "
        "`claims.csv` (the claims table of this scale). The claims of leaves outside this build say "
        "\"not among this build's leaves\".",
        "",
        "## Claims",
        "",
        claims_md,
        "",
        "## What each job cost",
        "",
        markdown(summary(jobs, "family"), "family"),
        "",
    ]
    (dest / "README.md").write_text("\n".join(text))
    print(f"publish_results: {len(leaves)} leaves, {len(claims)} claims -> {dest}")


if __name__ == "__main__":
    main()
