"""Refinetti et al. 2021, Fig. 8: final weight and gradient alignment of DFA-trained networks on the
correlated-target regression task (Eq. 20) against α (target variance ratio) and β (decorrelation)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..plotting import subplots
from ._training import run_average, stacked


def table(inputs: dict[str, pd.DataFrame], params: dict) -> pd.DataFrame:
    df = stacked(inputs)
    final = df[df.epoch == df.epoch.max()]
    return run_average(final, ["activation", "alpha", "beta"], {"wa": "wa_global", "ga": "ga_global"})


def draw(df: pd.DataFrame, params: dict):
    activations = sorted(df.activation.unique())
    fig, axes = subplots(2, len(activations), figsize=(4.2 * len(activations), 7), squeeze=False, layout="constrained")
    for j, activation in enumerate(activations):
        sub = df[df.activation == activation]
        alphas, betas = sorted(sub.alpha.unique()), sorted(sub.beta.unique())
        for i, (quantity, label) in enumerate((("wa", "final WA"), ("ga", "final GA"))):
            grid = sub.pivot(index="beta", columns="alpha", values=quantity).reindex(index=betas, columns=alphas)
            ax = axes[i, j]
            im = ax.imshow(grid.to_numpy(), origin="lower", cmap="viridis", vmin=np.nanmin(df[quantity]),
                           vmax=np.nanmax(df[quantity]), aspect="auto")
            for (r, c), v in np.ndenumerate(grid.to_numpy()):
                ax.text(c, r, f"{v:.2f}", ha="center", va="center", color="w", fontsize=7)
            ax.set_xticks(range(len(alphas)), [f"{a:g}" for a in alphas])
            ax.set_yticks(range(len(betas)), [f"{b:g}" for b in betas])
            ax.set_xlabel("α (std of the second target; α < 1 unbalances)")
            ax.set_ylabel("β (β < 1 correlates the targets)")
            ax.set_title(f"{label}, {activation}")
            ax.grid(False)
            fig.colorbar(im, ax=ax, shrink=0.8)
    fig.suptitle("Badly conditioned targets hamper alignment (Eq. 20)")
    return fig
