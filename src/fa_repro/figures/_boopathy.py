"""Shared pieces of the Boopathy & Fiete figures: best test accuracy over epochs (App. F: "test set accuracies are
evaluated at each training epoch, and the best results reported"), then over the learning-rate grid."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..plotting import method_label, method_style

# Boopathy & Fiete's method tags ("normal" is BP) take their colour, marker and label from fa_repro.plotting


def label(method: str) -> str:
    return method_label(method)


def style(method: str) -> dict:
    return method_style(method)


def best_per_run(df: pd.DataFrame, tags: list[str]) -> pd.DataFrame:
    """One row per (experiment, seed): the best test accuracy over the trained epochs and its epoch (NaN epochs
    of a diverged run skipped; NaN when it never produced a finite accuracy) and whether the run diverged."""
    trained = df[df.epoch >= 1].copy()
    trained["_acc"] = trained.test_acc.fillna(-np.inf)
    idx = trained.groupby(["experiment", "seed"])["_acc"].idxmax()
    best = trained.loc[idx, ["experiment", "seed", "epoch", "test_acc"] + tags].rename(columns={"epoch": "best_epoch"})
    diverged = trained.groupby(["experiment", "seed"]).diverged.any().rename("diverged").reset_index()
    return best.merge(diverged, on=["experiment", "seed"]).reset_index(drop=True)


def best_over_lr(runs: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Mean (± std over seeds) of the per-run best accuracy for every lr, then the lr with the highest mean per
    ``by`` group (App. F: a grid search over learning rates, the best result reported)."""
    per_lr = runs.groupby(by + ["lr"]).agg(test_acc=("test_acc", "mean"), test_acc_std=("test_acc", lambda s: s.std(ddof=0)),
                                           n_runs=("test_acc", "size"), n_diverged=("diverged", "sum")).reset_index()
    best = per_lr.sort_values("test_acc", ascending=False, na_position="last").groupby(by, as_index=False).head(1)
    return best.rename(columns={"lr": "best_lr"}).sort_values(by).reset_index(drop=True)


def width_axis(ax, widths) -> None:
    ax.set_xscale("log", base=2)
    ax.set_xticks(sorted(widths), [f"×{w}" for w in sorted(widths)])
    ax.set_xlabel("network scale (filters per layer)")


def _paper_key(value):
    """A table value as the printed numbers key it: whole numbers (widths, training-set sizes) as int."""
    return int(value) if isinstance(value, (int, float, np.number)) and float(value).is_integer() else value


def best_beside_paper(inputs: dict[str, pd.DataFrame], by: list[str], printed: dict) -> pd.DataFrame:
    """Best test accuracy over epochs and learning rates per ``by`` group (:func:`best_over_lr`), with the paper's
    printed accuracy for the same keys beside it as a fraction (``paper_test_acc``; NaN where none is printed)."""
    runs = best_per_run(pd.concat(inputs.values(), ignore_index=True), by + ["lr"])
    out = best_over_lr(runs, by)
    keys = zip(*(out[k].map(_paper_key) for k in by))
    out["paper_test_acc"] = [printed.get(key if len(by) > 1 else key[0], float("nan")) / 100 for key in keys]
    return out
