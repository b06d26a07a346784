"""Refinetti et al. 2021, Fig. 9 with the panels of App. Fig. 11: training error, weight alignment, gradient
alignment and the cosine similarity of paired networks' weights against epoch, for several fractions of
corrupted training labels (CIFAR-10, ReLU, DFA)."""
from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd

from ..plotting import band, subplots
from ._training import run_average, stacked


def table(inputs: dict[str, pd.DataFrame], params: dict) -> pd.DataFrame:
    df = stacked(inputs)
    df = df.assign(train_error=1.0 - df.train_acc)
    out = run_average(df, ["corruption", "epoch"], {"wa": "wa_global", "ga": "ga_global",
                                                    "train_error": "train_error", "cos_sim": "pair_cos_sim"})
    out["n_runs"] = out["n_runs"] // 2  # a run is a pair of networks
    return out


def draw(df: pd.DataFrame, params: dict):
    fig, axes = subplots(2, 2, figsize=(9, 6.4), layout="constrained")
    levels = sorted(df.corruption.unique())
    colours = plt.cm.viridis([i / max(1, len(levels) - 1) * 0.9 for i in range(len(levels))])
    panels = (("train_error", "A: training error"), ("wa", "B: weight alignment WA"),
              ("ga", "C: gradient alignment GA"), ("cos_sim", "D: cosine similarity of paired nets"))
    for ax, (quantity, label) in zip(axes.flat, panels):
        for colour, p in zip(colours, levels):
            sub = df[df.corruption == p]
            band(ax, sub.epoch, sub[quantity], sub[f"{quantity}_std"], color=colour, label=f"p = {p:g}")
        ax.set_xlabel("epoch")
        ax.set_ylabel(label.split(": ")[1])
        ax.set_title(label)
    axes[0, 1].legend(loc="lower right", title="label corruption")
    fig.suptitle("Label corruption delays alignment (CIFAR-10, ReLU, DFA)")
    return fig
