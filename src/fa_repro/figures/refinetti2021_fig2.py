"""Refinetti et al. 2021, Fig. 2: learning curves of BP and DFA for sigmoidal and ReLU students,
(a) BP with K = M, (b) DFA with K = M, (c) DFA with K = 4M; three runs each."""
from __future__ import annotations

import pandas as pd

from ..plotting import log_time_axis, subplots

COLOURS = {"erf": "tab:blue", "relu": "tab:orange", "linear": "tab:green"}
TITLES = {"a": "(a) BP, K = M", "b": "(b) DFA, K = M", "c": "(c) DFA, K = {factor}M"}


def table(inputs: dict[str, pd.DataFrame], params: dict) -> pd.DataFrame:
    sim = inputs["sim"]
    out = sim[["panel", "rule", "activation", "K", "M", "run", "seed", "N", "eta", "sigma0", "t", "eg"]]
    return out.rename(columns={"rule": "algorithm"}).sort_values(["panel", "activation", "run", "t"])


def draw(df: pd.DataFrame, params: dict):
    fig, axes = subplots(1, 3, figsize=(10, 3.4), sharey=True, layout="constrained")  # the suptitle clears the titles
    for ax, (panel, sub) in zip(axes, df.groupby("panel")):
        for (act, run), curve in sub.groupby(["activation", "run"]):
            curve = curve[curve.t > 0]
            ax.plot(curve.t, curve.eg, color=COLOURS.get(act), lw=1.2, alpha=0.85,
                    label=("sigmoidal (erf)" if act == "erf" else act) if run == 0 else None)
        factor = int(sub.K.iloc[0] // sub.M.iloc[0])
        ax.set_title(TITLES[panel].format(factor=factor))
        log_time_axis(ax)
        if ax is not axes[0]:
            ax.set_ylabel("")
    axes[0].legend(loc="lower left")
    runs = df.run.nunique()
    fig.suptitle(f"BP vs DFA, M = {int(df.M.iloc[0])}, N = {int(df.N.iloc[0])}, η = {df.eta.iloc[0]}, "
                 f"σ0 = {df.sigma0.iloc[0]} ({runs} run{'s' if runs > 1 else ''} each)")
    return fig
