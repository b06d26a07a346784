"""Refinetti et al. 2021, Fig. 4 inset: probability that a ReLU student trained with DFA recovers
the teacher (final eg below a threshold), against K, with the analytical prediction of Sec. 1.2.

The prediction follows from the paper's argument: recovery needs at least M entries of F1 with
the sign of W̃2 (= +1), so P(learn) = 2^−K Σ_{k=M}^{K} C(K, k). The printed Eq. 8,
2^−K Σ_{k=0}^{M} C(K, k), gives P = 1 for K = M and contradicts that argument and Fig. 4; both are
tabulated (``p_theory`` and ``p_printed``), see docs/deviations.md."""
from __future__ import annotations

from math import comb

import pandas as pd

from ..plotting import subplots


def p_learn(K: int, M: int) -> float:
    """P(at least M of K i.i.d. symmetric feedback entries are positive) (Refinetti Sec. 1.2)."""
    return sum(comb(K, k) for k in range(M, K + 1)) / 2**K


def p_printed_eq8(K: int, M: int) -> float:
    """Refinetti Eq. 8 as printed: 2^−K Σ_{k=0}^{M} C(K, k)."""
    return sum(comb(K, k) for k in range(0, min(M, K) + 1)) / 2**K


def wilson_interval(k: int, n: int, z: float = 1.959964) -> tuple[float, float]:
    """The 95 % Wilson score interval of a binomial proportion k/n (Wilson 1927): honest at p near 0 or 1 and small
    n, where the normal interval p ± z·s.e. leaves [0, 1] or has zero width."""
    p, z2 = k / n, z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z / (1 + z2 / n) * (p * (1 - p) / n + z2 / (4 * n * n)) ** 0.5
    return max(0.0, centre - half), min(1.0, centre + half)


def table(inputs: dict[str, pd.DataFrame], params: dict) -> pd.DataFrame:
    sim = inputs["sim"]
    final = sim.loc[sim.groupby("run_id").t.idxmax()]
    rows = []
    for K, sub in final.groupby("K"):
        M = int(sub.M.iloc[0])
        n_learned = int((sub.eg < params["learned_threshold"]).sum())
        low, high = wilson_interval(n_learned, len(sub))
        rows.append({"K": int(K), "M": M, "n_runs": len(sub), "n_learned": n_learned,
                     "p_sim": n_learned / len(sub), "p_sim_low": low, "p_sim_high": high, "p_theory": p_learn(int(K), M),
                     "p_printed": p_printed_eq8(int(K), M), "learned_threshold": params["learned_threshold"],
                     "t_final": float(sub.t.max()), "N": int(sub.N.iloc[0])})
    return pd.DataFrame(rows)


def draw(df: pd.DataFrame, params: dict):
    fig, ax = subplots(figsize=(4.6, 4.0), layout="constrained")
    ax.plot(df.K, df.p_theory, "-", color="tab:green", label="theory: P(≥ M positive entries of F1)")
    ax.plot(df.K, df.p_printed, ":", color="grey", label="Eq. 8 as printed")
    ax.errorbar(df.K, df.p_sim, yerr=[df.p_sim - df.p_sim_low, df.p_sim_high - df.p_sim], fmt="x", color="k", ms=7,
                mew=1.8, capsize=3, label=f"simulations ({int(df.n_runs.min())}+ per K, 95 % Wilson interval)")
    ax.set_xlabel("student hidden nodes K")
    ax.set_ylabel("P(perfect recovery)")
    ax.set_ylim(-0.03, 1.05)
    fig.legend(loc="outside lower center", ncol=1, fontsize=7)  # below the axes: the curves span every corner
    ax.set_title(f"ReLU + DFA, M = {int(df.M.iloc[0])}: recovery needs enough positive feedback entries")
    return fig
