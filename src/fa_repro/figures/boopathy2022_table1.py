"""Boopathy & Fiete 2022, App. Table 1: Align-prop against the other rules at the widest scales (CIFAR-10), best
test accuracy over epochs and learning rates, ours beside the paper's."""
from __future__ import annotations

import pandas as pd

from ..paper_values import BOOPATHY2022_PROP
from ._boopathy import best_over_lr, best_per_run, label
from ._markdown import markdown_table, percent

INPUTS = ()


def table(inputs: dict[str, pd.DataFrame], params: dict) -> pd.DataFrame:
    runs = best_per_run(pd.concat(inputs.values(), ignore_index=True), ["method", "width", "lr"])
    out = best_over_lr(runs, ["method", "width"])
    out["paper_test_acc"] = [BOOPATHY2022_PROP.get((m, int(w)), float("nan")) / 100 for m, w in zip(out.method, out.width)]
    return out


def render(df: pd.DataFrame, params: dict):
    widths = sorted(df.width.unique())
    rows = []
    for method in df.sort_values("test_acc", ascending=False).method.unique():
        row = {"rule": label(method)}
        for w in widths:
            hit = df[(df.method == method) & (df.width == w)]
            row[f"×{w} ours"] = percent(hit.test_acc.iloc[0]) if len(hit) else "—"
            row[f"×{w} paper"] = percent(BOOPATHY2022_PROP.get((method, int(w)), float("nan")) / 100)
        rows.append(row)
    shown = pd.DataFrame(rows)
    md = (f"# Boopathy & Fiete 2022 — App. Table 1: Align-prop (CIFAR-10, best test accuracy %)\n\nScale "
          f"`{params.get('scale', '')}` (ours: best epoch and best lr of this scale's grid).\n\n{markdown_table(shown)}\n")
    return md, shown
