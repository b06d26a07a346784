"""Refinetti et al. 2021, Fig. 5: degeneracy breaking in deep networks. Training accuracy and the cosine
similarity between the stacked weights of two networks trained from different initial weights with the same
feedback matrices (DFA) — or independently (BP) — for 4-layer MLPs on MNIST and CIFAR-10, tanh and ReLU."""
from __future__ import annotations

import pandas as pd

from ..plotting import band, method_colour, method_label, subplots
from ._training import ACTIVATION_STYLES, run_average, stacked


def table(inputs: dict[str, pd.DataFrame], params: dict) -> pd.DataFrame:
    df = stacked(inputs)
    out = run_average(df, ["dataset", "activation", "algorithm", "epoch"],
                      {"train_acc": "train_acc", "cos_sim": "pair_cos_sim"})
    out["n_runs"] = out["n_runs"] // 2  # a run is a pair of networks
    return out


def draw(df: pd.DataFrame, params: dict):
    datasets = sorted(df.dataset.unique())
    fig, axes = subplots(2, len(datasets), figsize=(4.2 * len(datasets), 6), squeeze=False, layout="constrained")
    for j, dataset in enumerate(datasets):
        for (activation, algorithm), sub in df[df.dataset == dataset].groupby(["activation", "algorithm"]):
            style = dict(color=method_colour(algorithm), ls=ACTIVATION_STYLES.get(activation, "-"),
                         label=f"{method_label(algorithm)}, {activation}")
            band(axes[0, j], sub.epoch, sub.train_acc, sub.train_acc_std, **style)
            band(axes[1, j], sub.epoch, sub.cos_sim, sub.cos_sim_std, **style)
        axes[0, j].set_title(f"{dataset.upper()} (14×14)")
        axes[0, j].set_ylabel("training accuracy")
        axes[1, j].set_ylabel("cosine similarity of the two nets' weights")
        axes[1, j].set_xlabel("epoch")
        axes[0, j].legend(loc="lower right")
    fig.suptitle("Degeneracy breaking: DFA pairs sharing feedback converge to similar weights; BP pairs do not")
    return fig
