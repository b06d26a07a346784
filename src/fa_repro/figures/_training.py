"""Shared helpers of the deep-network figures: stack the per-experiment metric tables and average over runs."""
from __future__ import annotations

import pandas as pd

# colours, labels and mean ± std bands of the learning methods: fa_repro.plotting (METHOD_COLOURS, method_style, band)
ACTIVATION_STYLES = {"tanh": "-", "relu": "--"}


def stacked(inputs: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """All runs of all input experiments in one frame (rows of diverged runs carry NaN metrics)."""
    return pd.concat(inputs.values(), ignore_index=True)


def run_average(df: pd.DataFrame, by: list[str], columns: dict[str, str], unit: str = "seed") -> pd.DataFrame:
    """Mean and standard deviation over runs of ``columns`` ({output name: input column}) per ``by`` group,
    with the number of runs averaged (diverged runs, NaN, are left out and counted)."""
    rows = []
    for key, group in df.groupby(by, sort=True):
        row = dict(zip(by, key if isinstance(key, tuple) else (key,)))
        for name, column in columns.items():
            values = group[column]
            row[name] = values.mean()
            row[f"{name}_std"] = values.std(ddof=0)
        row["n_runs"] = int(group[unit].nunique())
        row["n_diverged"] = int(group["diverged"].sum()) if "diverged" in group else 0
        rows.append(row)
    return pd.DataFrame(rows)


def epoch_panels(df: pd.DataFrame, by, quantities: dict[str, str], style, title: str, legend_panel: int = 0):
    """One panel per quantity ({column: y label}) against epoch, one curve (mean ± std band) per ``by`` group;
    ``style(key)`` gives each group's line style and label."""
    from ..plotting import band, subplots

    fig, axes = subplots(1, len(quantities), figsize=(4.3 * len(quantities), 3.6), layout="constrained")
    for key, sub in df.groupby(by):
        for ax, quantity in zip(axes, quantities):
            band(ax, sub.epoch, sub[quantity], sub[f"{quantity}_std"], **style(key))
    for ax, label in zip(axes, quantities.values()):
        ax.set_ylabel(label)
        ax.set_xlabel("epoch")
    axes[legend_panel].legend(loc="lower right")
    fig.suptitle(title)
    return fig


def final_epoch(df: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """The last recorded epoch of every run (``by`` identifies an experiment; one row per seed)."""
    last = df.groupby(by)["epoch"].transform("max")
    return df[df.epoch == last]


def suptitle_with_note(fig, title: str, params: dict) -> None:
    """The figure's title, with a second line naming the datasets this build could not include."""
    note = unavailable_note(params)
    fig.suptitle(title + (f"\n{note}" if note else ""))


def unavailable_note(params: dict) -> str:
    """'not built: <dataset> (<reason>)' for the datasets this build could not read, or ''."""
    missing = params.get("unavailable", {})
    return "; ".join(f"{d} not built ({reason})" for d, reason in sorted(missing.items()))
