"""Shared helpers of the deep-network figures: stack the per-experiment metric tables and average over runs."""
from __future__ import annotations

import pandas as pd

ALGORITHM_COLOURS = {"bp": "tab:orange", "dfa": "tab:blue"}
ALGORITHM_LABELS = {"bp": "BP", "dfa": "DFA"}
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


def band(ax, x, mean, std, **kwargs):
    """A mean curve with a ±1 std band over runs."""
    line, = ax.plot(x, mean, **kwargs)
    ax.fill_between(x, mean - std, mean + std, color=line.get_color(), alpha=0.15, lw=0)
    return line
