"""Refinetti et al. 2021, Fig. 6: global weight alignment and gradient alignment (Eq. 18) of DFA-trained
4-layer MLPs against epoch, for MNIST and CIFAR-10, tanh and ReLU (the DFA runs of Fig. 5)."""
from __future__ import annotations

import pandas as pd

from ._training import ACTIVATION_STYLES, epoch_panels, run_average, stacked

DATASET_COLOURS = {"mnist": "tab:green", "cifar10": "tab:red"}


def table(inputs: dict[str, pd.DataFrame], params: dict) -> pd.DataFrame:
    df = stacked(inputs)
    df = df[df.algorithm == "dfa"]
    return run_average(df, ["dataset", "activation", "epoch"], {"wa": "wa_global", "ga": "ga_global"})


def draw(df: pd.DataFrame, params: dict):
    return epoch_panels(
        df, ["dataset", "activation"], {"wa": "weight alignment WA (Eq. 18)", "ga": "gradient alignment GA (Eq. 18)"},
        lambda key: dict(color=DATASET_COLOURS.get(key[0]), ls=ACTIVATION_STYLES.get(key[1], "-"),
                         label=f"{key[0].upper()}, {key[1]}"),
        "Global alignment of DFA-trained networks")
