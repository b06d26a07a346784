"""Batched online SGD of two-layer students learning from a two-layer teacher.

Every step draws one fresh input x ~ N(0, I_N) per run and applies one of the learning rules
(Refinetti et al. 2021 Eq. 4 for BP/DFA; Srinivasan et al. 2024 Eqs. 2–5 for PEPITA and Eq. 11 for
AFA) with η_W1 = η and η_W2 = η/N. Many runs (seeds, feedback vectors, initialisations, rules) advance
together as one batched computation.

Two exact backends share the initial weights and the update rule (:func:`_rule_update`):

* ``full`` keeps the N-dimensional weight vectors and inputs (cost ∝ B·K·N per step);
* ``projected`` (default) advances the Gram matrix C of the rows {W1^k, W̃1^m, F} instead. Because
  x is isotropic and fresh, the projections u = (λ, ν, ρ) of x on those rows are exactly
  N(0, C), and |x|² = |ξ|² + χ²_{N−d}. All updates of C depend on x only
  through u and |x|², so this is the same stochastic process at finite N — not a large-N
  approximation — at a cost independent of N. u is drawn as L ξ with C = L Lᵀ (Cholesky), where ξ
  are the coordinates of x in an orthonormal basis of the rows' span. The test-suite checks that both
  backends agree.

Recorded on a time grid (t = steps/N): the order parameters and the exact generalisation error.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from tqdm.auto import tqdm

from .activations import get_activation
from .ode import generalisation_error

RULES = ("bp", "dfa", "afa", "pepita")
_BP, _DFA, _AFA, _PEPITA = range(4)


@dataclass
class InitialState:
    """N-dimensional initial weights of B runs (padded to a common K with ``node_mask``)."""

    W1: np.ndarray  # (B, K, N)
    W2: np.ndarray  # (B, K)
    teacher_W1: np.ndarray  # (B, M, N)
    teacher_W2: np.ndarray  # (B, M)
    F: np.ndarray  # (B, N): PEPITA/AFA input feedback (x_mod = x − F e/√N)
    F1: np.ndarray  # (B, K): DFA feedback vector
    rule: np.ndarray  # (B,) ints indexing RULES
    eta: np.ndarray  # (B,)
    node_mask: np.ndarray  # (B, K) 1 for existing student nodes

    @property
    def N(self) -> int:
        return self.W1.shape[-1]

    def gram(self) -> np.ndarray:
        """C = A Aᵀ / N for the rows A = (W1, W̃1, F): shape (B, K+M+1, K+M+1)."""
        return gram(self.W1, self.teacher_W1, self.F)


def gram(W1: np.ndarray, teacher_W1: np.ndarray, F: np.ndarray) -> np.ndarray:
    """Overlaps C = A Aᵀ / N of the rows A = (W1, W̃1, F) of each run."""
    A = np.concatenate([W1, teacher_W1, F[:, None, :]], 1)
    return A @ np.swapaxes(A, -1, -2) / A.shape[-1]


def rule_codes(names) -> np.ndarray:
    """Map rule names to the integer codes used in the batched update."""
    unknown = set(names) - set(RULES)
    if unknown:
        raise ValueError(f"unknown learning rule(s) {sorted(unknown)}; choose from {RULES}")
    return np.array([RULES.index(n) for n in names])


def _rule_update(act, rule, u, C, W2, teacher_W2, F1, node_mask, K, M):
    """The per-step quantities every rule needs, from the projections u = (λ, ν, ρ) of x.

    Returns (c, a, e, h): the W1 update is W1^k −= (η/√N) c_k x' with x' = x − a F/√N, the W2 update
    is W2 −= (η/N) e h. BP: c = W2 g'(λ) e; DFA: c = F1 g'(λ) e; AFA: c = f g'(λ) e with
    f = W1F/N; PEPITA: c = g(λ) − g(λ_mod), a = e, h = g(λ_mod) (Srinivasan Eqs. 2–5)."""
    lam, nu = u[:, :K], u[:, K:K + M]
    f = C[:, :K, K + M]
    e = np.sum(W2 * act.g(lam) * node_mask, -1) - np.sum(teacher_W2 * act.g(nu), -1)
    phi = np.where((rule == _BP)[:, None], W2, np.where((rule == _DFA)[:, None], F1, f))
    c = phi * act.dg(lam) * e[:, None]
    pepita = rule == _PEPITA
    a = np.where(pepita, e, 0.0)
    lam_mod = lam - a[:, None] * f
    c = np.where(pepita[:, None], act.g(lam) - act.g(lam_mod), c) * node_mask
    h = act.g(lam_mod) * node_mask
    return c, a, e, h


_JITTER = 1e-10


def _factor(C: np.ndarray, jitter: np.ndarray) -> np.ndarray:
    """A square factor L with L Lᵀ = C for every run.

    Cholesky with a relative jitter of 1e-10 on the diagonal, which keeps it defined while rows are
    exactly degenerate (zero or padded students); where a student has converged onto a teacher
    node, C is singular up to rounding and may be indefinite by ~1e-12: then the factor V√S from
    the eigendecomposition with negative eigenvalues clipped to zero is used instead."""
    scale = C.diagonal(0, 1, 2).max(-1) + 1e-300
    try:
        return np.linalg.cholesky(C + jitter * scale[:, None, None])
    except np.linalg.LinAlgError:
        evals, evecs = np.linalg.eigh(C)
        return evecs * np.sqrt(np.maximum(evals, 0.0))[:, None, :]


def time_grid(t_max: float, n_points: int, N: int) -> np.ndarray:
    """Log-spaced recording times in units of N steps (plus t = 0), rounded to whole steps."""
    steps = np.unique(np.round(np.geomspace(1.0, t_max * N, n_points)).astype(np.int64))
    return np.concatenate([[0], steps])


def simulate(state: InitialState, activation: str, record_steps: np.ndarray, seed: int,
             backend: str = "projected", chunk: int = 2048, progress: bool = True) -> dict:
    """Run online SGD for every run of ``state`` and record the order parameters at
    ``record_steps`` (integer step counts, increasing, starting at 0).

    Returns a dict with ``t`` (T,), ``Q`` (T,B,K,K), ``R`` (T,B,K,M), ``W2`` (T,B,K), ``f`` (T,B,K)
    and ``eg`` (T,B)."""
    if backend not in ("projected", "full"):
        raise ValueError(f"unknown simulation backend {backend!r}; use 'projected' or 'full'")
    act = get_activation(activation)
    rng = np.random.default_rng(seed)
    B, K, N = state.W1.shape
    M = state.teacher_W2.shape[-1]
    d = K + M + 1
    eta = state.eta
    W2 = state.W2 * state.node_mask
    C = state.gram()
    W1 = state.W1.copy() if backend == "full" else None
    Fvec = state.F
    A_teacher = state.teacher_W1
    records = {k: [] for k in ("Q", "R", "W2", "f", "eg")}

    def record(C, W2):
        records["Q"].append(C[:, :K, :K].copy())
        records["R"].append(C[:, :K, K:K + M].copy())
        records["W2"].append(W2.copy())
        records["f"].append(C[:, :K, K + M].copy())
        records["eg"].append(generalisation_error(activation, C, W2, state.teacher_W2))

    record_steps = np.asarray(record_steps, dtype=np.int64)
    total = int(record_steps[-1])
    next_rec = 1 if record_steps[0] == 0 else 0
    if record_steps[0] == 0:
        record(C, W2)
    sqrt_n = np.sqrt(N)
    jitter = _JITTER * np.eye(d)
    q = np.zeros((B, d))
    bar = tqdm(total=total, disable=not progress, unit="step", mininterval=2.0, desc=f"simulate B={B} N={N}")
    step = 0
    while step < total:
        n = min(chunk, total - step)
        if backend == "projected":
            xi_chunk = rng.standard_normal((n, B, d))
            chi_chunk = rng.chisquare(N - d, size=(n, B)) if N > d else np.zeros((n, B))
        else:
            x_chunk = rng.standard_normal((n, B, N))
        for s in range(n):
            if backend == "projected":
                L = _factor(C, jitter)
                xi = xi_chunk[s]
                u = (L @ xi[:, :, None])[:, :, 0]
                xx = (np.sum(xi * xi, -1) + chi_chunk[s]) / N
            else:
                x = x_chunk[s]
                A = np.concatenate([W1, A_teacher, Fvec[:, None, :]], 1)
                u = np.einsum("bin,bn->bi", A, x) / sqrt_n
                xx = np.einsum("bn,bn->b", x, x) / N
            c, a, e, h = _rule_update(act, state.rule, u, C, W2, state.teacher_W2, state.F1,
                                      state.node_mask, K, M)
            u_mod = u - a[:, None] * C[:, :, K + M]  # projections of x' = x − a F/√N
            xx_mod = xx - (2.0 * a * u[:, K + M] - a * a * C[:, K + M, K + M]) / N
            # rows move by δA = p x'ᵀ with p = −(η/√N)(c, 0, 0): C += (p x'ᵀAᵀ + A x' pᵀ + |x'|² p pᵀ)/N
            #   = q wᵀ + w qᵀ with q = −(η/N)(c, 0, 0) and w = u' + (N |x'|²/2N) q
            q[:, :K] = (-eta / N)[:, None] * c
            w = u_mod + (0.5 * N * xx_mod)[:, None] * q
            outer = q[:, :, None] * w[:, None, :]
            C += outer + np.swapaxes(outer, -1, -2)
            W2 = W2 - (eta / N)[:, None] * e[:, None] * h
            if backend == "full":
                x_mod = x - (a / sqrt_n)[:, None] * Fvec
                W1 -= (eta / sqrt_n)[:, None, None] * c[:, :, None] * x_mod[:, None, :]
            step += 1
            while next_rec < len(record_steps) and record_steps[next_rec] == step:
                if backend == "full":  # recompute the Gram matrix from the vectors themselves
                    C = gram(W1, A_teacher, Fvec)
                record(C, W2)
                next_rec += 1
        bar.update(n)
    bar.close()
    out = {k: np.stack(v) for k, v in records.items()}
    out["t"] = record_steps / N
    return out
