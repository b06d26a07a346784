"""Initial conditions of teacher–student runs: teacher, student and feedback weights.

Refinetti et al. 2021 (Sec. 1, Figs. 2–4, 10): teacher first layer W̃1 with i.i.d. N(0, 1) entries,
student weights with i.i.d. N(0, σ0²) entries (or exactly zero), DFA feedback vector F1 with i.i.d.
N(0, 1) entries unless a figure fixes its signs or direction. Srinivasan et al. 2024 (App. E): the
PEPITA/AFA input feedback F has i.i.d. N(0, σ_F²) entries in units where x_mod = x − F e/√N, plus
optionally c Σ_m W̃1^m, which sets the teacher–feedback overlap f̃_m = W̃1^m·F/N ≈ c that App. E.1
identifies as what ends the plateau (Eq. 29).
"""
from __future__ import annotations

import numpy as np

from .runs import RunSpec
from .simulation import InitialState, rule_codes


def _feedback_vector(spec: RunSpec, teacher_w2: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    K = spec.K
    kind = spec.feedback
    if kind == "normal":
        return rng.standard_normal(K)
    if kind == "orthogonal":
        v = rng.standard_normal(K)
        if K == teacher_w2.size:
            v -= (v @ teacher_w2) / (teacher_w2 @ teacher_w2) * teacher_w2
        else:
            raise ValueError("feedback 'orthogonal' needs K == M (F1 ⟂ W̃2 in the same space)")
        return v / np.linalg.norm(v) * np.sqrt(K)
    if kind.startswith("positive:"):
        n_pos = int(kind.split(":", 1)[1])
        if not 0 <= n_pos <= K:
            raise ValueError(f"feedback {kind!r}: the number of positive entries must lie in [0, K={K}]")
        mags = np.abs(rng.standard_normal(K))
        signs = np.where(np.arange(K) < n_pos, 1.0, -1.0)
        return mags * rng.permutation(signs)
    raise ValueError(f"unknown feedback kind {kind!r}; use 'normal', 'orthogonal' or 'positive:<n>'")


def make_initial_state(specs: list[RunSpec], M: int, N: int) -> InitialState:
    """Draw the initial weights of every run from its own seed; pad students to the largest K."""
    K_max = max(s.K for s in specs)
    B = len(specs)
    W1 = np.zeros((B, K_max, N))
    W2 = np.zeros((B, K_max))
    tW1 = np.empty((B, M, N))
    tW2 = np.empty((B, M))
    F = np.empty((B, N))
    F1 = np.zeros((B, K_max))
    mask = np.zeros((B, K_max))
    for b, s in enumerate(specs):
        # one independent stream per component, so that e.g. F1 and W2 do not depend on N
        teacher, student, first, feedback, input_feedback = (
            np.random.default_rng([s.seed, component]) for component in range(5))
        tW1[b] = teacher.standard_normal((M, N))
        if s.teacher_w2 == "ones":
            tW2[b] = 1.0
        elif s.teacher_w2 == "normal":
            tW2[b] = teacher.standard_normal(M)
        else:
            raise ValueError(f"unknown teacher_w2 {s.teacher_w2!r}; use 'ones' or 'normal'")
        if s.init == "normal":
            std1 = s.sigma0 if s.first_layer_std is None else s.first_layer_std
            W1[b, :s.K] = std1 * first.standard_normal((s.K, N))
            W2[b, :s.K] = s.sigma0 * student.standard_normal(s.K)
        elif s.init != "zero":
            raise ValueError(f"unknown init {s.init!r}; use 'normal' or 'zero'")
        F[b] = s.input_feedback_std * input_feedback.standard_normal(N) + s.input_feedback_teacher_overlap * tW1[b].sum(0)
        F1[b, :s.K] = _feedback_vector(s, tW2[b], feedback)
        mask[b, :s.K] = 1.0
    return InitialState(W1, W2, tW1, tW2, F, F1, rule_codes([s.rule for s in specs]),
                        np.array([s.eta for s in specs], float), mask)
