"""Beyond Srinivasan et al. 2024 (Sec. 4, App. E): when is AFA a good approximation of PEPITA? In Fig. 2b's setting
(erf, K = M = 2, D = N, lr η), PEPITA and AFA from the same weights for several scales κ of the input feedback F
(entries of standard deviation κ/√D, Sec. 4.1, plus a teacher overlap proportional to κ), simulated, and integrated
with AFA's ODEs (Eqs. 22–23) and with PEPITA's own large-D ODE (:mod:`fa_repro.teacher_student.pepita_ode`).

Panels: (a) eg(t) of one run per κ; (b) the growth of the adaptive feedback ‖f‖ (as Fig. 7); (c) the end of the
plateau (half-error time) against κ, with Sec. 4.2's "plateau until t ∼ 10³"; (d) the gaps against κ, as claim S1
measures them (90th percentile of |Δ log eg| over the recorded times): PEPITA–AFA in theory and in simulation, and
each simulation against its theory."""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from ..plotting import T_LABEL, log_time_axis, method_colour, method_label, subplots
from ._teacher_student import cosine, half_error_time, log_eg_gap, vectors

S1_THRESHOLD = 0.5  # claim S1: the AFA theory tracks the PEPITA simulation when q90 |Δ log eg| < 0.5
KAPPA_LABEL = "κ: std of F's entries × √D (Sec. 4.1)"
PLATEAU_END = 1e3  # Sec. 4.2: "stuck at a plateau until adaptive-feedback alignment happens (t ∼ 10³)"
# (label, curve, reference): each gap is q90 |log eg_curve − log eg_reference| over the curve's recorded times
GAPS = (("PEPITA sim. vs AFA theory (Fig. 2b, claim S1)", ("pepita", "sim"), ("afa", "ode")),
        ("PEPITA vs AFA, theories", ("pepita", "ode"), ("afa", "ode")),
        ("PEPITA vs AFA, simulations", ("pepita", "sim"), ("afa", "sim")),
        ("PEPITA sim. vs PEPITA theory", ("pepita", "sim"), ("pepita", "ode")),
        ("AFA sim. vs AFA theory", ("afa", "sim"), ("afa", "ode")))
GAP_STYLES = {GAPS[0][0]: ("k", "o-"), GAPS[1][0]: ("tab:red", "s-"), GAPS[2][0]: ("tab:red", "s:"),
              GAPS[3][0]: (method_colour("pepita"), "^--"), GAPS[4][0]: (method_colour("afa"), "v--")}
SERIES = {("pepita", "sim"): ("o", "none"), ("afa", "sim"): ("x", "none"), ("pepita", "ode"): ("-", None),
          ("afa", "ode"): ("--", None)}


def table(inputs: dict[str, pd.DataFrame], params: dict) -> pd.DataFrame:
    frames = []
    for source in ("sim", "ode"):
        df = inputs[source].sort_values("t")
        K = int(df.K.iloc[0])
        out = df[["kappa", "run", "seed", "rule", "t", "eg", "N", "eta"]].rename(columns={"rule": "method"})
        out.insert(4, "source", source)
        f = vectors(df, "f", K)
        out["norm_f"] = np.linalg.norm(f, axis=-1)
        # direction of f against its first recorded value (Sec. 4.2: "the direction of W1F is almost constant")
        f0 = df.groupby("run_id")[[f"f_{k + 1}" for k in range(K)]].transform("first").to_numpy(float)
        out["cos_f_initial"] = cosine(f, f0)
        frames.append(out)
    return pd.concat(frames, ignore_index=True).sort_values(["kappa", "run", "method", "source", "t"])


def summary(df: pd.DataFrame) -> pd.DataFrame:
    """Per κ and run: the half-error time of each (method, source) and the gaps of ``GAPS``."""
    rows = []
    for (kappa, run), g in df.groupby(["kappa", "run"]):
        curves = {key: c.sort_values("t") for key, c in g.groupby(["method", "source"])}
        row = {"kappa": kappa, "run": run}
        for (method, source), c in curves.items():
            row[f"t_half_{method}_{source}"] = half_error_time(c.t.to_numpy(), c.eg.to_numpy())
        for label, a, b in GAPS:
            if a in curves and b in curves:
                row[label] = float(np.quantile(log_eg_gap(curves[a].t, curves[a].eg, curves[b].t, curves[b].eg), 0.9))
        rows.append(row)
    return pd.DataFrame(rows)


def _label(method: str, source: str) -> str:
    return f"{method_label(method)} {'theory' if source == 'ode' else 'simulation'}"


