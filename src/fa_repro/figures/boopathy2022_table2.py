"""Boopathy & Fiete 2022, App. Table 2: best test accuracy over seeds at ×256 (CIFAR-10), mean ± std, the lr with
the best mean chosen per rule; ours beside the paper's."""
from __future__ import annotations

import pandas as pd

from ..paper_numbers import load as paper_numbers
from ._boopathy import best_over_lr, best_per_run, label
from ._markdown import markdown_table, percent

BOOPATHY2022_SEEDS = paper_numbers("boopathy2022_seeds")  # printed in the paper (src/fa_repro/paper_numbers/)


def table(inputs: dict[str, pd.DataFrame], params: dict) -> pd.DataFrame:
    runs = best_per_run(pd.concat(inputs.values(), ignore_index=True), ["method", "width", "lr"])
    out = best_over_lr(runs, ["method", "width"]).rename(columns={"test_acc": "mean", "test_acc_std": "std"})
    out["paper_mean"] = [BOOPATHY2022_SEEDS.get(m, (float("nan"),) * 2)[0] / 100 for m in out.method]
    out["paper_std"] = [BOOPATHY2022_SEEDS.get(m, (float("nan"),) * 2)[1] / 100 for m in out.method]
    return out


def render(df: pd.DataFrame, params: dict):
    shown = pd.DataFrame([{"rule": label(r.method), "width": f"×{r.width}", "runs": r.n_runs,
                           "ours": percent(r.mean, r.std), "paper": percent(r.paper_mean, r.paper_std)}
                          for r in df.itertuples()])
    md = (f"# Boopathy & Fiete 2022 — App. Table 2: accuracy over seeds (CIFAR-10, %)\n\nScale "
          f"`{params.get('scale', '')}`; paper: 5 seeds at ×256, 150 epochs.\n\n{markdown_table(shown)}\n")
    return md, shown
