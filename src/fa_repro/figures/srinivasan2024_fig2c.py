"""Srinivasan et al. 2024, Fig. 2c: alignment (cosine) of the student's second layer W2 with the
teacher's W̃2, with the degenerate solution it converges to (the image of W̃2 under node sign
flips and permutations closest to the final W2), and with the adaptive feedback f = W1F/D, vs t."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..plotting import subplots
from ._teacher_student import cosine, degenerate_images, vectors

QUANTITIES = {"teacher": "cos(W2, W̃2)", "degenerate": "cos(W2, closest degenerate solution)",
              "adaptive_feedback": "cos(W2, f = W1F/D)"}
COLOURS = {"teacher": "darkgreen", "degenerate": "yellowgreen", "adaptive_feedback": "tab:orange"}


def _alignments(df: pd.DataFrame) -> pd.DataFrame:
    df = df.sort_values("t")
    K, M = int(df.K.iloc[0]), int(df.M.iloc[0])
    W2, f = vectors(df, "W2", K), vectors(df, "f", K)
    teacher = vectors(df.iloc[:1], "teacher_W2", M)[0]
    images = degenerate_images(teacher)
    closest = images[np.argmax(cosine(np.repeat(W2[-1:], len(images), 0), images))]
    values = {"teacher": cosine(W2, np.broadcast_to(teacher, W2.shape)),
              "degenerate": cosine(W2, np.broadcast_to(closest, W2.shape)),
              "adaptive_feedback": cosine(W2, f)}
    return pd.concat([pd.DataFrame({"t": df.t.to_numpy(), "quantity": q, "value": v}) for q, v in values.items()])


def table(inputs: dict[str, pd.DataFrame], params: dict) -> pd.DataFrame:
    frames = []
    for source in ("sim", "ode"):
        df = inputs[source]
        for method, sub in df.groupby("rule"):
            out = _alignments(sub)
            out["method"], out["source"] = method, source
            frames.append(out)
    return pd.concat(frames, ignore_index=True)


def draw(df: pd.DataFrame, params: dict):
    fig, ax = subplots(figsize=(5.2, 4.6))
    sim = df[(df.source == "sim") & (df.method == "afa") & (df.t > 0)]
    ode = df[(df.source == "ode") & (df.method == "afa") & (df.t > 0)]
    for q, label in QUANTITIES.items():
        s = sim[sim.quantity == q]
        o = ode[ode.quantity == q]
        ax.plot(s.t, s.value, "o", ms=3, mfc="none", color=COLOURS[q], label=f"{label} (AFA sim.)")
        ax.plot(o.t, o.value, "-", color=COLOURS[q], lw=1.2)
    ax.set_xscale("log")
    ax.set_xlabel("training time t (samples / D)")
    ax.set_ylabel("cosine similarity")
    ax.set_ylim(-1.05, 1.05)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=1, title="symbols: simulation, lines: AFA ODE")
    ax.set_title("Adaptive-feedback alignment precedes learning")
    return fig
