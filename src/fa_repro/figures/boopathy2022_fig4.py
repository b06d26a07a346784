"""Boopathy & Fiete 2022, Fig. 4 and Tables 6–7: best test accuracy (over epochs and the learning-rate grid) vs
network width for every rule, with the paper's values."""
from __future__ import annotations

import pandas as pd

from ..paper_numbers import load as paper_numbers
from ._boopathy import best_beside_paper, style, width_axis
from ._training import suptitle_with_note

BOOPATHY2022_ACCURACY = paper_numbers("boopathy2022_accuracy")  # printed in the paper (src/fa_repro/paper_numbers/)


def table(inputs: dict[str, pd.DataFrame], params: dict) -> pd.DataFrame:
    out = best_beside_paper(inputs, ["dataset", "method", "width"], BOOPATHY2022_ACCURACY)
    gap = out[out.method == "normal"].set_index(["dataset", "width"]).test_acc
    out["gap_to_normal"] = [gap.get((d, w), float("nan")) - a for d, w, a in zip(out.dataset, out.width, out.test_acc)]
    return out


def draw(df: pd.DataFrame, params: dict):
    from ..plotting import subplots

    datasets = list(df.dataset.unique())
    fig, axes = subplots(1, len(datasets), figsize=(4.6 * len(datasets), 3.6), layout="constrained", squeeze=False)
    for ax, dataset in zip(axes[0], datasets):
        sub = df[df.dataset == dataset]
        for method, g in sub.groupby("method"):
            ax.errorbar(g.width, 100 * g.test_acc, 100 * g.test_acc_std, capsize=2, ms=3, **style(method))
        width_axis(ax, sub.width.unique())
        ax.set_ylabel("best test accuracy (%)")
        ax.set_title(dataset)
        ax.legend(fontsize=6)
    suptitle_with_note(fig, "Accuracy vs width (Fig. 4, Tables 6–7)", params)
    return fig
