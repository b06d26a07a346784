"""Boopathy & Fiete 2022, App. Fig. 9 and Table 8: RNN on the Add task (Eqs. 59–61), final training and test loss
vs hidden size for Normal, Align-ada, Align-zero and readout-only training, with the paper's values."""
from __future__ import annotations

import pandas as pd

from ..paper_numbers import load as paper_numbers
from ._boopathy import style, width_axis
from ._training import final_epoch

BOOPATHY2022_RNN_LOSS = paper_numbers("boopathy2022_rnn_loss")  # printed in the paper (src/fa_repro/paper_numbers/)


def table(inputs: dict[str, pd.DataFrame], params: dict) -> pd.DataFrame:
    df = final_epoch(pd.concat(inputs.values(), ignore_index=True), ["experiment"])
    rows = []
    for (method, width), g in df.groupby(["method", "width"]):
        for split, col in (("train", "train_loss"), ("test", "test_loss")):
            rows.append({"method": method, "width": int(width), "split": split, "loss": g[col].mean(),
                         "loss_std": g[col].std(ddof=0), "epoch": int(g.epoch.max()), "diverged": bool(g.diverged.any()),
                         "paper_loss": BOOPATHY2022_RNN_LOSS.get((method, int(width), split), float("nan"))})
    return pd.DataFrame(rows)


def draw(df: pd.DataFrame, params: dict):
    from ..plotting import subplots

    fig, ax = subplots(figsize=(4.8, 3.6), layout="constrained")
    for method, g in df.groupby("method"):
        st = style(method)
        test, train = g[g.split == "test"], g[g.split == "train"]
        ax.errorbar(test.width, test.loss, test.loss_std.fillna(0.0), ls="-", ms=3, capsize=2, **st)
        ax.errorbar(train.width, train.loss, train.loss_std.fillna(0.0), ls="--", color=st["color"],
                    marker=st["marker"], ms=3, capsize=2, mfc="none")
    width_axis(ax, df.width.unique())
    ax.set_xlabel("hidden units")
    ax.set_yscale("log")
    ax.set_ylabel("loss (summed squared error per sequence)")
    ax.set_title("RNN Add task (App. Fig. 9); solid: test, dashed: train\n(mean ± std over seeds)")
    ax.legend(fontsize=7)
    return fig
