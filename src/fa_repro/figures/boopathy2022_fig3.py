"""Boopathy & Fiete 2022, Fig. 3: best test accuracy over epochs vs learning rate for every rule, at a narrow and
a wide network (solid: wide, dashed: narrow); a run that diverged is marked."""
from __future__ import annotations

import pandas as pd

from ._boopathy import best_per_run, style
from ._training import suptitle_with_note


def table(inputs: dict[str, pd.DataFrame], params: dict) -> pd.DataFrame:
    runs = best_per_run(pd.concat(inputs.values(), ignore_index=True), ["dataset", "method", "width", "lr"])
    return (runs.groupby(["dataset", "method", "width", "lr"])
            .agg(test_acc=("test_acc", "mean"), diverged=("diverged", "any"), best_epoch=("best_epoch", "mean"))
            .reset_index())


def draw(df: pd.DataFrame, params: dict):
    from ..plotting import subplots

    datasets = list(df.dataset.unique())
    fig, axes = subplots(1, len(datasets), figsize=(4.8 * len(datasets), 3.6), layout="constrained", squeeze=False)
    widths = sorted(df.width.unique())
    for ax, dataset in zip(axes[0], datasets):
        for (method, width), g in df[df.dataset == dataset].groupby(["method", "width"]):
            st = style(method)
            wide = width == widths[-1]
            ax.plot(g.lr, 100 * g.test_acc.fillna(0.0), ls="-" if wide else "--", ms=3,
                    **{**st, "label": f"{st['label']} ×{width}"})
            bad = g[g.diverged]
            ax.scatter(bad.lr, 100 * bad.test_acc.fillna(0.0), marker="X", color=st["color"], edgecolors="k",
                       linewidths=0.5, s=40, zorder=5)  # in the method's colour: red is Align-ada's
        ax.set_xscale("log")
        ax.set_xlabel("learning rate")
        ax.set_ylabel("best test accuracy (%)")
        ax.set_title(f"{dataset} (large ✕: diverged)")
        ax.legend(fontsize=5.5, ncol=2)
    suptitle_with_note(fig, "Accuracy vs learning rate (Fig. 3)", params)
    return fig
