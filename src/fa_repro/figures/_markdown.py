"""Markdown rendering of table leaves: ours beside the paper's."""
from __future__ import annotations

import math

import pandas as pd


def percent(value, std=None, digits: int = 1) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    text = f"{100 * value:.{digits}f}"
    return text + (f" ± {100 * std:.{digits}f}" if std is not None and not math.isnan(std) else "")


def mean_std(mean: float, std: float, digits: int = 2) -> str:
    """"m ± s" with ``digits`` decimals, or "—" when there is no value."""
    return "—" if math.isnan(mean) else f"{mean:.{digits}f} ± {std:.{digits}f}"


def ours_beside_paper(row: dict, dataset: str, ours: pd.DataFrame, paper: tuple[float, float], missing: dict,
                      digits: int, scale: float = 1.0) -> None:
    """Fill ``row[<dataset>_ours]`` from the single-row frame ``ours`` (its mean and std × ``scale``; "unavailable"
    for a dataset this build could not read, "—" otherwise) and ``row[<dataset>_paper]`` from ``paper``."""
    if len(ours):
        text = mean_std(scale * ours["mean"].iloc[0], scale * ours["std"].iloc[0], digits)
    else:
        text = "unavailable" if dataset in missing else "—"
    row[f"{dataset}_ours"], row[f"{dataset}_paper"] = text, mean_std(*paper, digits)


def markdown_table(frame: pd.DataFrame) -> str:
    cols = [str(c).replace("_", " ") for c in frame.columns]
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    lines += ["| " + " | ".join(str(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join(lines)
