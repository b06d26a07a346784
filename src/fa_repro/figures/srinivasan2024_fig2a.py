"""Srinivasan et al. 2024, Fig. 2a: test accuracy over epochs of "vanilla" PEPITA (no momentum) and its
adaptive-feedback approximation AFA (Eq. 11), MNIST, one hidden layer of ReLU units."""
from __future__ import annotations

import pandas as pd

from ._training import run_average, stacked

LABELS = {"vanilla": "PEPITA", "afa": "AFA (Eq. 11)"}


def table(inputs: dict[str, pd.DataFrame], params: dict) -> pd.DataFrame:
    df = stacked(inputs)
    df["method"] = df["variant"].map({"vanilla": "pepita", "afa": "afa"})
    return run_average(df[df.epoch > 0], ["method", "epoch"], {"test_acc": "test_acc"})


def draw(df: pd.DataFrame, params: dict):
    from ..plotting import method_style, spread_note, subplots

    fig, ax = subplots(figsize=(4.2, 3.3), layout="constrained")
    for method in ("pepita", "afa"):
        sub = df[df.method == method]
        ax.errorbar(sub.epoch, 100 * sub.test_acc, 100 * sub.test_acc_std, ms=4, lw=1, capsize=2,
                    **{**method_style(method), "label": {"pepita": "PEPITA", "afa": "AFA (Eq. 11)"}[method]})
    ax.set_xlabel("epoch")
    ax.set_ylabel("test accuracy (%)")
    ax.set_title(f"PEPITA and its AFA approximation\n(MNIST, 1 hidden layer, {spread_note(df.n_runs)})")
    ax.legend(loc="lower right")
    return fig
