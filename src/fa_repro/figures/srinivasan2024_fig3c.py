"""Srinivasan et al. 2024, Fig. 3c and App. Figs. 9–10: angle between the feedback F and W_totᵀ (W_tot = W_L ⋯ W_1)
over training, PEPITA without and with weight mirroring (WM) and with pre-mirroring (preM), per dataset and depth.
Epoch 0 is before training (after pre-mirroring)."""
from __future__ import annotations

import pandas as pd

from ._training import run_average, stacked

VARIANTS = ("plain", "wm", "wd_wm", "wm_prem")  # labels, colours, line styles: fa_repro.plotting.PEPITA_VARIANTS


def table(inputs: dict[str, pd.DataFrame], params: dict) -> pd.DataFrame:
    return run_average(stacked(inputs), ["dataset", "n_hidden", "variant", "epoch"], {"angle": "feedback_angle"})


def draw(df: pd.DataFrame, params: dict):
    """One row per dataset, one column per depth (as App. Figs. 9–10); one legend for every variant drawn; a panel
    names the variants not built at its depth."""
    from ..plotting import PEPITA_VARIANTS, band, pepita_style, subplots

    datasets, depths = sorted(df.dataset.unique()), sorted(df.n_hidden.unique())
    fig, axes = subplots(len(datasets), len(depths), figsize=(3.2 * len(depths), 2.8 * len(datasets)),
                         layout="constrained", squeeze=False, sharey=True)
    handles = {}
    for row, dataset in zip(axes, datasets):
        for ax, n in zip(row, depths):
            sub = df[(df.dataset == dataset) & (df.n_hidden == n)]
            ax.set_title(f"{dataset}, {n} hidden layer{'s' if n > 1 else ''}")
            ax.set_xlabel("epoch")
            if ax is row[0]:
                ax.set_ylabel("angle between F and W_totᵀ (°)")
            absent = [PEPITA_VARIANTS[v][0] for v in VARIANTS if not (sub.variant == v).any()]
            for variant in VARIANTS:
                v = sub[sub.variant == variant]
                if len(v):
                    style = pepita_style(variant)
                    band(ax, v.epoch, v.angle, v.angle_std, label=style["label"], color=style["color"], ls=style["ls"])
            for line in ax.get_lines():
                handles.setdefault(line.get_label(), line)
            if len(sub) == 0:
                ax.text(0.5, 0.5, "not built", transform=ax.transAxes, ha="center", va="center", color="0.4")
            elif absent:
                ax.text(0.5, 0.5, "not built here:\n" + "\n".join(absent), transform=ax.transAxes, fontsize=6.5,
                        color="0.35", ha="center", va="center",  # mid-panel, boxed: legible over any curve
                        bbox={"boxstyle": "round", "facecolor": "white", "edgecolor": "0.8", "alpha": 0.85})
    labels = [PEPITA_VARIANTS[v][0] for v in VARIANTS if PEPITA_VARIANTS[v][0] in handles]
    fig.legend([handles[label] for label in labels], labels, loc="outside lower center", ncol=len(labels))
    fig.suptitle("Weight mirroring aligns F with the forward weights")
    return fig
