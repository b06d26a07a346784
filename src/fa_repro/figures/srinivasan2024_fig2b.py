"""Srinivasan et al. 2024, Fig. 2b: eg(t) of PEPITA and of its AFA approximation (Eq. 11) in the
teacher–student setup, against the AFA ODEs (App. E, Eqs. 22–23) from the same initial overlaps — and, beyond the
paper, against the large-D ODE of PEPITA itself (:mod:`fa_repro.teacher_student.pepita_ode`)."""
from __future__ import annotations

import pandas as pd

from ..plotting import RULE_COLOURS, RULE_LABELS, log_time_axis, subplots
from ._teacher_student import THEORY_LABELS


def table(inputs: dict[str, pd.DataFrame], params: dict) -> pd.DataFrame:
    df = pd.concat([inputs["sim"], inputs["ode"]], ignore_index=True)
    out = df[["rule", "source", "t", "eg", "N", "eta", "seed"]].rename(columns={"rule": "method"})
    return out.sort_values(["method", "source", "t"])


def draw(df: pd.DataFrame, params: dict):
    fig, ax = subplots(figsize=(5, 3.6))
    markers = {"pepita": "o", "afa": "x"}
    for method, sub in df[df.source == "sim"].groupby("method"):
        sub = sub[sub.t > 0]
        ax.plot(sub.t, sub.eg, markers[method], ms=3.5, mfc="none", color=RULE_COLOURS[method],
                label=f"{RULE_LABELS[method]} simulation")
    for method, sub in df[(df.source == "ode") & (df.t > 0)].groupby("method"):
        ax.plot(sub.t, sub.eg, "-", color="k" if method == "afa" else RULE_COLOURS[method], lw=1.3,
                label=THEORY_LABELS[method])
    log_time_axis(ax)
    ax.legend(loc="center left")
    ax.set_title(f"PEPITA ≈ AFA (erf, K = M = 2, D = {int(df.N.iloc[0])}, lr = {df.eta.iloc[0]})")
    return fig
