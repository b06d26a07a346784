"""Boopathy & Fiete 2022, Fig. 5 (Sec. 5.3): training loss vs step of Normal, Align-ada, Align-zero, FA and DFA
training the 7-layer, 512-filter CNN of App. F on ImageNet (ILSVRC-12, user-supplied). Each point is the mean
training loss over the ``steps_per_record`` steps before it (step 0: the initial network on a fixed subset of
training images); the loss on a fixed validation subset is in the table too."""
from __future__ import annotations

import pandas as pd

from ._boopathy import style


def table(inputs: dict[str, pd.DataFrame], params: dict) -> pd.DataFrame:
    df = pd.concat(inputs.values(), ignore_index=True)
    out = df[["method", "step", "train_loss", "test_loss", "test_acc", "epoch", "diverged", "width", "seed"]]
    return out.sort_values(["method", "step"]).reset_index(drop=True)


def draw(df: pd.DataFrame, params: dict):
    from ..plotting import band, subplots

    fig, ax = subplots(figsize=(4.8, 3.6), layout="constrained")
    for method, g in df.groupby("method"):  # mean ± std over seeds at each step
        m = g.groupby("step").train_loss.agg(["mean", lambda s: s.std(ddof=0)]).set_axis(["mean", "std"], axis=1)
        band(ax, m.index, m["mean"], m["std"].fillna(0.0), ms=2, **style(method))
    ax.set_xlabel("training step (batches of images)")
    ax.set_ylabel("training loss (MSE on one-hot labels)")
    ax.set_yscale("log")
    runs = df.groupby("method").seed.nunique().max()
    seeds = f"{runs} seed{'s' if runs > 1 else ''}"
    ax.set_title(f"ImageNet, CNN ×{int(df.width.iloc[0])} (Fig. 5; mean ± std over {seeds})")
    ax.legend(fontsize=7)
    return fig
