"""Chu & Bacho 2024, Fig. 3: (a) BP whose hidden-layer updates are rotated to a prescribed cosine with the true
gradient, test accuracy after one epoch relative to BP, against that cosine, with last-layer-only training;
(b, c) the same after 5 updates, with FA placed at its measured gradient alignment of hidden layer 1 (b) and 2 (c)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..plotting import method_colour, method_label, subplots
from ._training import stacked

LABELS = {"last_layer": "last layer only"}  # else the method's label of fa_repro.plotting


def table(inputs: dict[str, pd.DataFrame], params: dict) -> pd.DataFrame:
    df = stacked(inputs)
    df = df[df.step == df.groupby("experiment").step.transform("max")]  # the end of each run
    rows = []
    for phase, panels in (("epoch", {"a": None}), ("early", {"b": "update_alignment_layer1", "c": "update_alignment_layer2"})):
        sub = df[df.phase == phase]
        reference = sub[sub.method == "bp"].test_acc.mean()
        for panel, ga in panels.items():
            for (method, exp), group in sub[sub.method != "bp"].groupby(["method", "experiment"]):
                rel = group.test_acc / reference
                if method == "fa":
                    alignment, alignment_std = group[ga].mean(), group[ga].std(ddof=0)
                elif method == "perturbed_bp":
                    alignment, alignment_std = group.alignment.iloc[0], 0.0
                else:
                    alignment, alignment_std = np.nan, np.nan
                rows.append({"panel": panel, "method": method, "alignment": alignment, "alignment_std": alignment_std,
                             "rel_accuracy": rel.mean(), "rel_accuracy_std": rel.std(ddof=0), "n_runs": len(group),
                             "updates": int(group.step.iloc[0]), "bp_accuracy": reference})
    return pd.DataFrame(rows).sort_values(["panel", "method", "alignment"])


def draw(df: pd.DataFrame, params: dict):
    fig, axes = subplots(1, 3, figsize=(12, 3.6), layout="constrained")
    titles = {"a": "(a) after one epoch", "b": "(b) after {n} updates, hidden layer 1",
              "c": "(c) after {n} updates, hidden layer 2"}
    for ax, panel in zip(axes, ("a", "b", "c")):
        sub = df[df.panel == panel]
        for method, group in sub.groupby("method"):
            colour, label = method_colour(method), LABELS.get(method) or method_label(method)
            if method == "last_layer":
                mean, std = group.rel_accuracy.mean(), group.rel_accuracy_std.mean()
                ax.axhline(mean, color=colour, ls=":", label=label)
                ax.axhspan(mean - std, mean + std, color=colour, alpha=0.15, lw=0)  # ± std over runs
            elif method == "fa":
                ax.errorbar(group.alignment, group.rel_accuracy, xerr=group.alignment_std, yerr=group.rel_accuracy_std,
                            fmt="s", color=colour, label=label)
            else:
                ax.errorbar(group.alignment, group.rel_accuracy, yerr=group.rel_accuracy_std, fmt="o-", ms=4,
                            color=colour, label=label)
        ax.set_xlabel("alignment of the hidden-layer update with the BP gradient")
        ax.set_ylabel("test accuracy relative to BP")
        ax.set_title(titles[panel].format(n=int(sub.updates.iloc[0]) if len(sub) else "?"))
        ax.legend(loc="upper left")
    fig.suptitle("FA does better than BP perturbed to the same alignment")
    return fig
