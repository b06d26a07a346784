"""Chu & Bacho 2024, Fig. 5: FA and BP trained in lock step from the same weights on the same examples; at the
swap (a) BP takes FA's weights, (b) FA takes BP's. Alignment (cosine) between the two networks' weights for the
second hidden and the output layer, and both test accuracies."""
from __future__ import annotations

import json

import pandas as pd

from ..plotting import method_colour, method_label, subplots
from ._training import stacked

LAYERS = {2: "hidden layer 2", 3: "output layer"}


def table(inputs: dict[str, pd.DataFrame], params: dict) -> pd.DataFrame:
    df = stacked(inputs)
    rows = []
    for (panel, step), group in df.groupby(["panel", "step"]):
        for layer in LAYERS:
            rows.append({"panel": panel, "step": step, "layer": layer,
                         "alignment": group[f"alignment_layer{layer}"].mean(),
                         "accuracy_fa": group.accuracy_self.mean(), "accuracy_bp": group.accuracy_partner.mean(),
                         "swap_at": int(json.loads(group.config.iloc[0])["lockstep"]["swap_at"]),
                         "n_runs": group.seed.nunique()})
    return pd.DataFrame(rows)


def draw(df: pd.DataFrame, params: dict):
    fig, axes = subplots(2, 2, figsize=(9, 6), layout="constrained", sharex=True)
    titles = {"a": "(a) BP takes FA's weights", "b": "(b) FA takes BP's weights"}
    for j, panel in enumerate(("a", "b")):
        sub = df[df.panel == panel]
        for layer, label in LAYERS.items():
            s = sub[sub.layer == layer]
            axes[0, j].plot(s.step, s.alignment, label=label)
        s = sub[sub.layer == 2]
        for method in ("fa", "bp"):
            axes[1, j].plot(s.step, s[f"accuracy_{method}"], color=method_colour(method), label=method_label(method))
        for ax in axes[:, j]:
            ax.axvline(sub.swap_at.iloc[0], color="k", ls=":", lw=1)
        axes[0, j].set_title(titles[panel])
        axes[0, j].set_ylabel("cosine between the FA and BP weights")
        axes[1, j].set_ylabel("test accuracy")
        axes[1, j].set_xlabel("update step")
        axes[0, j].legend(loc="lower left")
        axes[1, j].legend(loc="lower right")
    fig.suptitle("FA's solution is stable under BP; BP's is not under FA")
    return fig
