"""Srinivasan et al. 2024, Fig. 3b: effect of weight decay on PEPITA's test curves (CIFAR-10, 1–3 hidden
layers), mean ± std over runs."""
from __future__ import annotations

import json

import pandas as pd

from ._training import run_average, stacked


def table(inputs: dict[str, pd.DataFrame], params: dict) -> pd.DataFrame:
    df = stacked(inputs)
    df["weight_decay"] = df["config"].map(lambda c: json.loads(c)["optimizer"]["weight_decay"])
    return run_average(df[df.epoch > 0], ["weight_decay", "n_hidden", "epoch"], {"test_acc": "test_acc"})


def draw(df: pd.DataFrame, params: dict):
    from ..plotting import band, pepita_style, subplots

    depths = sorted(df.n_hidden.unique())
    fig, axes = subplots(1, len(depths), figsize=(3.6 * len(depths), 3.2), layout="constrained", squeeze=False)
    for ax, n in zip(axes[0], depths):
        for wd, sub in df[df.n_hidden == n].groupby("weight_decay"):
            style = pepita_style("plain" if wd == 0 else "wd")
            band(ax, sub.epoch, 100 * sub.test_acc, 100 * sub.test_acc_std, color=style["color"], ls=style["ls"],
                 label="no weight decay" if wd == 0 else f"weight decay λ = {wd:g}")
        ax.set_title(f"{n} hidden layer{'s' if n > 1 else ''}")
        ax.set_xlabel("epoch")
        ax.set_ylabel("test accuracy (%)")
    axes[0][0].legend(loc="lower right")
    fig.suptitle("PEPITA: effect of weight decay (CIFAR-10)")
    return fig
