"""Boopathy & Fiete 2022, App. Fig. 8: alignment score of every hidden layer over training, with the baseline of
randomly permuted weight changes."""
from __future__ import annotations

import pandas as pd

from ._training import stacked, suptitle_with_note


def table(inputs: dict[str, pd.DataFrame], params: dict) -> pd.DataFrame:
    df = stacked(inputs)
    df = df[df.epoch >= 1]
    layers = sorted(int(c.removeprefix("alignment_layer")) for c in df.columns if c.startswith("alignment_layer"))
    rows = []
    for (dataset, width, epoch), g in df.groupby(["dataset", "width", "epoch"]):
        n_diverged = int(g.diverged.sum())
        for layer in layers:
            if g[f"alignment_layer{layer}"].isna().all() and not n_diverged:
                continue  # not a recorded epoch
            rows.append({"dataset": dataset, "width": int(width), "layer": layer, "epoch": int(epoch),
                         "alignment": g[f"alignment_layer{layer}"].mean(),
                         "baseline": g[f"alignment_baseline_layer{layer}"].mean(), "test_acc": g.test_acc.mean(),
                         "n_runs": int(g.seed.nunique()), "n_diverged": n_diverged})
    return pd.DataFrame(rows)


def draw(df: pd.DataFrame, params: dict):
    from ..plotting import subplots

    datasets = list(df.dataset.unique())
    fig, axes = subplots(1, len(datasets), figsize=(4.4 * len(datasets), 3.5), layout="constrained", squeeze=False)
    for ax, dataset in zip(axes[0], datasets):
        sub = df[df.dataset == dataset]
        n_layers = sub.layer.max()
        for layer, g in sub.groupby("layer"):
            colour = (0.15 + 0.7 * (layer - 1) / max(n_layers - 1, 1),) * 2 + (0.9,)
            ax.plot(g.epoch, g.alignment, color=colour, label=f"layer {layer}")
            ax.plot(g.epoch, g.baseline, color=colour, ls=":", lw=0.8)
        diverged = sub[sub.n_diverged > 0]
        title = f"{dataset}, ×{int(sub.width.iloc[0])} (dotted: permuted weights)"
        if len(diverged):  # a run that diverged stops here: said in the panel, not left as an empty space
            first = int(diverged.epoch.min())
            ax.axvline(first, color="tab:red", ls="--", lw=1, label=f"diverged at epoch {first}")
            title += f"\n{int(diverged.n_diverged.max())} of {int(sub.n_runs.max())} runs diverged at epoch {first}"
        ax.set_xlabel("epoch")
        ax.set_ylabel("alignment score S")
        ax.set_title(title)
        ax.legend(fontsize=6)
    suptitle_with_note(fig, "Alignment over training (App. Fig. 8)", params)
    return fig
