"""Srinivasan et al. 2024, Table 1 (1 hidden layer) and App. Table 2 (2, 3 hidden layers): final test accuracy
of BP, FA, DRTP (tanh) and PEPITA with weight decay (WD), activation normalisation (Norm) and weight mirroring
(WM), mean ± std over runs, with the paper's values beside ours."""
from __future__ import annotations

import math

import pandas as pd

from ..paper_numbers import load as paper_numbers
from ._markdown import markdown_table, ours_beside_paper
from ._training import final_epoch, stacked, unavailable_note

SRINIVASAN2024_ACCURACY = paper_numbers("srinivasan2024_accuracy")  # printed in the paper (src/fa_repro/paper_numbers/)

METHOD_LABELS = {"bp": "BP", "fa": "FA", "drtp": "DRTP", "pepita": "PEPITA"}
VARIANT_LABELS = {"plain": "", "wd": " + WD", "norm": " + Norm", "wm": " + WM", "wd_wm": " + WD + WM",
                  "norm_wm": " + Norm + WM", "table2_wm": " + WM (Table 2: with WD on CIFAR-10, 3-layer CIFAR-100)"}
DATASETS = ("mnist", "cifar10", "cifar100")


def paper_value(method: str, variant: str, dataset: str, n_hidden: int):
    key = (method, variant, dataset, n_hidden)
    if key not in SRINIVASAN2024_ACCURACY and n_hidden > 1 and variant in ("wm", "wd_wm"):
        key = (method, "table2_wm", dataset, n_hidden)  # Table 2's single "PEPITA + WM" row
    return SRINIVASAN2024_ACCURACY.get(key, (math.nan, math.nan))


def table(inputs: dict[str, pd.DataFrame], params: dict) -> pd.DataFrame:
    df = final_epoch(stacked(inputs), ["experiment"])
    rows = []
    for (method, variant, dataset, n_hidden), g in df.groupby(["method", "variant", "dataset", "n_hidden"]):
        paper_mean, paper_std = paper_value(method, variant, dataset, int(n_hidden))
        rows.append({"method": method, "variant": variant, "dataset": dataset, "n_hidden": int(n_hidden),
                     "mean": g.test_acc.mean(), "std": g.test_acc.std(ddof=0), "n_runs": len(g),
                     "n_diverged": int(g.diverged.sum()), "epochs": int(g.epoch.max()),
                     "paper_mean": paper_mean / 100, "paper_std": paper_std / 100})
    return pd.DataFrame(rows)


def render(df: pd.DataFrame, params: dict) -> tuple[str, pd.DataFrame]:
    """A Markdown table per depth: rows method (+ variant), columns per dataset "ours" and "paper" (%)."""
    missing = params.get("unavailable", {})
    order = {m: i for i, m in enumerate(METHOD_LABELS)}
    vorder = {v: i for i, v in enumerate(VARIANT_LABELS)}
    display = []
    lines = ["# Srinivasan et al. 2024 — Tables 1–2: test accuracy (%)", "",
             f"Scale `{params.get('scale', '')}`: ours = mean ± std over runs at this scale's sizes; paper = "
             "100 epochs, 10 runs, full datasets."]
    note = unavailable_note(params)
    if note:
        lines += ["", f"Not built: {note}."]
    for n_hidden in sorted(df.n_hidden.unique()):
        sub = df[df.n_hidden == n_hidden].copy()
        if n_hidden > 1:  # Table 2 has one "PEPITA + WM" row: wm or wd_wm by dataset (table2_mirroring_variant)
            sub.loc[sub.variant.isin(["wm", "wd_wm"]), "variant"] = "table2_wm"
        keys = sorted({(m, v) for m, v in zip(sub.method, sub.variant)}, key=lambda k: (order[k[0]], vorder.get(k[1], 99)))
        rows = []
        for method, variant in keys:
            row = {"rule": METHOD_LABELS[method] + VARIANT_LABELS.get(variant, f" ({variant})")}
            for dataset in DATASETS:
                hit = sub[(sub.method == method) & (sub.variant == variant) & (sub.dataset == dataset)]
                ours_beside_paper(row, dataset, hit, paper_value(method, variant, dataset, int(n_hidden)), missing,
                                  digits=2, scale=100)
            rows.append(row)
        lines += ["", f"## {n_hidden} hidden layer{'s' if n_hidden > 1 else ''}", "", markdown_table(pd.DataFrame(rows))]
        display += [{"n_hidden": n_hidden, **row} for row in rows]
    return "\n".join(lines) + "\n", pd.DataFrame(display)
