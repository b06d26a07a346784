"""Refinetti et al. 2021, App. Fig. 12: weight-alignment dynamics on the correlated-target regression task
(Eq. 20) for each α and β, ReLU and tanh."""
from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd

from ..plotting import band, subplots
from ._training import run_average, stacked


def table(inputs: dict[str, pd.DataFrame], params: dict) -> pd.DataFrame:
    return run_average(stacked(inputs), ["activation", "alpha", "beta", "epoch"], {"wa": "wa_global"})


def draw(df: pd.DataFrame, params: dict):
    activations, alphas = sorted(df.activation.unique()), sorted(df.alpha.unique())
    fig, axes = subplots(len(activations), len(alphas), figsize=(2.6 * len(alphas), 2.6 * len(activations)),
                         squeeze=False, sharey=True, layout="constrained")
    betas = sorted(df.beta.unique())
    colours = plt.cm.plasma([i / max(1, len(betas) - 1) * 0.85 for i in range(len(betas))])
    for i, activation in enumerate(activations):
        for j, alpha in enumerate(alphas):
            ax = axes[i, j]
            for colour, beta in zip(colours, betas):
                sub = df[(df.activation == activation) & (df.alpha == alpha) & (df.beta == beta)]
                band(ax, sub.epoch, sub.wa, sub.wa_std, color=colour, label=f"β = {beta:g}")  # ± std over runs
            ax.set_title(f"{activation}, α = {alpha:g}")
            ax.set_xlabel("epoch")
            if j == 0:
                ax.set_ylabel("weight alignment WA")
    axes[0, -1].legend(loc="lower right")
    fig.suptitle("WA is hampered by correlated (β < 1) or unbalanced (α < 1) targets (mean ± std over runs)")
    return fig
