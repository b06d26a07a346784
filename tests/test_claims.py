"""The claims registry reports what the data say: pass, fail (never hidden) or not built."""
import numpy as np
import pandas as pd
import pytest

from fa_repro.claims import CLAIMS, evaluate, render


def _fig5(dfa_cos, bp_cos):
    return pd.DataFrame({"algorithm": ["dfa", "bp"], "epoch": [10, 10], "cos_sim": [dfa_cos, bp_cos]})


def test_a_claim_passes_fails_or_is_not_built_from_the_leaf_data():
    passing = evaluate({"refinetti2021_fig5": _fig5(0.4, 0.01)}, "ci")
    failing = evaluate({"refinetti2021_fig5": _fig5(0.02, 0.01)}, "ci")
    r7 = lambda t: t.set_index("claim").loc["R7"]  # noqa: E731
    assert r7(passing).status == "pass" and r7(failing).status == "fail"
    assert "0.020" in r7(failing).our_value
    missing = evaluate({}, "ci", {"boopathy2022_fig1": "needs kmnist (no copy)"}).set_index("claim")
    assert missing.loc["B1"].status == "not built" and missing.loc["B1"].our_value == "needs kmnist (no copy)"
    assert (missing.status == "not built").all() and len(missing) == len(CLAIMS) >= 16


def test_rendered_claims_keep_failures_and_escape_table_pipes():
    md = render(evaluate({"refinetti2021_fig5": _fig5(0.02, 0.01)}, "ci"))
    assert "❌ fail" in md and "1 fail" in md
    assert all(line.count(" | ") == 7 for line in md.splitlines() if line.startswith("| R1 "))


def test_rank_correlation_is_spearmans_rho():
    from scipy.stats import spearmanr

    from fa_repro.claims import rank_correlation

    rng = np.random.default_rng(0)
    x, y = rng.integers(0, 5, 40), rng.normal(size=40)  # with ties
    assert rank_correlation(x, y) == pytest.approx(spearmanr(x, y).statistic, abs=1e-12)
    assert rank_correlation([1, 2, 3, 4], [10, 20, 25, 100]) == pytest.approx(1.0)
