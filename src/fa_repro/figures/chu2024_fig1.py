"""Chu & Bacho 2024, Fig. 1: FA from different initial weight scales — test accuracy over the epochs, final
accuracy, weight alignment (W_l vs B_l) and gradient alignment (FA pseudo-gradient vs BP gradient) of the hidden
layers, averaged over them: the output layer's FA update is BP's, so its cosine is 1 and would only weigh in the
output layer's share of the gradient norm (docs/deviations.md #80)."""
from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd

from ..plotting import band, subplots
from ._training import run_average, stacked


def table(inputs: dict[str, pd.DataFrame], params: dict) -> pd.DataFrame:
    runs = stacked(inputs).rename(columns={"init_scale": "scale"})  # the catalogue's scale: initial weight scale
    runs["update_alignment_hidden"] = runs[hidden_update_alignments(runs)].mean(axis=1)
    return run_average(runs, ["scale", "epoch"],
                       {"accuracy": "test_acc", "wa": "wa_global", "ga": "update_alignment_hidden"})


def hidden_update_alignments(runs: pd.DataFrame) -> list[str]:
    """The update-alignment columns of the hidden layers (every weight layer but the last, the output layer)."""
    layers = sorted((c for c in runs if c.startswith("update_alignment_layer")),
                    key=lambda c: int(c.removeprefix("update_alignment_layer")))
    return layers[:-1]


def draw(df: pd.DataFrame, params: dict):
    fig, axes = subplots(2, 2, figsize=(9, 6.4), layout="constrained")
    scales = sorted(df.scale.unique())
    colours = plt.cm.viridis([i / max(1, len(scales) - 1) * 0.9 for i in range(len(scales))])
    for colour, scale in zip(colours, scales):
        sub = df[df.scale == scale]
        band(axes[0, 0], sub.epoch, sub.accuracy, sub.accuracy_std, color=colour, label=f"scale {scale:g}")
        band(axes[1, 0], sub.epoch, sub.wa, sub.wa_std, color=colour)
        band(axes[1, 1], sub.epoch, sub.ga, sub.ga_std, color=colour)
    final = df[df.epoch == df.epoch.max()]
    axes[0, 1].errorbar(final.scale, final.accuracy, yerr=final.accuracy_std, fmt="o-", color="k", ms=4)
    axes[0, 1].set_xscale("symlog", linthresh=0.01)
    axes[0, 1].set_xlabel("initial weight scale")
    axes[0, 1].set_ylabel(f"test accuracy after {int(df.epoch.max())} epochs")
    axes[0, 0].set_ylabel("test accuracy")
    axes[1, 0].set_ylabel("weight alignment cos(W_l, B_l), layers 2–3")
    axes[1, 1].set_ylabel("gradient alignment (FA vs BP), hidden layers")
    for ax in (axes[0, 0], axes[1, 0], axes[1, 1]):
        ax.set_xlabel("epoch")
    axes[0, 0].legend(loc="lower right", ncol=2)
    fig.suptitle("FA from small initial weights aligns more and learns faster (MNIST, 784–700–1000–10, tanh)")
    return fig
