"""Figure-level theory against the papers' statements."""
import numpy as np
import pytest
import pandas as pd

from fa_repro.figures._teacher_student import cosine, degenerate_images
from fa_repro.figures.refinetti2021_fig4_plearn import p_learn, p_printed_eq8, table


def test_p_learn_counts_sign_patterns():
    """Recovery needs ≥ M positive entries among K symmetric i.i.d. ones (Refinetti Sec. 1.2)."""
    rng = np.random.default_rng(0)
    for K, M in ((2, 2), (3, 2), (5, 2), (8, 3)):
        signs = rng.standard_normal((200_000, K)) > 0
        assert abs(p_learn(K, M) - np.mean(signs.sum(1) >= M)) < 0.005
    assert p_learn(2, 2) == 0.25 and p_learn(3, 2) == 0.5
    assert p_printed_eq8(2, 2) == 1.0  # the printed Eq. 8 cannot be right for K = M


def test_plearn_table_counts_final_errors():
    sim = pd.DataFrame({"run_id": [0, 0, 1, 1, 2, 2], "t": [0, 9, 0, 9, 0, 9], "K": 3, "M": 2, "N": 50,
                        "eg": [0.5, 1e-6, 0.5, 0.2, 0.5, 1e-5]})
    out = table({"sim": sim}, {"learned_threshold": 1e-3})
    assert out.n_runs.tolist() == [3] and out.n_learned.tolist() == [2] and out.p_theory.tolist() == [0.5]


def test_degenerate_images_of_erf_teacher():
    images = degenerate_images(np.array([1.0, 1.0]))
    assert {tuple(i) for i in images} == {(1, 1), (1, -1), (-1, 1), (-1, -1)}
    assert cosine(np.array([[1.0, 0.0]]), np.array([[0.0, 2.0]]))[0] == 0.0


def test_half_error_time_and_log_gap_of_curves():
    """The end of a plateau and the distance between two learning curves (Srinivasan leaves, claims S1, S7):
    eg = e^{−t/τ} halves at t = τ ln 2 (interpolated between recorded times); a curve against itself on another
    time grid is at distance ≈ 0, against a copy scaled by 1.1 at ln 1.1."""
    from fa_repro.figures._teacher_student import half_error_time, log_eg_gap

    t = np.geomspace(1e-2, 1e3, 60)
    eg = np.exp(-t / 50.0)
    assert abs(half_error_time(t, eg) - 50 * np.log(2)) < 0.5
    assert half_error_time(t, np.ones_like(t)) == np.inf
    fine = np.geomspace(1e-2, 1e3, 400)
    gap = log_eg_gap(t, 1.1 * np.exp(-t / 500.0), fine, np.exp(-fine / 500.0))
    np.testing.assert_allclose(gap, np.log(1.1), atol=1e-3)
    assert np.max(log_eg_gap(np.concatenate([[0.0], t]), np.concatenate([[1.0], eg]), fine,
                             np.exp(-fine / 50.0))) < 0.05


@pytest.mark.parametrize("k,n", [(0, 16), (8, 16), (16, 16), (34, 50), (1, 50)])
def test_plearn_interval_is_scipys_wilson_interval(k, n):
    """Fig. 4 inset's error bars: the 95 % Wilson interval, as scipy computes it independently."""
    from scipy.stats import binomtest

    from fa_repro.figures.refinetti2021_fig4_plearn import wilson_interval

    ci = binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
    assert wilson_interval(k, n) == pytest.approx((ci.low, ci.high), abs=1e-6)
