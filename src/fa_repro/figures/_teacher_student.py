"""Helpers shared by the teacher–student figure modules: reading order parameters back from the
wide simulation/ODE tables and the geometry of the second-layer weights."""
from __future__ import annotations

from itertools import permutations, product

import numpy as np
import pandas as pd

# Srinivasan et al. 2024: the theory curves beside the PEPITA and AFA simulations
THEORY_LABELS = {"afa": "AFA theory (ODE, Eqs. 22–23)", "pepita": "PEPITA theory (large-D ODE, beyond the paper)"}


def vectors(df: pd.DataFrame, prefix: str, n: int) -> np.ndarray:
    """Stack columns ``prefix_1 … prefix_n`` into an (rows, n) array."""
    return df[[f"{prefix}_{k + 1}" for k in range(n)]].to_numpy(float)


def cosine(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row-wise cosine similarity of two (rows, n) arrays."""
    num = np.sum(a * b, -1)
    den = np.linalg.norm(a, axis=-1) * np.linalg.norm(b, axis=-1)
    return np.divide(num, den, out=np.zeros_like(num), where=den > 0)


def degenerate_images(teacher_w2: np.ndarray) -> np.ndarray:
    """Second-layer weights of the students equivalent to the teacher for an odd activation:
    every permutation of the nodes combined with every sign flip (Refinetti Sec. 1.1, Fig. 3c)."""
    M = teacher_w2.size
    images = {tuple(np.array(signs) * teacher_w2[list(perm)])
              for perm in permutations(range(M)) for signs in product((1.0, -1.0), repeat=M)}
    return np.array(sorted(images))


def log_eg_gap(t: np.ndarray, eg: np.ndarray, t_ref: np.ndarray, eg_ref: np.ndarray) -> np.ndarray:
    """|log eg − log eg_ref| at the times t > 0 of one curve, the reference interpolated linearly in log t and log eg
    (as claims S1 and S7 measure the distance between a simulation and a theory curve)."""
    t, eg = np.asarray(t, float), np.asarray(eg, float)
    keep = t > 0
    ref_keep = np.asarray(t_ref) > 0
    log_ref = np.interp(np.log(t[keep]), np.log(np.asarray(t_ref)[ref_keep]), np.log(np.asarray(eg_ref)[ref_keep]))
    return np.abs(np.log(eg[keep]) - log_ref)


def half_error_time(t: np.ndarray, eg: np.ndarray) -> float:
    """The first time eg falls below half its first recorded value (the end of the plateau), interpolated in log t
    and log eg between the recorded times; inf when it never does."""
    t, eg = np.asarray(t, float), np.asarray(eg, float)
    order = np.argsort(t)
    t, eg = t[order], eg[order]
    below = np.flatnonzero(eg < 0.5 * eg[0])
    if not len(below):
        return np.inf
    i = below[0]
    if i == 0 or t[i - 1] <= 0:
        return float(t[i])
    x0, x1, y0, y1 = np.log(t[i - 1]), np.log(t[i]), np.log(eg[i - 1]), np.log(eg[i])
    return float(np.exp(x0 + (np.log(0.5 * eg[0]) - y0) * (x1 - x0) / (y1 - y0)))


def nearest_time_rows(df: pd.DataFrame, times) -> pd.DataFrame:
    """For each requested time, the row of ``df`` (one run) recorded closest to it on a log scale."""
    t = df["t"].to_numpy()
    positive = np.where(t > 0, t, np.nan)
    rows = [int(np.nanargmin(np.abs(np.log(positive) - np.log(tt)))) for tt in times]
    return df.iloc[rows]


def simulation_against_ode(ax, runs: pd.DataFrame, color, sim_label: str, ode_label: str, ms: float = 3.0) -> None:
    """eg(t) of one set of runs: the simulation as a line, every third ODE point as an open circle (t > 0)."""
    sim = runs[(runs.source == "sim") & (runs.t > 0)]
    ode = runs[(runs.source == "ode") & (runs.t > 0)]
    ax.plot(sim.t, sim.eg, color=color, lw=1.5, label=sim_label)
    ax.plot(ode.t[::3], ode.eg[::3], "o", ms=ms, mfc="none", color=color, label=ode_label)
