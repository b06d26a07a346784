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

from ..progress import ProgressBar
from .activations import get_activation
from .ode import generalisation_error
from .runs import SHARD_SIZE

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


def _rule_update(act, masks, u, C, v, F1, node_mask, K, M, any_pepita):
    """The per-step quantities every rule needs, from the projections u = (λ, ν, ρ) of x.

    ``v`` = (W2, −W̃2), so that the error is e = Σ_j v_j g(u_j). Returns (c, a, e, h): the W1 update
    is W1^k −= (η/√N) c_k x' with x' = x − a F/√N, the W2 update is W2 −= (η/N) e h.
    BP: c = W2 g'(λ) e; DFA: c = F1 g'(λ) e; AFA: c = f g'(λ) e with f = W1F/N;
    PEPITA: c = g(λ) − g(λ_mod), a = e, h = g(λ_mod) (Srinivasan Eqs. 2–5) — the deep rule of
    :mod:`fa_repro.rules.pepita` (ΔW_1 = (h_1 − h_1ᵉʳʳ)(x − Fe)ᵀ, ΔW_L = e(h_{L−1}ᵉʳʳ)ᵀ) written for one hidden
    layer in the projected coordinates; AFA is :mod:`fa_repro.rules.afa` likewise.
    ``masks`` holds one (B, 1) indicator per rule."""
    lam = u[:, :K]
    f = C[:, :K, K + M]
    g = act.g(u[:, :K + M])
    g_lam = g[:, :K] * node_mask
    e = np.einsum("bj,bj->b", v, g)
    W2 = v[:, :K]
    phi = masks[_BP] * W2 + masks[_DFA] * F1 + masks[_AFA] * f
    c = phi * act.dg(lam) * (e[:, None] * node_mask)
    if not any_pepita:
        return c, None, e, g_lam
    pepita = masks[_PEPITA]
    a = pepita[:, 0] * e
    g_mod = act.g(lam - a[:, None] * f) * node_mask
    c = c + pepita * (g_lam - g_mod)
    return c, a, e, g_mod


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
             backend: str = "projected", progress: bool = True,
             shard_size: int = SHARD_SIZE, workers: int = 1) -> dict:
    """Run online SGD for every run of ``state`` and record the order parameters at
    ``record_steps`` (integer step counts, increasing, starting at 0).

    The runs are split into shards of at most ``shard_size`` runs, each with its own random stream
    derived from ``seed`` and its index, so the result does not depend on ``workers`` (the number of
    processes the shards are spread over).

    Returns a dict with ``t`` (T,), ``Q`` (T,B,K,K), ``R`` (T,B,K,M), ``W2`` (T,B,K), ``f`` (T,B,K)
    and ``eg`` (T,B)."""
    if backend not in ("projected", "full"):
        raise ValueError(f"unknown simulation backend {backend!r}; use 'projected' or 'full'")
    B = state.W1.shape[0]
    bounds = [(i, min(i + shard_size, B)) for i in range(0, B, shard_size)]
    jobs = [(_shard(state, lo, hi), activation, np.asarray(record_steps, dtype=np.int64),
             np.random.SeedSequence([seed, k]), backend, progress and k == 0) for k, (lo, hi) in enumerate(bounds)]
    if workers > 1 and len(jobs) > 1:
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(max_workers=min(workers, len(jobs))) as pool:
            parts = list(pool.map(_simulate_shard, *zip(*jobs)))
    else:
        parts = [_simulate_shard(*job) for job in jobs]
    out = {key: np.concatenate([p[key] for p in parts], axis=1) for key in ("Q", "R", "W2", "f", "eg")}
    out["t"] = np.asarray(record_steps) / state.N
    return out


def _shard(state: InitialState, lo: int, hi: int) -> InitialState:
    return InitialState(*(getattr(state, f)[lo:hi] for f in InitialState.__dataclass_fields__))


class _ProjectedSampler:
    """Draws u = (λ, ν, ρ) ~ N(0, C) and |x|² for the projected backend.

    Keeps a factor L (B, d, m) with L Lᵀ = C whose m columns are the coordinates of the rows in an
    orthonormal basis of their span: u = L ξ with ξ ~ N(0, I_m) the input's coordinates in that
    basis, and |x|² = |ξ|² + χ²_{N−m} (the rest of the input). Each step the rows move by q x'ᵀ,
    which adds one basis direction (the part of x' outside the span, of squared norm that χ²) and
    one column; after ``extra`` steps L is refactorised as chol(C), a mere rotation of the basis,
    so no factorisation is needed on the other steps."""

    def __init__(self, C: np.ndarray, N: int, rng: np.random.Generator, extra: int):
        self.B, self.d, _ = C.shape
        self.N, self.rng = N, rng
        self.width = self.d + extra
        self.jitter = _JITTER * np.eye(self.d)
        self.L = np.zeros((self.B, self.d, self.width))
        self.refactor(C)

    def refactor(self, C: np.ndarray) -> None:
        self.L[:] = 0.0
        self.L[:, :, :self.d] = _factor(C, self.jitter)
        self.m = self.d

    def draw(self, C: np.ndarray):
        if self.m == self.width or self.m >= self.N:
            self.refactor(C)
        m = self.m
        self.xi = self.rng.standard_normal((self.B, m))
        self.rest2 = self.rng.chisquare(self.N - m, size=self.B) if self.N > m else np.zeros(self.B)
        u = np.einsum("bij,bj->bi", self.L[:, :, :m], self.xi)
        xx = (np.einsum("bj,bj->b", self.xi, self.xi) + self.rest2) / self.N
        return u, xx

    def move(self, q: np.ndarray, a: np.ndarray | None, K: int) -> None:
        """Rows change by N^{-1/2}·(q x'ᵀ) with x' = x − a F/√N (F is the last row; a = None: x' = x)."""
        m = self.m
        xi_mod = self.xi if a is None else self.xi - a[:, None] * self.L[:, -1, :m]
        self.L[:, :K, :m] += q[:, :K, None] * xi_mod[:, None, :]
        self.L[:, :K, m] = q[:, :K] * np.sqrt(self.rest2)[:, None]
        self.m = m + 1


