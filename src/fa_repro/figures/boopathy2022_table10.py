"""Boopathy & Fiete 2022, App. Table 10: standard parameterisation trained with Adam (150 epochs, 1 epoch, 1 epoch
at a small learning rate), best test accuracy over epochs and the lr grid; ours beside the paper's."""
from __future__ import annotations

import pandas as pd

from ..paper_values import BOOPATHY2022_STANDARD
from ._boopathy import best_over_lr, best_per_run, label
from ._markdown import markdown_table, percent

INPUTS = ()


def table(inputs: dict[str, pd.DataFrame], params: dict) -> pd.DataFrame:
    runs = best_per_run(pd.concat(inputs.values(), ignore_index=True), ["setting", "method", "width", "lr"])
    out = best_over_lr(runs, ["setting", "method", "width"])
    out["paper_test_acc"] = [BOOPATHY2022_STANDARD.get((s, m, int(w)), float("nan")) / 100
                             for s, m, w in zip(out.setting, out.method, out.width)]
    return out


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
