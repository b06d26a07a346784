"""Srinivasan et al. 2024, App. Fig. 4: test curves of PEPITA-time-local (App. A, Algorithm 2) and of the
time-local scheme with F = 0 (only the last layer learns usefully), CIFAR-10, one hidden layer."""
from __future__ import annotations

import pandas as pd

from ._training import run_average, stacked

VARIANTS = ("time_local", "time_local_f0")  # labels, colours, line styles: fa_repro.plotting.PEPITA_VARIANTS


def table(inputs: dict[str, pd.DataFrame], params: dict) -> pd.DataFrame:
    return run_average(stacked(inputs), ["variant", "epoch"], {"test_acc": "test_acc"})


def draw(df: pd.DataFrame, params: dict):
    from ..plotting import band, pepita_style, spread_note, subplots

    fig, ax = subplots(figsize=(4.4, 3.3), layout="constrained")
    for variant in VARIANTS:
        sub = df[df.variant == variant]
        style = pepita_style(variant)
        band(ax, sub.epoch, 100 * sub.test_acc, 100 * sub.test_acc_std, label=style["label"], color=style["color"],
             ls=style["ls"])
    ax.set_xlabel("epoch")
    ax.set_ylabel("test accuracy (%)")
    ax.set_title(f"PEPITA-time-local vs F = 0 (CIFAR-10, {spread_note(df.n_runs)})")
    ax.legend(loc="lower right")
    return fig