def _simulate_shard(state: InitialState, activation: str, record_steps: np.ndarray, seed_seq,
                    backend: str, progress: bool) -> dict:
    act = get_activation(activation)
    rng = np.random.default_rng(seed_seq)
    B, K, N = state.W1.shape
    M = state.teacher_W2.shape[-1]
    d = K + M + 1
    eta = state.eta
    masks = [(state.rule == r).astype(float)[:, None] for r in range(len(RULES))]
    any_pepita = bool(np.any(state.rule == _PEPITA))
    W2 = state.W2 * state.node_mask
    C = state.gram()
    W1 = state.W1.copy() if backend == "full" else None
    Fvec, A_teacher = state.F, state.teacher_W1
    sampler = _ProjectedSampler(C, N, rng, extra=d) if backend == "projected" else None
    records = {k: [] for k in ("Q", "R", "W2", "f", "eg")}

    def record(C, W2):
        records["Q"].append(C[:, :K, :K].copy())
        records["R"].append(C[:, :K, K:K + M].copy())
        records["W2"].append(W2.copy())
        records["f"].append(C[:, :K, K + M].copy())
        records["eg"].append(generalisation_error(activation, C, W2, state.teacher_W2))

    total = int(record_steps[-1])
    next_rec = 0
    while next_rec < len(record_steps) and record_steps[next_rec] == 0:
        record(C, W2)
        next_rec += 1
    sqrt_n = np.sqrt(N)
    q = np.zeros((B, d))
    v = np.concatenate([W2, -state.teacher_W2], 1)  # e = Σ_j v_j g(u_j)
    minus_eta_over_n = (-eta / N)[:, None]
    bar = ProgressBar(total=total, disable=not progress, unit="step", mininterval=2.0, desc=f"simulate B={B} N={N}")
    for step in range(1, total + 1):
        if backend == "projected":
            u, xx = sampler.draw(C)
        else:
            x = rng.standard_normal((B, N))
            A = np.concatenate([W1, A_teacher, Fvec[:, None, :]], 1)
            u = np.einsum("bin,bn->bi", A, x) / sqrt_n
            xx = np.einsum("bn,bn->b", x, x) / N
        v[:, :K] = W2
        c, a, e, h = _rule_update(act, masks, u, C, v, state.F1, state.node_mask, K, M, any_pepita)
        if a is None:  # no PEPITA run: x' = x
            u_mod, xx_mod = u, xx
        else:
            u_mod = u - a[:, None] * C[:, :, K + M]  # projections of x' = x − a F/√N
            xx_mod = xx - (2.0 * a * u[:, K + M] - a * a * C[:, K + M, K + M]) / N
        # rows move by δA = p x'ᵀ with p = −(η/√N)(c, 0, 0): C += (p x'ᵀAᵀ + A x' pᵀ + |x'|² p pᵀ)/N
        #   = q wᵀ + w qᵀ with q = −(η/N)(c, 0, 0) and w = u' + (N |x'|²/2) q
        q[:, :K] = minus_eta_over_n * c
        w = u_mod + (0.5 * N * xx_mod)[:, None] * q
        outer = q[:, :, None] * w[:, None, :]
        C += outer
        C += np.swapaxes(outer, -1, -2)
        W2 = W2 + minus_eta_over_n * (e[:, None] * h)
        if backend == "full":
            x_mod = x if a is None else x - (a / sqrt_n)[:, None] * Fvec
            W1 -= (eta / sqrt_n)[:, None, None] * c[:, :, None] * x_mod[:, None, :]
        else:
            sampler.move(q, a, K)
        while next_rec < len(record_steps) and record_steps[next_rec] == step:
            if backend == "full":  # recompute the Gram matrix from the vectors themselves
                C = gram(W1, A_teacher, Fvec)
            record(C, W2)
            next_rec += 1
        if step % 4096 == 0:
            bar.update(4096)
    bar.close()
    return {k: np.stack(v) for k, v in records.items()}
