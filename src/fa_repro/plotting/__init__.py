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
# One colour, marker and display label per learning method (a learning rule), the same in every figure that draws
# methods; colours that encode something else (datasets, activations, layers, κ, scales, theory vs simulation) are
# chosen per figure so as not to reuse the colour of a method drawn in that figure. A method's tag as the experiments
# write it may be an alias of a canonical name (Boopathy's "normal" is BP, Srinivasan's "vanilla" is plain PEPITA);
# an alias keeps its own label (the Boopathy tables print "Normal (BP)"). Perturbed BP (Chu Fig. 3) is a dark grey,
# apart from the mid grey of last-layer-only training drawn beside it.
METHOD_COLOURS = {
    "bp": "black", "fa": "tab:green", "dfa": "tab:blue", "drtp": "tab:brown", "pepita": "tab:purple",
    "afa": "tab:olive", "align_zero": "tab:orange", "align_ada": "tab:red", "align_prop": "tab:pink",
    "last_layer": "tab:gray", "readout_only": "tab:gray", "perturbed_bp": "0.3", "no_feedback": "tab:gray",
}
METHOD_LABELS = {
    "bp": "BP", "fa": "FA", "dfa": "DFA", "drtp": "DRTP", "pepita": "PEPITA", "afa": "AFA",
    "align_zero": "Align-zero", "align_ada": "Align-ada", "align_prop": "Align-prop", "last_layer": "Last layer",
    "readout_only": "Readout-only", "perturbed_bp": "Perturbed BP", "no_feedback": "F = 0 (no feedback)",
    "normal": "Normal (BP)",
}
METHOD_MARKERS = {
    "bp": "o", "fa": "D", "dfa": "v", "drtp": "<", "pepita": "o", "afa": "x", "align_zero": "^", "align_ada": "s",
    "align_prop": "P", "last_layer": "x", "readout_only": "x", "perturbed_bp": "o", "no_feedback": "x",
}
METHOD_ALIASES = {"normal": "bp", "vanilla": "pepita", "plain": "pepita", "time_local_f0": "no_feedback"}
# PEPITA's variants keep PEPITA's purple: plain PEPITA is tab:purple, solid, circles; every variant has a fixed
# darker or lighter shade of purple together with its own line style and marker, so that the variants drawn in one
# figure differ in shade, line style and marker at once. The time-local scheme with F = 0 is not a PEPITA variant
# but the no-feedback control: grey. Variant -> (label, colour, line style, marker).
PEPITA_DARK, PEPITA_DARKER, PEPITA_LIGHT = "#5b2a86", "#32124f", "#c3a6dd"
PEPITA_VARIANTS = {
    "plain": ("PEPITA", "tab:purple", "-", "o"),
    "vanilla": ("PEPITA", "tab:purple", "-", "o"),
    "he_uniform": ("PEPITA (He uniform)", PEPITA_DARK, "--", "s"),
    "hebbian": ("PEPITA-Hebbian", PEPITA_LIGHT, ":", "^"),
    "wd": ("PEPITA + WD", PEPITA_DARK, "--", "s"),
    "wm": ("PEPITA + WM", PEPITA_DARK, "--", "s"),
    "wd_wm": ("PEPITA + WD + WM", PEPITA_DARKER, "-.", "D"),
    "wm_prem": ("PEPITA + WM + preM", PEPITA_LIGHT, ":", "^"),
    "time_local": ("PEPITA-time-local", PEPITA_DARK, "--", "v"),
    "time_local_f0": ("time-local, F = 0", METHOD_COLOURS["no_feedback"], "-", "x"),
}


def method_colour(method: str):
    """The colour of a learning method (or of its alias); None (matplotlib's cycle) for a tag not listed."""
    return METHOD_COLOURS.get(METHOD_ALIASES.get(method, method))


def method_label(method: str) -> str:
    """The display label of a learning method: its own, else its canonical name's, else the tag itself."""
    return METHOD_LABELS.get(method) or METHOD_LABELS.get(METHOD_ALIASES.get(method, method), method)


def method_style(method: str) -> dict:
    """``color``, ``marker`` and ``label`` keyword arguments of a learning method's curve."""
    canonical = METHOD_ALIASES.get(method, method)
    return {"color": method_colour(method), "marker": METHOD_MARKERS.get(canonical, "o"), "label": method_label(method)}


def pepita_style(variant: str) -> dict:
    """``color``, ``ls``, ``marker`` and ``label`` of one of PEPITA's variants (see PEPITA_VARIANTS)."""
    label, colour, ls, marker = PEPITA_VARIANTS[variant]
    return {"color": colour, "ls": ls, "marker": marker, "label": label}


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


BAND_ALPHA = 0.2


def spread_note(n_runs) -> str:
    """What a band or error bar shows, for a title: "mean ± std over 3 runs", or "1 run" (no spread to show)."""
    n = int(max(n_runs)) if hasattr(n_runs, "__iter__") else int(n_runs)
    return "1 run" if n == 1 else f"mean ± std over {n} runs"


def band(ax, x, mean, std, **kwargs):
    """A mean curve with a ±1 std band over runs (seeds) in the curve's colour."""
    line, = ax.plot(x, mean, **kwargs)
    ax.fill_between(x, mean - std, mean + std, color=line.get_color(), alpha=BAND_ALPHA, lw=0)
    return line


def runs_band(ax, df, x: str, y: str, run: str = "run", log: bool = True, **kwargs):
    """Curves of several runs sharing their x values (a tidy frame, one row per run and x): the mean with a ±1 std
    band over runs; with ``log``, mean and std of log y (the band of a log-scaled axis, exp(mean ± std)). Returns
    the mean line, or None when fewer than two runs are there (nothing to average)."""
    import numpy as np

    wide = df.pivot_table(index=x, columns=run, values=y, aggfunc="first").dropna()
    if log:  # x values where a run is at or below 0 (rounding at eg ≈ 0) have no log: left out of the band
        wide = wide[(wide > 0).all(axis=1)]
    if wide.shape[1] < 2 or not len(wide):
        return None
    values = np.log(wide.to_numpy(float)) if log else wide.to_numpy(float)
    mean, std = values.mean(axis=1), values.std(axis=1)
    lo, mid, hi = (np.exp(v) for v in (mean - std, mean, mean + std)) if log else (mean - std, mean, mean + std)
    line, = ax.plot(wide.index, mid, **kwargs)
    ax.fill_between(wide.index, lo, hi, color=line.get_color(), alpha=BAND_ALPHA, lw=0)
    return line


def log_time_axis(ax, eg: bool = True) -> None:
    """Log-log axes for learning curves: t in units of N samples, eg dimensionless."""
    ax.set_xscale("log")
    ax.set_xlabel(T_LABEL)
    if eg:
        ax.set_yscale("log")
        ax.set_ylabel(EG_LABEL)
