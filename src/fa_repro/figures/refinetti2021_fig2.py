"""Refinetti et al. 2021, Fig. 2: learning curves of BP and DFA for sigmoidal and ReLU students,
(a) BP with K = M, (b) DFA with K = M, (c) DFA with K = 4M; three runs each."""
from __future__ import annotations

import pandas as pd

from ..plotting import log_time_axis, runs_band, subplots

# activations (not methods): erf in cyan, apart from DFA's blue of fa_repro.plotting drawn in panels (b, c)
COLOURS = {"erf": "tab:cyan", "relu": "tab:orange", "linear": "tab:green"}
TITLES = {"a": "(a) BP, K = M", "b": "(b) DFA, K = M", "c": "(c) DFA, K = {factor}M"}


def table(inputs: dict[str, pd.DataFrame], params: dict) -> pd.DataFrame:
    sim = inputs["sim"]
    out = sim[["panel", "rule", "activation", "K", "M", "run", "seed", "N", "eta", "sigma0", "t", "eg"]]
    return out.rename(columns={"rule": "algorithm"}).sort_values(["panel", "activation", "run", "t"])


def draw(df: pd.DataFrame, params: dict):
    n_runs = df.run.nunique()
    fig, axes = subplots(1, 3, figsize=(10, 3.4), sharey=True, layout="constrained")  # the suptitle clears the titles
    for ax, (panel, sub) in zip(axes, df.groupby("panel")):
        for act, runs in sub.groupby("activation"):
            runs = runs[runs.t > 0]
            name = "sigmoidal (erf)" if act == "erf" else act
            mean = runs_band(ax, runs, "t", "eg", color=COLOURS.get(act), lw=1.6, label=name)
            for i, (_, curve) in enumerate(runs.groupby("run")):  # every run, thin
                ax.plot(curve.t, curve.eg, color=COLOURS.get(act), lw=0.7, alpha=0.6,
                        label=name if i == 0 and mean is None else None)
        factor = int(sub.K.iloc[0] // sub.M.iloc[0])
        ax.set_title(TITLES[panel].format(factor=factor))
        log_time_axis(ax)
        if ax is not axes[0]:
            ax.set_ylabel("")
    axes[0].legend(loc="lower left",
                   title="thin: each run; thick: mean ± std\nof log εg over the runs" if n_runs > 1 else None)
    fig.suptitle(f"BP vs DFA, M = {int(df.M.iloc[0])}, N = {int(df.N.iloc[0])}, η = {df.eta.iloc[0]}, "
                 f"σ0 = {df.sigma0.iloc[0]} ({n_runs} run{'s' if n_runs > 1 else ''} each)")
    return fig
