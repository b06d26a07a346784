"""Srinivasan et al. 2024, Fig. 3c and App. Figs. 9–10: angle between the feedback F and W_totᵀ (W_tot = W_L ⋯ W_1)
over training, PEPITA without and with weight mirroring (WM) and with pre-mirroring (preM), per dataset and depth.
Epoch 0 is before training (after pre-mirroring)."""
from __future__ import annotations

import pandas as pd

from ._training import band, run_average, stacked

VARIANTS = {"plain": ("PEPITA", "tab:blue"), "wm": ("PEPITA + WM", "tab:pink"),
            "wd_wm": ("PEPITA + WD + WM", "tab:purple"), "wm_prem": ("PEPITA + WM + preM", "tab:olive")}


def table(inputs: dict[str, pd.DataFrame], params: dict) -> pd.DataFrame:
    return run_average(stacked(inputs), ["dataset", "n_hidden", "variant", "epoch"], {"angle": "feedback_angle"})


def draw(df: pd.DataFrame, params: dict):
    from ..plotting import subplots

    panels = list(df.groupby(["dataset", "n_hidden"]).groups)
    fig, axes = subplots(1, len(panels), figsize=(3.3 * len(panels), 3.2), layout="constrained", squeeze=False)
    for ax, (dataset, n) in zip(axes[0], panels):
        sub = df[(df.dataset == dataset) & (df.n_hidden == n)]
        for variant, (label, colour) in VARIANTS.items():
            v = sub[sub.variant == variant]
            if len(v):
                band(ax, v.epoch, v.angle, v.angle_std, label=label, color=colour)
        ax.set_title(f"{dataset}, {n} hidden layer{'s' if n > 1 else ''}")
        ax.set_xlabel("epoch")
        ax.set_ylabel("angle between F and W_totᵀ (degrees)")
    axes[0][0].legend(loc="best")
    fig.suptitle("Weight mirroring aligns F with the forward weights")
    return fig
