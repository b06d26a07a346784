"""Boopathy & Fiete 2022, Fig. 1 and Tables 3–5: alignment score (Eqs. 9–13, Gaussian probes) of every hidden
layer after normal training vs network width; CIFAR-10 (8 layers, ReLU and tanh) and KMNIST (4 layers). The
table adds the Spearman rank correlation of alignment with width per layer and the paper's values."""
from __future__ import annotations

import pandas as pd
from scipy.stats import spearmanr

from ..paper_numbers import load as paper_numbers
from ._boopathy import width_axis
from ._training import final_epoch, stacked, suptitle_with_note

BOOPATHY2022_ALIGNMENT = paper_numbers("boopathy2022_alignment")  # printed in the paper (src/fa_repro/paper_numbers/)


def table(inputs: dict[str, pd.DataFrame], params: dict) -> pd.DataFrame:
    """Per (dataset, activation, width, layer): the alignment score's mean and std over the runs that did not
    diverge, their permuted baseline, and how many runs diverged (a diverged run has no score and is counted,
    never averaged in); the Spearman ρ of the mean score with width per layer; the paper's value."""
    df = final_epoch(stacked(inputs), ["experiment"])
    layers = sorted(int(c.removeprefix("alignment_layer")) for c in df.columns if c.startswith("alignment_layer"))
    rows = []
    for (dataset, activation, width), g in df.groupby(["dataset", "activation", "width"]):
        diverged = g.diverged.fillna(False).astype(bool) | g[f"alignment_layer{layers[0]}"].isna()
        ok = g[~diverged]
        for layer in layers:
            col = f"alignment_layer{layer}"
            rows.append({"dataset": dataset, "activation": activation, "width": int(width), "layer": layer,
                         "alignment": ok[col].mean(), "alignment_std": ok[col].std(ddof=0),
                         "baseline": ok[f"alignment_baseline_layer{layer}"].mean(),
                         "test_acc": ok.test_acc.mean(), "epoch": int(g.epoch.max()), "n_runs": len(g),
                         "n_diverged": int(diverged.sum()),
                         "paper_alignment": BOOPATHY2022_ALIGNMENT.get((dataset, activation, int(width), layer))})
    out = pd.DataFrame(rows)
    rho = {k: spearmanr(g.width, g.alignment).statistic if g.alignment.notna().sum() > 1 else float("nan")
           for k, g in out.groupby(["dataset", "activation", "layer"])}
    out["spearman_width"] = [rho[(d, a, l)] for d, a, l in zip(out.dataset, out.activation, out.layer)]
    return out


def draw(df: pd.DataFrame, params: dict):
    from ..plotting import subplots

    panels = list(df.groupby(["dataset", "activation"]).groups)
    fig, axes = subplots(1, len(panels), figsize=(4.2 * len(panels), 4.6), layout="constrained", squeeze=False)
    for ax, (dataset, activation) in zip(axes[0], panels):
        sub = df[(df.dataset == dataset) & (df.activation == activation)]
        n_layers = sub.layer.max()
        for layer, g in sub.groupby("layer"):
            colour = (0.15 + 0.7 * (layer - 1) / max(n_layers - 1, 1),) * 2 + (0.9,)
            dodge = 2.0 ** (0.04 * (layer - (n_layers + 1) / 2))  # layers side by side, error bars apart
            ax.errorbar(g.width * dodge, g.alignment, yerr=g.alignment_std, marker="o", ms=3, capsize=2, lw=1, color=colour,
                        label=f"layer {layer} (ρ = {g.spearman_width.iloc[0]:+.2f})")
            ax.plot(g.width, g.baseline, ls=":", lw=0.8, color=colour)
        runs = sub.groupby("width")[["n_runs", "n_diverged"]].first()
        for width, r in runs[runs.n_diverged > 0].iterrows():  # diverged runs are marked, not plotted as scores
            ax.plot([width], [0.02], marker="x", color="tab:red", ms=7, mew=2, transform=ax.get_xaxis_transform())
            ax.annotate(f"{r.n_diverged}/{r.n_runs} diverged", (width, 0.06), xycoords=("data", "axes fraction"),
                        ha="center", fontsize=6, color="tab:red")
        width_axis(ax, sub.width.unique())
        ax.set_ylim(0, 1.05)
        ax.set_ylabel("alignment score S (mean ± std over seeds)")
        ax.set_title(f"{dataset}, {activation}: {int(runs.n_runs.max())} seeds, {int(sub.epoch.max())} epochs\n"
                     "dotted: permuted-weights baseline", fontsize=9)
        ax.legend(fontsize=6, loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=2, frameon=False)
    suptitle_with_note(fig, "Input–weight alignment vs width (Fig. 1, Tables 3–5; the paper: it grows with width)", params)
    return fig
