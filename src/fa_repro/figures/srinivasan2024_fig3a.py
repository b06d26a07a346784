"""Srinivasan et al. 2024, Fig. 3a: PEPITA's final test accuracy vs the number of hidden layers (CIFAR-10):
He-normal weights with normal F, He-uniform weights with uniform F, and PEPITA-Hebbian (Eq. 7)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ._training import final_epoch, stacked

VARIANTS = {"plain": "PEPITA (He normal)", "he_uniform": "PEPITA (He uniform)", "hebbian": "PEPITA-Hebbian"}
# colours and markers: PEPITA's variants in fa_repro.plotting.PEPITA_VARIANTS


def table(inputs: dict[str, pd.DataFrame], params: dict) -> pd.DataFrame:
    df = final_epoch(stacked(inputs), ["experiment"])
    out = df[["variant", "n_hidden", "seed", "epoch", "test_acc", "dataset"]].rename(columns={"seed": "run"})
    return out.sort_values(["variant", "n_hidden", "run"]).reset_index(drop=True)


def draw(df: pd.DataFrame, params: dict):
    from ..plotting import pepita_style, subplots

    fig, ax = subplots(figsize=(4.4, 3.4), layout="constrained")
    depths = sorted(df.n_hidden.unique())
    for i, (variant, label) in enumerate(VARIANTS.items()):
        style = pepita_style(variant)
        colour, marker = style["color"], style["marker"]
        sub = df[df.variant == variant].groupby("n_hidden").test_acc.agg(["mean", "std"]).reindex(depths)
        x = np.arange(len(depths)) + (i - 1) * 0.12
        ax.errorbar(x, 100 * sub["mean"], 100 * sub["std"].fillna(0), ls="none", marker=marker, capsize=3,
                    color=colour, label=label)
        pts = df[df.variant == variant]
        ax.scatter(np.searchsorted(depths, pts.n_hidden) + (i - 1) * 0.12, 100 * pts.test_acc, s=6, color=colour,
                   alpha=0.4)
    ax.set_xticks(range(len(depths)), [str(d) for d in depths])
    ax.set_xlabel("number of hidden layers")
    ax.set_ylabel("final test accuracy (%)")
    ax.set_title(f"PEPITA with depth ({df.dataset.iloc[0]}; mean ± std, dots: runs)")
    ax.legend(loc="lower left")
    return fig
