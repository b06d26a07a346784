"""Refinetti et al. 2021, Fig. 4: ReLU students (K = 3, M = 2, W̃2 = 1) trained with DFA; learning
curves grouped by the number of positive entries of the feedback vector F1."""
from __future__ import annotations

import pandas as pd

from ..plotting import log_time_axis, runs_band, subplots

COLOURS = ["tab:blue", "tab:orange", "tab:green", "tab:red", "tab:purple", "tab:brown", "tab:pink", "tab:grey", "tab:olive"]


def table(inputs: dict[str, pd.DataFrame], params: dict) -> pd.DataFrame:
    sim = inputs["sim"]
    sub = sim[sim.K == params["K"]]
    if sub.empty:
        raise ValueError(f"no runs with K = {params['K']}: add it to teacher_student.refinetti2021_fig4.K_values")
    return sub[["n_positive", "run", "K", "M", "N", "eta", "seed", "t", "eg"]].sort_values(["n_positive", "run", "t"])


def draw(df: pd.DataFrame, params: dict):
    fig, ax = subplots(figsize=(5, 3.6))
    for n_pos, sub in df.groupby("n_positive"):
        sub = sub[sub.t > 0]
        # every run thin; the mean ± std of log eg over the runs of a group as a line and band
        runs_band(ax, sub, "t", "eg", color=COLOURS[int(n_pos)], lw=1.8)
        for i, (_, run) in enumerate(sub.groupby("run")):
            ax.plot(run.t, run.eg, color=COLOURS[int(n_pos)], lw=0.6, alpha=0.45,
                    label=f"{n_pos} positive entries of F1 ({sub.run.nunique()} runs)" if i == 0 else None)
    log_time_axis(ax)
    ax.legend(loc="lower left", title="thin: each run; thick: mean ± std of log εg")
    ax.set_title(f"ReLU, K = {int(df.K.iloc[0])}, M = {int(df.M.iloc[0])}, W̃2 = 1, N = {int(df.N.iloc[0])}")
    return fig
