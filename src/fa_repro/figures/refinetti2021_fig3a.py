"""Refinetti et al. 2021, Fig. 3a: the plateau; one simulation of BP and of DFA (erf, K = M = 2,
W̃2 = 1) against the integrated ODEs (App. A, Eq. 27) started from the same initial overlaps."""
from __future__ import annotations

import pandas as pd

from ..plotting import log_time_axis, method_colour, method_label, subplots
from ._teacher_student import simulation_against_ode


def table(inputs: dict[str, pd.DataFrame], params: dict) -> pd.DataFrame:
    frames = []
    for source in ("sim", "ode"):
        df = inputs[source].dropna(axis=1, how="all")
        op_cols = [c for c in df.columns if c.split("_")[0] in ("Q", "R", "W2") and c[-1].isdigit()]
        keep = ["rule", "source", "t", "eg", "N", "eta", "seed"] + (op_cols if source == "ode" else [])
        frames.append(df[keep])
    out = pd.concat(frames, ignore_index=True).rename(columns={"rule": "algorithm"})
    return out.sort_values(["algorithm", "source", "t"])


def draw(df: pd.DataFrame, params: dict):
    fig, ax = subplots(figsize=(5, 3.6))
    for rule, sub in df.groupby("algorithm"):
        simulation_against_ode(ax, sub, method_colour(rule), f"{method_label(rule)} simulation",
                               f"{method_label(rule)} ODE (Eq. 27)", ms=3.5)
    log_time_axis(ax)
    ax.legend(loc="lower left")
    ax.set_title(f"Plateaus: simulation vs theory (erf, K = M = 2, N = {int(df.N.iloc[0])}, η = {df.eta.iloc[0]})")
    return fig
