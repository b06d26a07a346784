"""Shared plotting conventions: one style, labelled axes with units, PDF + PNG output."""
from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

STYLE = {
    "figure.dpi": 110,
    "savefig.dpi": 150,
    "font.size": 9,
    "axes.titlesize": 9,
    "axes.labelsize": 9,
    "legend.fontsize": 7.5,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.25,
}
RULE_COLOURS = {"bp": "tab:orange", "dfa": "tab:blue", "afa": "tab:purple", "pepita": "tab:cyan"}
RULE_LABELS = {"bp": "BP", "dfa": "DFA", "afa": "AFA", "pepita": "PEPITA"}
T_LABEL = "training time t (samples / N)"
EG_LABEL = r"generalisation error $\epsilon_g = \frac{1}{2}\mathbb{E}[(\hat y - y)^2]$"


def subplots(*args, **kwargs):
    """``plt.subplots`` under the project style."""
    with plt.rc_context(STYLE):
        fig, axes = plt.subplots(*args, **kwargs)
    return fig, axes


def save_figure(fig, pdf: str | Path, png: str | Path) -> None:
    """Write a figure as PDF and PNG and close it."""
    with plt.rc_context(STYLE):
        for path in (pdf, png):
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            fig.savefig(path, bbox_inches="tight")
    plt.close(fig)


def log_time_axis(ax, eg: bool = True) -> None:
    """Log-log axes for learning curves: t in units of N samples, eg dimensionless."""
    ax.set_xscale("log")
    ax.set_xlabel(T_LABEL)
    if eg:
        ax.set_yscale("log")
        ax.set_ylabel(EG_LABEL)
