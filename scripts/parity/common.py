"""What the parity scripts share: our side of a comparison (a paper-scale spec from config.yaml, trained by the
pipeline's own code on the same data), the authors' side (their training script, run by their Python in a
subprocess through a small runner that only shims their data loading), and the comparison of the learning curves.

Curves are tidy tables with the columns ``side`` (ours | authors), ``seed``, ``step`` (updates made), ``metric`` and
``value``. Two curves agree at a compared step when their seed means differ by no more than the seeds' spread
explains: ``|m_ours − m_authors| ≤ q·√(s_ours²/n_ours + s_authors²/n_authors)`` (Welch's standard error of the
difference, plus ``floor`` for metrics whose spread can vanish), with ``q`` the Student-t quantile at Welch's
degrees of freedom for a two-sided 5 % test Bonferroni-corrected over the compared steps of the curve. A row of the
parity table agrees when every compared step does: if both codes trained the same process, a row differs with
probability ≤ 5 %, however many steps it compares (a fixed "twice the seed std" at every one of ten steps of three
seeds flags about one curve in two of identical processes).
"""
from __future__ import annotations

import copy
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd

REPO = Path(__file__).resolve().parents[2]
RESULTS = REPO / "results" / "parity"
SHARED_DATASETS = REPO.parent / "shared" / "datasets"
sys.path.insert(0, str(REPO / "src"))


class ParityError(SystemExit):
    """A problem the user must fix (a checkout without the expected files, a missing dataset): stops with it."""

    def __init__(self, message: str):
        super().__init__(f"parity: {message}")


def authors_checkout(path: str | Path, required: list[str], repository: str) -> Path:
    """The authors' checkout at ``path``, checked to hold the files the runner imports."""
    root = Path(path).expanduser().resolve()
    missing = [f for f in required if not (root / f).exists()]
    if missing:
        raise ParityError(f"{root} is not a checkout of {repository}: missing {', '.join(missing)} "
                          f"(git clone https://github.com/{repository} and pass its path)")
    return root


