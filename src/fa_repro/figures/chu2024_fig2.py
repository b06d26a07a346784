"""Chu & Bacho 2024, Fig. 2: norm of the first FA update (as a pseudo-gradient, update / learning rate) of each
layer against the initial weight scale."""
from __future__ import annotations

import re

import pandas as pd

from ..plotting import method_colour, subplots
from ._training import stacked


def table(inputs: dict[str, pd.DataFrame], params: dict) -> pd.DataFrame:
    df = stacked(inputs)
    first = df[df.step == 1]
    rows = []
    for column in sorted(c for c in df.columns if re.fullmatch(r"update_norm_layer\d+", c)):
        layer = int(column.rsplit("layer", 1)[1])
        norms = first[column] / first["lr"]
        for scale, group in norms.groupby(first.init_scale):  # the catalogue's scale: initial weight scale
            rows.append({"scale": scale, "layer": layer, "grad_norm": group.mean(), "grad_norm_std": group.std(ddof=0),
                         "n_runs": len(group)})
    return pd.DataFrame(rows).sort_values(["layer", "scale"])


def draw(df: pd.DataFrame, params: dict):
    layers = sorted(df.layer.unique())
    fig, axes = subplots(1, len(layers), figsize=(3.3 * len(layers), 3.3), layout="constrained")
    for ax, layer in zip(axes, layers):
        sub = df[df.layer == layer]
        ax.errorbar(sub.scale, sub.grad_norm, yerr=sub.grad_norm_std, fmt="o-", ms=4, capsize=2,
                    color=method_colour("fa"))
        ax.set_xscale("symlog", linthresh=1e-3)
        ax.set_xlabel("initial weight scale")
        ax.set_ylabel("‖first update‖ / learning rate")
        ax.set_title("output layer" if layer == layers[-1] else f"hidden layer {layer}")
    fig.suptitle("The first FA step shrinks as the initial weights grow")
    return fig
