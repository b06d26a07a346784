"""Refinetti et al. 2021, Fig. 6: global weight alignment and gradient alignment (Eq. 18) of DFA-trained
4-layer MLPs against epoch, for MNIST and CIFAR-10, tanh and ReLU (the DFA runs of Fig. 5)."""
from __future__ import annotations

import pandas as pd

from ..plotting import subplots
from ._training import ACTIVATION_STYLES, band, run_average, stacked

INPUTS = ()  # the refinetti2021_degeneracy_*_dfa experiments
DATASET_COLOURS = {"mnist": "tab:green", "cifar10": "tab:red"}


def table(inputs: dict[str, pd.DataFrame], params: dict) -> pd.DataFrame:
    df = stacked(inputs)
    df = df[df.algorithm == "dfa"]
    return run_average(df, ["dataset", "activation", "epoch"], {"wa": "wa_global", "ga": "ga_global"})


def draw(df: pd.DataFrame, params: dict):
    fig, axes = subplots(1, 2, figsize=(9, 3.6), layout="constrained")
    for (dataset, activation), sub in df.groupby(["dataset", "activation"]):
        style = dict(color=DATASET_COLOURS.get(dataset), ls=ACTIVATION_STYLES.get(activation, "-"),
                     label=f"{dataset.upper()}, {activation}")
        band(axes[0], sub.epoch, sub.wa, sub.wa_std, **style)
        band(axes[1], sub.epoch, sub.ga, sub.ga_std, **style)
    axes[0].set_ylabel("weight alignment WA (Eq. 18)")
    axes[1].set_ylabel("gradient alignment GA (Eq. 18)")
    for ax in axes:
        ax.set_xlabel("epoch")
    axes[0].legend(loc="lower right")
    fig.suptitle("Global alignment of DFA-trained networks")
    return fig