def _curves(ax, df, column, colours):
    """One run's curves per κ: simulations as symbols (every second point), theories as lines."""
    for kappa, g in df.groupby("kappa"):
        for (method, source), c in g.groupby(["method", "source"]):
            style, mfc = SERIES[(method, source)]
            c = c.sort_values("t")
            if source == "sim":
                ax.plot(c.t[::2], c[column][::2], style, ms=3, mfc=mfc, color=colours[kappa])
            else:
                ax.plot(c.t, c[column], style, lw=1.2, color=colours[kappa])
    ax.set_xscale("log")
    ax.set_xlabel(T_LABEL)


def draw(df: pd.DataFrame, params: dict):
    fig, axes = subplots(2, 2, figsize=(11, 8.6))
    kappas = sorted(df.kappa.unique())
    # κ in shades of blue: neither PEPITA's purple nor AFA's olive, the methods' colours of panels (c) and (d)
    colours = dict(zip(kappas, plt.cm.Blues(np.linspace(0.45, 1.0, len(kappas)))))
    first = df[(df.run == df.run.min()) & (df.t > 0)]
    ax = axes[0, 0]
    _curves(ax, first, "eg", colours)
    log_time_axis(ax)
    handles = [plt.Line2D([], [], color=colours[k], lw=2, label=f"κ = {k:.3g}") for k in kappas]
    handles += [plt.Line2D([], [], color="grey", ls=SERIES[key][0] if key[1] == "ode" else "none",
                           marker=None if key[1] == "ode" else SERIES[key][0], mfc="none", label=_label(*key))
                for key in SERIES]
    ax.legend(handles=handles, loc="lower left", ncol=2)
    ax.set_title("(a) learning curves (run 0)")

    ax = axes[0, 1]
    growth = first.assign(norm_f=first.norm_f / first.groupby(["kappa", "method", "source"]).norm_f.transform("first"))
    _curves(ax, growth, "norm_f", colours)
    ax.set_yscale("log")
    ax.set_ylabel("‖f(t)‖ / ‖f(0)‖,  f = W1F/D")
    ax.set_title("(b) the adaptive feedback grows (as Fig. 7), for every κ")

    s = summary(df)
    ax = axes[1, 0]
    for (method, source), (style, mfc) in SERIES.items():
        col = f"t_half_{method}_{source}"
        if col not in s:
            continue
        mean = s.groupby("kappa")[col].apply(lambda x: float(np.exp(np.mean(np.log(x)))))
        marker = style if source == "sim" else "."
        ax.plot(s.kappa, s[col], marker, ms=4, mfc=mfc, ls="none", color=method_colour(method), alpha=0.5)
        ax.plot(mean.index, mean.values, ls="-" if source == "ode" else ":", marker=marker, mfc=mfc,
                color=method_colour(method), label=_label(method, source))
    ax.axhline(PLATEAU_END, color="grey", ls=":", lw=1, label="Sec. 4.2: plateau until t ∼ 10³")
    ax.set(xscale="log", yscale="log", xlabel=KAPPA_LABEL, ylabel="half-error time t½ (samples / D)",
           title="(c) end of the plateau: eg(t½) = eg(0)/2")
    ax.legend(loc="lower left", title="faint: each run; lines: geometric mean")

    ax = axes[1, 1]
    for label, *_ in GAPS:
        if label not in s:
            continue
        colour, style = GAP_STYLES[label]
        mean = s.groupby("kappa")[label].mean()
        ax.plot(s.kappa, s[label], style[0], ms=3, color=colour, alpha=0.4, ls="none")
        ax.plot(mean.index, mean.values, style, ms=4, color=colour, mfc="none", label=label)
    ax.axhline(S1_THRESHOLD, color="grey", ls=":", lw=1, label="claim S1's threshold")
    ax.set(xscale="log", yscale="log", xlabel=KAPPA_LABEL, ylabel="90th percentile of |Δ log eg| over the recorded t",
           title="(d) the PEPITA–AFA gap, and each theory against its simulation")
    ax.set_ylim(ax.get_ylim()[0] / 300, max(ax.get_ylim()[1], 2 * S1_THRESHOLD))  # room for the legend below
    ax.legend(loc="lower right", title="faint: each run; lines: mean over runs")
    fig.suptitle(f"When does AFA approximate PEPITA? Against the scale κ of the input feedback F (erf, K = M = 2, "
                 f"D = {int(df.N.iloc[0])}, lr = {df.eta.iloc[0]}, {df.run.nunique()} run(s) per κ)")
    fig.tight_layout()
    return fig
