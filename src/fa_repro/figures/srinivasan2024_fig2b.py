"""Srinivasan et al. 2024, Fig. 2b: eg(t) of PEPITA and of its AFA approximation (Eq. 11) in the
teacher–student setup, against the AFA ODEs (App. E, Eqs. 22–23) from the same initial overlaps — and, beyond the
paper, against the large-D ODE of PEPITA itself (:mod:`fa_repro.teacher_student.pepita_ode`)."""
from __future__ import annotations

import pandas as pd

from ..plotting import METHOD_MARKERS, method_colour, method_label, log_time_axis, subplots
from ._teacher_student import THEORY_LABELS


def table(inputs: dict[str, pd.DataFrame], params: dict) -> pd.DataFrame:
    df = pd.concat([inputs["sim"], inputs["ode"]], ignore_index=True)
    out = df[["rule", "source", "t", "eg", "N", "eta", "seed"]].rename(columns={"rule": "method"})
    return out.sort_values(["method", "source", "t"])


def draw(df: pd.DataFrame, params: dict):
    fig, ax = subplots(figsize=(5, 3.6))
    for method, sub in df[df.source == "sim"].groupby("method"):  # simulations: symbols; theories: lines
        sub = sub[sub.t > 0]
        ax.plot(sub.t, sub.eg, METHOD_MARKERS[method], ms=3.5, mfc="none", color=method_colour(method),
                label=f"{method_label(method)} simulation")
    for method, sub in df[(df.source == "ode") & (df.t > 0)].groupby("method"):
        ax.plot(sub.t, sub.eg, "--" if method == "afa" else "-", color=method_colour(method), lw=1.3,
                label=THEORY_LABELS[method])
    log_time_axis(ax)
    ax.legend(loc="center left")
    ax.set_title(f"PEPITA ≈ AFA (erf, K = M = 2, D = {int(df.N.iloc[0])}, lr = {df.eta.iloc[0]})")
    return fig