def deep_merge(base: dict, override: dict) -> dict:
    out = copy.deepcopy(base)
    for key, value in override.items():
        out[key] = deep_merge(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


def paper_spec(name: str, overrides: dict | None = None, scale: str = "paper") -> dict:
    """The training spec of run ``name`` as the pipeline generates it at ``scale`` (config.yaml), with
    ``overrides`` merged in (a data subset, fewer epochs, the seeds, metrics)."""
    from fa_repro import config
    from fa_repro.experiments import training_specs

    cfg = config.load(REPO / "config.yaml", REPO / "workflow/schemas/config.schema.yaml", scale=scale)
    specs = training_specs(cfg["experiments"])
    if name not in specs:
        raise ParityError(f"no run {name!r} at {scale} scale")
    spec = deep_merge(specs[name], overrides or {})
    config.validate_training_specs({name: spec}, REPO / "workflow/schemas/config.schema.yaml")
    return spec


def prepared_dataset(dataset: str) -> Path:
    """Our prepared file of ``dataset`` (results/parity/data/<dataset>.pt): read from the offline copies in
    ../shared/datasets where they exist, else downloaded through torchvision into resources/data."""
    from fa_repro.data.sources import DatasetError, download, prepare

    out = RESULTS / "data" / f"{dataset}.pt"
    if out.exists():
        return out
    offline = {"mnist": {"kind": "torchvision", "root": str(SHARED_DATASETS)},
               "cifar10": {"kind": "imagefolder", "root": str(SHARED_DATASETS / "cifar10-jpeg")}}
    try:
        if dataset in offline and SHARED_DATASETS.exists():
            prepare(dataset, offline[dataset], out)
        else:
            root = REPO / "resources" / "data" / "torchvision"
            download(dataset, root)
            prepare(dataset, {"kind": "download"}, out, download_root=root)
    except DatasetError as err:
        raise ParityError(str(err)) from err
    return out


def our_curves(spec: dict, dataset_file: Path | None, metrics: dict[str, str], name: str) -> pd.DataFrame:
    """Train ``spec`` with the pipeline's own code (fa_repro.training.experiment.run_experiment) and return its
    curves: ``metrics`` maps our metrics-table columns to the parity metric names."""
    from fa_repro.training.experiment import run_experiment

    table = run_experiment(spec, dataset_file, progress=True, name=name)
    return tidy(table, "ours", metrics)


def tidy(table: pd.DataFrame, side: str, metrics: dict[str, str]) -> pd.DataFrame:
    """A wide table (one row per step and seed, a column per metric) as tidy curves of ``side``."""
    long = table.melt(id_vars=["seed", "step"], value_vars=list(metrics), var_name="metric", value_name="value")
    long["metric"] = long["metric"].map(metrics)
    long.insert(0, "side", side)
    return long[["side", "seed", "step", "metric", "value"]]


def run_authors(runner: Path, python: str, arguments: dict, out: Path) -> pd.DataFrame:
    """Run ``runner`` (a script of scripts/parity/ that imports the authors' code) with the authors' Python;
    it writes tidy curves of side ``authors`` to ``out``."""
    out.parent.mkdir(parents=True, exist_ok=True)
    command = [python, str(runner), json.dumps(arguments), str(out)]
    print("parity: running the authors' code:", " ".join(command[:2]), file=sys.stderr)
    env = {**os.environ, "PYTHONPATH": ""}  # their environment, not ours
    result = subprocess.run(command, env=env)
    if result.returncode != 0:
        raise ParityError(f"the authors' runner {runner.name} failed (exit {result.returncode}); its output is above")
    return pd.read_csv(out)


def welch_tolerance(s_1: float, n_1: int, s_2: float, n_2: int, comparisons: int, level: float = 0.05) -> float:
    """The largest difference of two seed means that a two-sided Welch t-test at ``level`` / ``comparisons``
    (Bonferroni) does not call significant."""
    from scipy.stats import t

    v_1, v_2 = s_1 ** 2 / n_1, s_2 ** 2 / n_2
    se = math.sqrt(v_1 + v_2)
    if se == 0:
        return 0.0
    dof = (v_1 + v_2) ** 2 / ((v_1 ** 2 / (n_1 - 1) if v_1 else 0.0) + (v_2 ** 2 / (n_2 - 1) if v_2 else 0.0))
    return float(t.ppf(1 - level / (2 * comparisons), dof)) * se


def compare(curves: pd.DataFrame, steps: list[int], floor: dict[str, float] | None = None) -> pd.DataFrame:
    """Per metric and compared step: each side's seed count, mean and std, and whether they agree. Each side's
    value at a compared step is its record nearest to it (the two codes may record one update apart)."""
    floor = floor or {}
    rows = []
    for metric, g in curves.groupby("metric"):
        for step in steps:
            stats = {}
            for side in ("ours", "authors"):
                s = g[g.side == side]
                if s.empty:
                    continue
                nearest = s.loc[(s.step - step).abs().groupby(s.seed).idxmin()]
                stats[side] = (len(nearest), nearest.value.mean(), nearest.value.std(ddof=1), int(nearest.step.median()))
            if len(stats) < 2:
                continue
            (n_o, m_o, s_o, st_o), (n_a, m_a, s_a, st_a) = stats["ours"], stats["authors"]
            tolerance = welch_tolerance(s_o, n_o, s_a, n_a, len(steps)) + floor.get(metric, 0.0)
            rows.append({"metric": metric, "step": step, "ours_step": st_o, "authors_step": st_a,
                         "ours_n": n_o, "ours_mean": m_o, "ours_std": s_o,
                         "authors_n": n_a, "authors_mean": m_a, "authors_std": s_a,
                         "difference": m_o - m_a, "tolerance": tolerance, "agree": abs(m_o - m_a) <= tolerance})
    return pd.DataFrame(rows)


def summary_rows(points: pd.DataFrame, paper: str, family: str, configuration: str) -> list[dict]:
    """One parity-table row per metric: the last compared step's values and the verdict over every step."""
    rows = []
    for metric, g in points.groupby("metric", sort=False):
        last = g.sort_values("step").iloc[-1]
        failed = g[~g.agree]
        rows.append({
            "paper": paper, "family": family, "configuration": configuration,
            "steps_compared": ", ".join(str(int(s)) for s in sorted(g.step)), "metric": metric,
            "ours": f"{last.ours_mean:.4g} ± {last.ours_std:.2g} (n={last.ours_n})",
            "authors": f"{last.authors_mean:.4g} ± {last.authors_std:.2g} (n={last.authors_n})",
            "verdict": "agree" if failed.empty else
                       "differ at step " + ", ".join(str(int(s)) for s in failed.step),
        })
    return rows


def write_results(key: str, curves: pd.DataFrame, points: pd.DataFrame, rows: list[dict]) -> None:
    """results/parity/<key>_curves.csv, <key>_points.csv and <key>_summary.csv; the summary is printed."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    curves.to_csv(RESULTS / f"{key}_curves.csv", index=False)
    points.to_csv(RESULTS / f"{key}_points.csv", index=False)
    summary = pd.DataFrame(rows)
    summary.to_csv(RESULTS / f"{key}_summary.csv", index=False)
    with pd.option_context("display.width", 200, "display.max_colwidth", 60):
        print(summary.to_string(index=False))
