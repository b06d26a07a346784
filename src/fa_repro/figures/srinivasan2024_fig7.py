"""Srinivasan et al. 2024, App. Fig. 7: norm of the adaptive feedback f = W1F/D against t,
simulations (PEPITA and AFA), the AFA ODE (App. E, Eq. 23) and the large-D ODE of PEPITA (beyond the paper)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..plotting import METHOD_MARKERS, method_colour, method_label, subplots
from ._teacher_student import THEORY_LABELS, vectors


def table(inputs: dict[str, pd.DataFrame], params: dict) -> pd.DataFrame:
    frames = []
    for source in ("sim", "ode"):
        df = inputs[source]
        K = int(df.K.iloc[0])
        frames.append(pd.DataFrame({"method": df.rule.to_numpy(), "source": source, "t": df.t.to_numpy(),
                                    "norm_f": np.linalg.norm(vectors(df, "f", K), axis=-1)}))
    return pd.concat(frames, ignore_index=True).sort_values(["method", "source", "t"])


def draw(df: pd.DataFrame, params: dict):
    fig, ax = subplots(figsize=(5, 3.4))
    for method, sub in df[(df.source == "sim") & (df.t > 0)].groupby("method"):
        ax.plot(sub.t, sub.norm_f, METHOD_MARKERS[method], ms=3, mfc="none", color=method_colour(method),
                label=f"{method_label(method)} simulation")
    for method, sub in df[(df.source == "ode") & (df.t > 0)].groupby("method"):
        ax.plot(sub.t, sub.norm_f, "--" if method == "afa" else "-", color=method_colour(method), lw=1.3,
                label=THEORY_LABELS[method])
    ax.set_xscale("log")
    ax.set_xlabel("training time t (samples / D)")
    ax.set_ylabel("‖f‖ = ‖W1F‖ / D")
    ax.legend(loc="center left")
    ax.set_title("The adaptive feedback grows during training")
    return fig
