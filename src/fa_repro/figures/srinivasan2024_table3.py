"""Srinivasan et al. 2024, App. Table 3: slowness of the test curve (fit of acc(t) = a·t/(s + t) to the epochs
before the first learning-rate decay), 1 hidden layer, no weight decay; mean ± std over runs, paper beside ours."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ..metrics.learning_curves import slowness
from ..paper_numbers import load as paper_numbers
from ._markdown import markdown_table, ours_beside_paper
from ._training import stacked, unavailable_note

SRINIVASAN2024_SLOWNESS = paper_numbers("srinivasan2024_slowness")  # printed in the paper (src/fa_repro/paper_numbers/)

LABELS = {("bp", "plain"): "BP", ("fa", "plain"): "FA", ("drtp", "plain"): "DRTP", ("pepita", "plain"): "PEPITA",
          ("pepita", "wm"): "PEPITA + WM", ("pepita", "wm_prem"): "PEPITA + WM + preM"}
DATASETS = ("mnist", "cifar10", "cifar100")


def table(inputs: dict[str, pd.DataFrame], params: dict) -> pd.DataFrame:
    df = stacked(inputs)
    max_epoch = int(params.get("slowness_epochs", 60))
    df = df[(df.epoch >= 1) & (df.epoch <= max_epoch)]
    rows = []
    for (method, variant, dataset), g in df.groupby(["method", "variant", "dataset"]):
        fits = []
        for _, run in g.groupby("seed"):
            try:
                fits.append(slowness(run.epoch, run.test_acc)[1])
            except (ValueError, RuntimeError):
                fits.append(np.nan)
        fits = np.array(fits)
        pm, ps = SRINIVASAN2024_SLOWNESS.get((method, variant, dataset), (math.nan, math.nan))
        rows.append({"method": LABELS.get((method, variant), f"{method} {variant}"), "rule": method, "variant": variant,
                     "dataset": dataset, "mean": np.nanmean(fits), "std": np.nanstd(fits), "n_runs": len(fits),
                     "n_failed_fits": int(np.isnan(fits).sum()), "fit_epochs": max_epoch,
                     "paper_mean": pm, "paper_std": ps})
    return pd.DataFrame(rows)


def render(df: pd.DataFrame, params: dict) -> tuple[str, pd.DataFrame]:
    missing = params.get("unavailable", {})
    lines = ["# Srinivasan et al. 2024 — Table 3: slowness (epochs to half the plateau; smaller is faster)", "",
             f"Scale `{params.get('scale', '')}`: fit over epochs 1–{int(df.fit_epochs.max()) if len(df) else '?'}; "
             "paper: first 60 of 100 epochs, full datasets.", ""]
    note = unavailable_note(params)
    if note:
        lines += [f"Not built: {note}.", ""]
    rows = []
    for (method, variant), label in LABELS.items():
        row = {"rule": label}
        for dataset in DATASETS:
            hit = df[(df.rule == method) & (df.variant == variant) & (df.dataset == dataset)]
            paper = SRINIVASAN2024_SLOWNESS.get((method, variant, dataset), (math.nan, math.nan))
            ours_beside_paper(row, dataset, hit, paper, missing, digits=3)
        rows.append(row)
    display = pd.DataFrame(rows)
    return "\n".join(lines + [markdown_table(display)]) + "\n", display
