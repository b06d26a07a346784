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


def test_claims_across_scales_take_the_verdict_of_the_largest_scale_built():
    from fa_repro.claims import render_across_scales, verdicts_across_scales

    ci = evaluate({"refinetti2021_fig5": _fig5(0.4, 0.01)}, "ci")
    quick = evaluate({"refinetti2021_fig5": _fig5(0.02, 0.01)}, "quick")
    paper = evaluate({}, "paper", {"refinetti2021_fig5": "not among this build's leaves (config leaves)"})
    v = verdicts_across_scales({"paper": paper, "ci": ci, "quick": quick}).set_index("claim")
    assert (v.loc["R7", ["ci_status", "quick_status", "paper_status"]] == ["pass", "fail", "not built"]).all()
    assert v.loc["R7", "record_scale"] == "quick" and v.loc["R7", "record_status"] == "fail"
    assert v.loc["R7", "why_it_fails"] == "" or isinstance(v.loc["R7", "why_it_fails"], str)
    assert v.loc["R1", "record_status"] == "not built" and v.loc["R1", "record_scale"] == ""
    only_ci = verdicts_across_scales({"ci": ci}).set_index("claim")
    assert only_ci.loc["R7", "record_scale"] == "ci" and "quick_status" not in only_ci.columns
    md = render_across_scales({"quick": quick, "ci": ci, "paper": paper})
    header = next(line for line in md.splitlines() if line.startswith("| claim "))
    assert header.index("| ci scale |") < header.index("| quick scale |") < header.index("| paper scale |")  # smallest first
    r7 = next(line for line in md.splitlines() if line.startswith("| R7 "))
    assert "✅ pass" in r7 and "❌ fail (quick)" in r7 and "not among this build's leaves" in r7


@pytest.mark.parametrize("afa_offset,status", [(0.004, "pass"), (0.015, "fail")])
def test_afa_tracks_pepita_within_one_point_at_every_epoch(afa_offset, status):
    """S8 reads Fig. 2a's curves: one epoch where AFA is 1.5 points off PEPITA fails it."""
    epochs = np.arange(1, 6)
    pepita = 0.9 + 0.01 * epochs
    afa = pepita.copy()
    afa[2] += afa_offset
    df = pd.DataFrame({"method": ["pepita"] * 5 + ["afa"] * 5, "epoch": np.r_[epochs, epochs],
                       "test_acc": np.r_[pepita, afa]})
    s8 = evaluate({"srinivasan2024_fig2a": df}, "ci").set_index("claim").loc["S8"]
    assert s8.status == status and f"{100 * afa_offset:.2f} points" in s8.our_value
