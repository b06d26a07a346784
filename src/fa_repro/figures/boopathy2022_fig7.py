"""Boopathy & Fiete 2022, App. Fig. 7: training seconds per epoch vs width for Normal, Align-ada and Align-zero
(mean ± standard error over the recorded epochs of every learning rate's run; the paper: 15 trials)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ._boopathy import style, width_axis


def table(inputs: dict[str, pd.DataFrame], params: dict) -> pd.DataFrame:
    df = pd.concat(inputs.values(), ignore_index=True)
    df = df[(df.epoch >= 1) & (df.seed == df.seed.min())]  # one row per epoch (the time is the batched model's)
    out = df.groupby(["method", "width"]).epoch_time_s.agg(
        seconds_per_epoch="mean", sem=lambda s: s.std(ddof=1) / np.sqrt(len(s)) if len(s) > 1 else 0.0,
        n_epochs="size").reset_index()
    out["device"] = df.device.iloc[0] if "device" in df else ""
    return out


def draw(df: pd.DataFrame, params: dict):
    from ..plotting import subplots

    fig, ax = subplots(figsize=(4.6, 3.5), layout="constrained")
    for method, g in df.groupby("method"):
        ax.errorbar(g.width, g.seconds_per_epoch, g["sem"], capsize=2, ms=3, **style(method))
    width_axis(ax, df.width.unique())
    ax.set_yscale("log")
    ax.set_ylabel(f"training time per epoch (s, {df.device.iloc[0]})")
    ax.set_title("Training time (App. Fig. 7)")
    ax.legend(fontsize=7)
    return fig
