"""Srinivasan et al. 2024, App. Fig. 8: final test accuracy of PEPITA with activation normalisation for 1–5
hidden layers, per dataset (mean ± std over runs)."""
from __future__ import annotations

import pandas as pd

from ._training import final_epoch, stacked, suptitle_with_note


def table(inputs: dict[str, pd.DataFrame], params: dict) -> pd.DataFrame:
    df = final_epoch(stacked(inputs), ["experiment"])
    out = df.groupby(["dataset", "n_hidden"]).test_acc.agg(test_acc="mean", test_acc_std=lambda s: s.std(ddof=0),
                                                            n_runs="count").reset_index()
    return out


def draw(df: pd.DataFrame, params: dict):
    from ..plotting import method_colour, subplots

    datasets = list(df.dataset.unique())
    fig, axes = subplots(1, len(datasets), figsize=(3.4 * len(datasets), 3.2), layout="constrained", squeeze=False)
    for ax, dataset in zip(axes[0], datasets):
        sub = df[df.dataset == dataset]
        ax.errorbar(sub.n_hidden, 100 * sub.test_acc, 100 * sub.test_acc_std, marker="o", capsize=3,
                    color=method_colour("pepita"))
        ax.set_xticks(sorted(sub.n_hidden))
        ax.set_title(dataset)
        ax.set_xlabel("number of hidden layers")
        ax.set_ylabel("final test accuracy (%)")
    suptitle_with_note(fig, "PEPITA with activation normalisation", params)
    return fig
