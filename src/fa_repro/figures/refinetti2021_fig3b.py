"""Refinetti et al. 2021, Fig. 3b (with the insets of Fig. 3a): align, then memorise. Cosine
between the DFA student's second layer W2 and the feedback F1, and eg, against t; the 2-D vectors
W2, F1, W̃2 and the teacher's degenerate images at three times."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..plotting import EG_LABEL, subplots
from ._teacher_student import cosine, degenerate_images, nearest_time_rows, vectors


def table(inputs: dict[str, pd.DataFrame], params: dict) -> pd.DataFrame:
    sim = inputs["sim"]
    dfa = sim[sim.rule == "dfa"].sort_values("t")
    K = int(dfa.K.iloc[0])
    M = int(dfa.M.iloc[0])
    W2 = vectors(dfa, "W2", K)
    F1 = vectors(dfa, "F1", K)
    curve = pd.DataFrame({"kind": "curve", "t": dfa.t.to_numpy(), "eg": dfa.eg.to_numpy(),
                          "alignment": cosine(W2, F1)})
    rows = []
    teacher = vectors(dfa.iloc[:1], "teacher_W2", M)[0]
    for _, row in nearest_time_rows(dfa, params["inset_times"]).iterrows():
        one = row.to_frame().T
        named = {"W2 (student)": vectors(one, "W2", K)[0], "F1 (feedback)": vectors(one, "F1", K)[0],
                 "W~2 (teacher)": teacher}
        for i, img in enumerate(degenerate_images(teacher)):
            if not np.allclose(img, teacher):
                named[f"degenerate {i}"] = img
        for name, vec in named.items():
            unit = vec / max(np.linalg.norm(vec), 1e-300)
            rows.append({"kind": "inset", "t": float(row.t), "vector": name, "x": unit[0], "y": unit[1]})
    return pd.concat([curve, pd.DataFrame(rows)], ignore_index=True)


def draw(df: pd.DataFrame, params: dict):
    fig = subplots(figsize=(6.4, 4.6))[0]
    fig.clf()
    grid = fig.add_gridspec(2, 3, height_ratios=[2.2, 1])
    ax = fig.add_subplot(grid[0, :])
    curve = df[(df.kind == "curve") & (df.t > 0)]
    ax.plot(curve.t, curve.alignment, color="tab:green", lw=1.6, label="cos(W2, F1)")
    ax.set_xscale("log")
    ax.set_xlabel("training time t (samples / N)")
    ax.set_ylabel("alignment cos(W2, F1)")
    ax.set_ylim(-1.05, 1.05)
    ax2 = ax.twinx()
    ax2.plot(curve.t, curve.eg, color="tab:blue", lw=1.2, ls="--", label="eg")
    ax2.set_yscale("log")
    ax2.set_ylabel(EG_LABEL)
    lines = ax.get_legend_handles_labels()[0] + ax2.get_legend_handles_labels()[0]
    ax.legend(lines, [ln.get_label() for ln in lines], loc="center left")
    ax.set_title("Align, then memorise (DFA, erf, K = M = 2)")
    insets = df[df.kind == "inset"]
    colours = {"W2 (student)": "tab:blue", "F1 (feedback)": "tab:green", "W~2 (teacher)": "tab:red"}
    for i, (t, snap) in enumerate(insets.groupby("t")):
        ax.axvline(t, color="grey", ls=":", lw=0.8)
        sub = fig.add_subplot(grid[1, i], aspect="equal")
        for _, v in snap.iterrows():
            colour = colours.get(v.vector, "mistyrose")
            sub.annotate("", xy=(v.x, v.y), xytext=(0, 0),
                         arrowprops=dict(arrowstyle="->", color=colour, lw=1.4 if v.vector in colours else 1.0))
        sub.set_xlim(-1.1, 1.1), sub.set_ylim(-1.1, 1.1)
        sub.set_xticks([]), sub.set_yticks([])
        sub.set_title(f"t = {t:.3g}", fontsize=8)
        sub.set_xlabel("node 1"), sub.set_ylabel("node 2")
    handles = [matplotlib_line(c, n) for n, c in colours.items()] + [matplotlib_line("mistyrose", "degenerate images")]
    fig.legend(handles=handles, loc="lower center", ncol=4, fontsize=7, bbox_to_anchor=(0.5, -0.04))
    fig.tight_layout()
    return fig


def matplotlib_line(colour, label):
    from matplotlib.lines import Line2D

    return Line2D([0], [0], color=colour, lw=1.5, label=label)
