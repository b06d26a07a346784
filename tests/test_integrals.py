"""Every Gaussian average of the ODEs against Monte Carlo (2·10^6 samples, within 5 standard errors), and the
Gauss–Hermite rule of the PEPITA ODE against closed forms."""
import numpy as np
import pytest

from fa_repro.teacher_student.activations import get_activation
from fa_repro.teacher_student.integrals import GaussHermite, expect2, expect3, expect4, expect_dgg

N_SAMPLES = 2_000_000


def _covariances():
    rng = np.random.default_rng(7)
    out = []
    for n, jitter in ((5, 0.3), (5, 0.02)):  # well conditioned, and strongly correlated
        A = rng.standard_normal((n, n))
        out.append(A @ A.T / n + jitter * np.eye(n))
    return out


IDX2 = np.array([(0, 1), (2, 2), (3, 4), (1, 1)])
IDX3 = np.array([(0, 1, 2), (0, 0, 0), (0, 1, 0), (1, 0, 2), (2, 3, 2), (0, 4, 1), (3, 3, 1)])
IDX4 = np.array([(0, 1, 2, 3), (0, 0, 0, 0), (0, 1, 0, 1), (0, 0, 2, 3), (1, 2, 3, 4), (0, 1, 2, 2),
                 (3, 1, 2, 3), (4, 4, 4, 1)])


@pytest.fixture(scope="module", params=range(2))
def samples(request):
    C = _covariances()[request.param]
    z = np.random.default_rng(11 + request.param).multivariate_normal(np.zeros(len(C)), C, size=N_SAMPLES)
    return C, z


def _check(theory, values):
    mc = values.mean(0)
    se = values.std(0) / np.sqrt(values.shape[0])
    assert np.all(np.abs(theory - mc) < 5 * se + 1e-12), (theory, mc, se)


@pytest.mark.parametrize("activation", ["erf", "relu", "linear"])
def test_integrals_match_monte_carlo(samples, activation):
    C, z = samples
    act = get_activation(activation)
    g, dg = act.g(z), act.dg(z)
    _check(expect2(activation, C[None], IDX2)[0], np.stack([g[:, a] * g[:, b] for a, b in IDX2], 1))
    _check(expect3(activation, C[None], IDX3)[0], np.stack([dg[:, a] * z[:, b] * g[:, c] for a, b, c in IDX3], 1))
    _check(expect4(activation, C[None], IDX4)[0],
           np.stack([dg[:, a] * dg[:, b] * g[:, c] * g[:, d] for a, b, c, d in IDX4], 1))
    _check(expect_dgg(activation, C[None], IDX3)[0], np.stack([dg[:, a] * g[:, b] * g[:, c] for a, b, c in IDX3], 1))


def test_gauss_hermite_rule_against_closed_forms():
    """Second moments exactly (also for a singular covariance: a student equal to a teacher node), and the erf
    averages I3, J3 to 1e-3 with 20 points in four dimensions."""
    C = _covariances()[1][:4, :4]
    P = np.eye(4)
    P[3] = P[0]
    singular = P @ C @ P.T  # x_3 = x_0
    rule = GaussHermite(4, 20)
    for cov in (C, singular):
        x = rule.nodes(cov[None])
        np.testing.assert_allclose(rule.mean(x[..., :, None] * x[..., None, :])[0], cov, atol=1e-12)
        act = get_activation("erf")
        g, dg = act.g(x[0]), act.dg(x[0])
        for (a, b, c) in IDX3[IDX3.max(1) < 4]:
            np.testing.assert_allclose(rule.mean((dg[:, a] * x[0, :, b] * g[:, c])[None]),
                                       expect3("erf", cov[None], np.array([(a, b, c)]))[:, 0], rtol=1e-3, atol=1e-6)
            np.testing.assert_allclose(rule.mean((dg[:, a] * g[:, b] * g[:, c])[None]),
                                       expect_dgg("erf", cov[None], np.array([(a, b, c)]))[:, 0], rtol=1e-3, atol=1e-6)
    with pytest.raises(ValueError, match="use fewer points"):
        GaussHermite(6, 20)


def test_relu_orthant_probability_of_four_variables():
    """The 4-variate orthant probability (Plackett's integral) against the exact value for
    equicorrelated variables, P = 1/16 + 3 asin(r)/(4π) + 3 asin(r)²/(2π²)... checked by MC here."""
    from fa_repro.teacher_student.integrals import _orthant

    rng = np.random.default_rng(3)
    A = rng.standard_normal((4, 4))
    C = A @ A.T + 0.1 * np.eye(4)
    z = rng.multivariate_normal(np.zeros(4), C, size=N_SAMPLES)
    hits = np.all(z > 0, axis=1).astype(float)
    _check(_orthant(C[None], (0, 1, 2, 3)), hits[:, None])
    # the independent case is exact
    assert _orthant(np.eye(4)[None], (0, 1, 2, 3))[0] == pytest.approx(1 / 16, abs=1e-12)
