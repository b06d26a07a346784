"""Refinetti et al. 2021, Fig. 7: layerwise weight alignment (layers 2…L) and gradient alignment (layers
1…L−1) of Eq. 19 for a ReLU network trained with DFA on CIFAR-10 with 10 % label corruption."""
from __future__ import annotations

import re

import pandas as pd

from ..plotting import band, subplots
from ._training import stacked


def table(inputs: dict[str, pd.DataFrame], params: dict) -> pd.DataFrame:
    df = stacked(inputs)
    df = df[(df.corruption - params["corruption"]).abs() < 1e-12]
    if df.empty:
        raise ValueError(f"no label-corruption run at p = {params['corruption']}")
    wa = {int(re.fullmatch(r"wa_layer(\d+)", c).group(1)): c for c in df.columns if re.fullmatch(r"wa_layer\d+", c)}
    ga = {int(re.fullmatch(r"ga_layer(\d+)", c).group(1)): c for c in df.columns if re.fullmatch(r"ga_layer\d+", c)}
    rows = []  # GA is defined for the hidden layers (G = δa_1 … δa_{L−1}); WA for layers 2 … L (Eq. 19)
    for layer in sorted(set(wa) | set(ga)):
        for epoch, group in df.groupby("epoch"):
            rows.append({"layer": layer, "epoch": epoch, "corruption": params["corruption"],
                         "wa": group[wa[layer]].mean() if layer in wa else float("nan"),
                         "wa_std": group[wa[layer]].std(ddof=0) if layer in wa else float("nan"),
                         "ga": group[ga[layer]].mean() if layer in ga else float("nan"),
                         "ga_std": group[ga[layer]].std(ddof=0) if layer in ga else float("nan"),
                         "n_runs": group.seed.nunique()})
    return pd.DataFrame(rows)


def draw(df: pd.DataFrame, params: dict):
    fig, axes = subplots(1, 2, figsize=(9, 3.6), layout="constrained")
    for layer, sub in df.groupby("layer"):
        colour = f"C{layer - 1}"  # one colour per layer in both panels
        if sub.wa.notna().any():
            band(axes[0], sub.epoch, sub.wa, sub.wa_std, label=f"layer {layer}", color=colour)
        if sub.ga.notna().any():
            band(axes[1], sub.epoch, sub.ga, sub.ga_std, label=f"layer {layer}", color=colour)
    axes[0].set_ylabel("layerwise weight alignment WA_l (Eq. 19)")
    axes[1].set_ylabel("layerwise gradient alignment GA_l (Eq. 19)")
    for ax in axes:
        ax.set_xlabel("epoch")
        ax.legend(loc="lower right")
    fig.suptitle(f"Layerwise alignment, ReLU MLP, CIFAR-10, {params['corruption']:.0%} label corruption (DFA)")
    return fig
