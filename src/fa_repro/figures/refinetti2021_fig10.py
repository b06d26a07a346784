"""Refinetti et al. 2021, App. Fig. 10: sigmoidal student from zero initial weights trained with
DFA, with a random feedback vector and with one orthogonal to the teacher's second layer."""
from __future__ import annotations

import pandas as pd

from ..plotting import log_time_axis, subplots

INPUTS = ("sim", "ode")
COLOURS = {"normal": "tab:blue", "orthogonal": "tab:orange"}
LABELS = {"normal": "F1 random", "orthogonal": r"F1 $\perp$ W̃2"}


def table(inputs: dict[str, pd.DataFrame], params: dict) -> pd.DataFrame:
    df = pd.concat([inputs["sim"], inputs["ode"]], ignore_index=True)
    out = df[["feedback_kind", "source", "t", "eg", "N", "eta", "seed", "F1_1", "F1_2"]]
    return out.rename(columns={"feedback_kind": "feedback"}).sort_values(["feedback", "source", "t"])


def draw(df: pd.DataFrame, params: dict):
    fig, ax = subplots(figsize=(5, 3.6))
    for kind, sub in df.groupby("feedback"):
        sim = sub[(sub.source == "sim") & (sub.t > 0)]
        ode = sub[(sub.source == "ode") & (sub.t > 0)]
        ax.plot(sim.t, sim.eg, color=COLOURS[kind], lw=1.5, label=f"{LABELS[kind]}: simulation")
        ax.plot(ode.t[::3], ode.eg[::3], "o", ms=3, mfc="none", color=COLOURS[kind], label=f"{LABELS[kind]}: ODE")
    log_time_axis(ax)
    ax.legend(loc="lower left")
    ax.set_title("DFA from zero initial weights (erf, K = M = 2)")
    return fig
