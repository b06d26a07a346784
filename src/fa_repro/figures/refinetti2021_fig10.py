"""Refinetti et al. 2021, App. Fig. 10: sigmoidal student from zero initial weights trained with
DFA, with a random feedback vector and with one orthogonal to the teacher's second layer."""
from __future__ import annotations

import pandas as pd

from ..plotting import log_time_axis, subplots
from ._teacher_student import simulation_against_ode

COLOURS = {"normal": "tab:blue", "orthogonal": "tab:orange"}
LABELS = {"normal": "F1 random", "orthogonal": r"F1 $\perp$ W̃2"}


def table(inputs: dict[str, pd.DataFrame], params: dict) -> pd.DataFrame:
    df = pd.concat([inputs["sim"], inputs["ode"]], ignore_index=True)
    out = df[["feedback_kind", "source", "t", "eg", "N", "eta", "seed", "F1_1", "F1_2"]]
    return out.rename(columns={"feedback_kind": "feedback"}).sort_values(["feedback", "source", "t"])


def draw(df: pd.DataFrame, params: dict):
    fig, ax = subplots(figsize=(5, 3.6))
    for kind, sub in df.groupby("feedback"):
        simulation_against_ode(ax, sub, COLOURS[kind], f"{LABELS[kind]}: simulation", f"{LABELS[kind]}: ODE")
    log_time_axis(ax)
    ax.legend(loc="lower left")
    ax.set_title("DFA from zero initial weights (erf, K = M = 2)")
    return fig
