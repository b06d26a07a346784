"""Boopathy & Fiete 2022, App. Table 1: Align-prop against the other rules at the widest scales (CIFAR-10), best
test accuracy over epochs and learning rates, ours beside the paper's."""
from __future__ import annotations

import pandas as pd

from ..paper_numbers import load as paper_numbers
from ._boopathy import best_beside_paper, label
from ._markdown import markdown_table, percent

BOOPATHY2022_PROP = paper_numbers("boopathy2022_prop")  # printed in the paper (src/fa_repro/paper_numbers/)


def table(inputs: dict[str, pd.DataFrame], params: dict) -> pd.DataFrame:
    return best_beside_paper(inputs, ["method", "width"], BOOPATHY2022_PROP)


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
