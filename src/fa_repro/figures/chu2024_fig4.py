"""Chu & Bacho 2024, Fig. 4: FA (normal feedback) from random, sign-aligned and feedback-equal initial weights —
gradient alignment and weight alignment of the second hidden layer, and test accuracy, over 10 epochs."""
from __future__ import annotations

import pandas as pd

from ._training import epoch_panels, run_average, stacked

COLOURS = {"none": "tab:blue", "sign": "tab:green", "equal": "tab:red"}
LABELS = {"none": "random initial weights", "sign": "signs of the feedback", "equal": "equal to the feedback"}


def table(inputs: dict[str, pd.DataFrame], params: dict) -> pd.DataFrame:
    return run_average(stacked(inputs), ["init", "epoch"],
                       {"ga": "update_alignment_layer2", "wa": "wa_layer2", "accuracy": "test_acc"})


def draw(df: pd.DataFrame, params: dict):
    return epoch_panels(
        df, "init", {"ga": "(a) gradient alignment, hidden layer 2", "wa": "(b) weight alignment cos(W_2, B_2)",
                     "accuracy": "(c) test accuracy"},
        lambda init: dict(color=COLOURS.get(init), label=LABELS.get(init, init), marker="o", ms=3),
        "Better alignment does not mean better learning (FA, MNIST)", legend_panel=2)
