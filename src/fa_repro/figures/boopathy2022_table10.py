"""Boopathy & Fiete 2022, App. Table 10: standard parameterisation trained with Adam (150 epochs, 1 epoch, 1 epoch
at a small learning rate), best test accuracy over epochs and the lr grid; ours beside the paper's."""
from __future__ import annotations

import pandas as pd

from ..paper_numbers import load as paper_numbers
from ._boopathy import best_beside_paper, label
from ._markdown import markdown_table, percent

BOOPATHY2022_STANDARD = paper_numbers("boopathy2022_standard")  # printed in the paper (src/fa_repro/paper_numbers/)


def table(inputs: dict[str, pd.DataFrame], params: dict) -> pd.DataFrame:
    return best_beside_paper(inputs, ["setting", "method", "width"], BOOPATHY2022_STANDARD)


def render(df: pd.DataFrame, params: dict):
    rows = []
    for (setting, method), g in df.groupby(["setting", "method"], sort=False):
        row = {"setting": setting, "rule": label(method)}
        for r in g.sort_values("width").itertuples():
            row[f"×{r.width} ours"] = percent(r.test_acc)
            row[f"×{r.width} paper"] = percent(r.paper_test_acc)
        rows.append(row)
    shown = pd.DataFrame(rows)
    md = (f"# Boopathy & Fiete 2022 — App. Table 10: standard parameterisation with Adam (CIFAR-10, %)\n\nScale "
          f"`{params.get('scale', '')}` (epochs of each setting as configured).\n\n{markdown_table(shown)}\n")
    return md, shown
