"""The batched online-SGD simulator: determinism, agreement of the exact projected chain with
the N-dimensional simulation, and the learning rules' per-step updates."""
import numpy as np
import pytest

from fa_repro.teacher_student.activations import get_activation
from fa_repro.teacher_student.initial import RunSpec, make_initial_state
from fa_repro.teacher_student.simulation import _rule_update, rule_codes, simulate, time_grid


def _state(rule, B=4, N=80, **kw):
    spec = RunSpec(rule=rule, seed=3, K=2, eta=0.5, activation="erf", sigma0=0.5, first_layer_std=1.0,
                   teacher_w2="normal", **kw)
    return make_initial_state([spec] * B, M=2, N=N)


def test_simulation_is_deterministic_for_a_seed():
    """Same seed, same result, also when the shards run in parallel processes."""
    steps = time_grid(2.0, 10, 80)
    a = simulate(_state("dfa", B=6), "erf", steps, seed=9, progress=False, shard_size=4)
    b = simulate(_state("dfa", B=6), "erf", steps, seed=9, progress=False, shard_size=4, workers=2)
    c = simulate(_state("dfa", B=6), "erf", steps, seed=10, progress=False, shard_size=4)
    for key in ("eg", "Q", "R", "W2", "f"):
        np.testing.assert_array_equal(a[key], b[key])
    assert not np.allclose(a["eg"][-1], c["eg"][-1])


@pytest.mark.parametrize("rule", ["bp", "pepita"])
def test_projected_chain_matches_full_simulation(rule):
    """Same initial weights, 48 independent runs each: the exact low-dimensional chain and the
    N-dimensional simulation agree in the mean of eg and of the order parameters (4 standard errors)."""
    N, B = 60, 48
    steps = time_grid(4.0, 6, N)
    full = simulate(_state(rule, B, N), "erf", steps, seed=1, backend="full", progress=False)
    proj = simulate(_state(rule, B, N), "erf", steps, seed=2, backend="projected", progress=False)
    assert full["eg"][-1].mean() < 0.9 * full["eg"][0].mean()
    for key in ("eg", "Q", "R", "W2"):
        a, b = full[key][-1], proj[key][-1]
        se = np.sqrt(a.var(0) / B + b.var(0) / B) + 1e-9
        assert np.all(np.abs(a.mean(0) - b.mean(0)) < 4 * se), key


def test_full_backend_keeps_exact_overlaps():
    """The order parameters the full backend records are those of its actual weight vectors at
    every recorded step (incremental updates of C agree with recomputation)."""
    steps = np.arange(0, 30)
    out = simulate(_state("afa", 2, 40), "erf", steps, seed=4, backend="full", progress=False)
    assert np.all(np.isfinite(out["Q"])) and out["Q"].shape == (30, 2, 2, 2)
    np.testing.assert_allclose(out["Q"], np.swapaxes(out["Q"], -1, -2), atol=1e-12)


def _update(rule, f_scale, rng):
    B, K, M = 5, 3, 2
    act = get_activation("erf")
    d = K + M + 1
    A = rng.standard_normal((B, d, 50))
    C = A @ np.swapaxes(A, -1, -2) / 50
    C[:, :K, K + M] *= f_scale
    C[:, K + M, :K] *= f_scale
    u = np.einsum("bij,bj->bi", np.linalg.cholesky(C), rng.standard_normal((B, d)))
    W2, tW2, F1 = rng.standard_normal((B, K)), rng.standard_normal((B, M)), rng.standard_normal((B, K))
    codes = rule_codes([rule] * B)
    masks = [(codes == r).astype(float)[:, None] for r in range(4)]
    v = np.concatenate([W2, -tW2], 1)
    return _rule_update(act, masks, u, C, v, F1, np.ones((B, K)), K, M, rule == "pepita"), (C, W2, F1, u)


def test_pepita_update_tends_to_afa_for_small_feedback():
    """Srinivasan Eq. 11: g(λ) − g(λ − e f) = f g'(λ) e + O(f²): PEPITA's W1 update approaches
    AFA's as the adaptive feedback f = W1F/N shrinks."""
    errors = []
    for f_scale in (1e-1, 1e-2, 1e-3):
        (c_pep, *_), _ = _update("pepita", f_scale, np.random.default_rng(0))
        (c_afa, *_), _ = _update("afa", f_scale, np.random.default_rng(0))
        errors.append(np.max(np.abs(c_pep - c_afa)) / np.max(np.abs(c_afa)))
    assert errors[2] < 2e-3 and errors[2] < errors[1] < errors[0]


def test_rule_updates_use_the_right_feedback():
    """BP propagates the error through W2, DFA through F1, AFA through f = C[:K, ρ]."""
    act = get_activation("erf")
    for rule in ("bp", "dfa", "afa"):
        (c, a, e, h), (C, W2, F1, u) = _update(rule, 1.0, np.random.default_rng(1))
        phi = {"bp": W2, "dfa": F1, "afa": C[:, :3, 5]}[rule]
        np.testing.assert_allclose(c, phi * act.dg(u[:, :3]) * e[:, None])
        assert a is None
