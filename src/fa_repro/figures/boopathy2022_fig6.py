"""Boopathy & Fiete 2022, Fig. 6 and Table 9: best test accuracy vs training-set size (Small CIFAR-10) for every
rule at the narrowest and widest scale (Table 9: all scales), with the paper's values."""
from __future__ import annotations

import pandas as pd

from ..paper_numbers import load as paper_numbers
from ._boopathy import best_beside_paper, style

BOOPATHY2022_SMALL_DATA = paper_numbers("boopathy2022_small_data")  # printed in the paper (src/fa_repro/paper_numbers/)


def table(inputs: dict[str, pd.DataFrame], params: dict) -> pd.DataFrame:
    return best_beside_paper(inputs, ["method", "width", "n_train"], BOOPATHY2022_SMALL_DATA)


def draw(df: pd.DataFrame, params: dict):
    from ..plotting import subplots

    fig, ax = subplots(figsize=(5.0, 3.7), layout="constrained")
    widths = sorted(df.width.unique())
    for (method, width), g in df[df.width.isin([widths[0], widths[-1]])].groupby(["method", "width"]):
        st = style(method)
        ax.errorbar(g.n_train, 100 * g.test_acc, 100 * g.test_acc_std.fillna(0.0), ms=3, capsize=2,
                    ls="-" if width == widths[-1] else "--", **{**st, "label": f"{st['label']} ×{width}"})
    ax.set_xscale("log")
    ax.set_xlabel("training-set size (images)")
    ax.set_ylabel("best test accuracy (%)")
    ax.set_title("Small CIFAR-10 (Fig. 6); solid: widest, dashed: narrowest\nmean ± std over seeds at the best lr")
    ax.legend(fontsize=5.5, ncol=2)
    return fig
