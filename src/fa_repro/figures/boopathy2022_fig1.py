"""Boopathy & Fiete 2022, Fig. 1 and Tables 3–5: alignment score (Eqs. 9–13, Gaussian probes) of every hidden
layer after normal training vs network width; CIFAR-10 (8 layers, ReLU and tanh) and KMNIST (4 layers). The
table adds the Spearman rank correlation of alignment with width per layer and the paper's values."""
from __future__ import annotations

import pandas as pd
from scipy.stats import spearmanr

from ..paper_values import BOOPATHY2022_ALIGNMENT
from ._boopathy import width_axis
from ._training import final_epoch, stacked, unavailable_note

INPUTS = ()  # the alignment runs


def table(inputs: dict[str, pd.DataFrame], params: dict) -> pd.DataFrame:
    df = final_epoch(stacked(inputs), ["experiment"])
    layers = sorted(int(c.removeprefix("alignment_layer")) for c in df.columns if c.startswith("alignment_layer"))
    rows = []
    for (dataset, activation, width), g in df.groupby(["dataset", "activation", "width"]):
        for layer in layers:
            col = f"alignment_layer{layer}"
            if g[col].isna().all():
                continue
            rows.append({"dataset": dataset, "activation": activation, "width": int(width), "layer": layer,
                         "alignment": g[col].mean(), "baseline": g[f"alignment_baseline_layer{layer}"].mean(),
                         "epoch": int(g.epoch.max()), "n_runs": len(g),
                         "paper_alignment": BOOPATHY2022_ALIGNMENT.get((dataset, activation, int(width), layer))})
    out = pd.DataFrame(rows)
    rho = {k: spearmanr(g.width, g.alignment).statistic if g.width.nunique() > 1 else float("nan")
           for k, g in out.groupby(["dataset", "activation", "layer"])}
    out["spearman_width"] = [rho[(d, a, l)] for d, a, l in zip(out.dataset, out.activation, out.layer)]
    return out


def draw(df: pd.DataFrame, params: dict):
    from ..plotting import subplots

    panels = list(df.groupby(["dataset", "activation"]).groups)
    fig, axes = subplots(1, len(panels), figsize=(4.2 * len(panels), 3.6), layout="constrained", squeeze=False)
    for ax, (dataset, activation) in zip(axes[0], panels):
        sub = df[(df.dataset == dataset) & (df.activation == activation)]
        n_layers = sub.layer.max()
        for layer, g in sub.groupby("layer"):
            colour = (0.15 + 0.7 * (layer - 1) / max(n_layers - 1, 1),) * 2 + (0.9,)
            ax.plot(g.width, g.alignment, marker="o", ms=3, color=colour,
                    label=f"layer {layer} (ρ = {g.spearman_width.iloc[0]:+.2f})")
            ax.plot(g.width, g.baseline, ls=":", lw=0.8, color=colour)
        width_axis(ax, sub.width.unique())
        ax.set_ylabel("alignment score S")
        ax.set_title(f"{dataset}, {activation} ({int(sub.epoch.max())} epochs); dotted: permuted ΔW")
        ax.legend(fontsize=6, loc="best")
    note = unavailable_note(params)
    fig.suptitle("Input–weight alignment vs width (Fig. 1, Tables 3–5; the paper: it grows with width)" + (f"\n{note}" if note else ""))
    return fig
