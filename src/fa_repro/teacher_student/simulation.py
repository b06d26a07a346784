"""Batched online SGD of two-layer students learning from a two-layer teacher.

Every step draws one fresh input x ~ N(0, I_N) per run and applies one of the learning rules
(Refinetti et al. 2021 Eq. 4 for BP/DFA; Srinivasan et al. 2024 Eqs. 2–5 for PEPITA and Eq. 11 for
AFA) with η_W1 = η and η_W2 = η/N. Many runs (seeds, feedback vectors, initialisations, rules) advance
together as one batched computation.

Two exact backends share the initial weights and the update rule (:func:`_rule_terms`):

* ``full`` keeps the N-dimensional weight vectors and inputs (cost ∝ B·K·N per step);
* ``projected`` (default) advances the Gram matrix C of the rows {W1^k, W̃1^m, F} instead. Because
  x is isotropic and fresh, the projections u = (λ, ν, ρ) of x on those rows are exactly
  N(0, C), and |x|² = |ξ|² + χ²_{N−d}. All updates of C depend on x only
  through u and |x|², so this is the same stochastic process at finite N — not a large-N
  approximation — at a cost independent of N. u is drawn as L ξ with C = L Lᵀ (Cholesky), where ξ
  are the coordinates of x in an orthonormal basis of the rows' span. The test-suite checks that both
  backends agree.

Recorded on a time grid (t = steps/N): the order parameters and the exact generalisation error.

The per-step arrays keep the run axis last (C is (d, d, B)), so that each element-wise update is one long
contiguous loop over the runs; every quantity is computed with the same floating-point operations in the same
order as when the runs came first, so the results for a seed are unchanged, bit for bit.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from itertools import groupby

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


def _sum_like_einsum(p: np.ndarray) -> np.ndarray:
    """Σ_j p[j] over the first axis, added in the order NumPy's einsum adds a contiguous dot product, so that
    ``_sum_like_einsum(a.T * b.T)`` equals ``np.einsum("bj,bj->b", a, b)`` bit for bit.

    NumPy 2.4's kernel for it (``sum_of_products_contig_contig_outstride0_two``, x86-64 baseline SIMD: two
    float64 lanes, no FMA) keeps two partial sums starting from 0 — one for even j, one for odd j — adds each
    whole block of 8 terms back to front (j = 6, 7, then 4, 5, 2, 3, 0, 1), then the remaining terms two at a
    time, and returns lane 0 + lane 1. The simulator sums this way, with the run axis last, instead of calling
    einsum with the run axis first: its element-wise updates are then long contiguous loops, and its results
    stay bit-identical to those of the earlier einsum-based code (checked for 1–39 terms, zeros of both signs,
    inf and NaN included). On a build whose einsum kernel differs (e.g. with FMA) they would differ in the last
    bits, as einsum's own would. ``np.add.reduce`` over a leading axis adds its slices one after the other,
    from ``initial``, so each run of consecutive pairs takes one call."""
    n = p.shape[0]
    pairs = p[:n - n % 2].reshape((n // 2, 2) + p.shape[1:])  # pairs[k] = terms 2k, 2k+1 (lane 0, lane 1)
    in_blocks = n // 8 * 4  # pairs inside whole blocks of 8 terms
    if in_blocks:
        lanes = np.add.reduce(pairs[3::-1], axis=0, initial=0.0)  # first block, back to front
        for k in [b + i for b in range(4, in_blocks, 4) for i in (3, 2, 1, 0)]:  # further blocks
            lanes += pairs[k]
        for k in range(in_blocks, n // 2):  # the remaining pairs, in order
            lanes += pairs[k]
    else:
        lanes = np.add.reduce(pairs, axis=0, initial=0.0)
    if n % 2:  # the last term goes to lane 0; lane 1 gets a zero
        lanes[0] += p[-1]
    return lanes[0] + lanes[1]


class _Rules:
    """What the learning rules of a batch need besides the state, fixed during a simulation (run axis last)."""

    def __init__(self, masks, F1: np.ndarray, node_mask: np.ndarray, any_pepita: bool):
        """``masks``: one (B,) 0/1 indicator per rule in :data:`RULES`; ``F1``, ``node_mask``: (K, B)."""
        self.bp, self.dfa, self.afa, self.pepita = masks
        self.dfa_feedback = self.dfa * F1  # the DFA term of φ (below), the same every step
        # None where every node exists: multiplying by a mask of ones changes nothing, so it is skipped
        self.node_mask = None if np.all(node_mask == 1.0) else node_mask
        self.any_pepita = any_pepita


def _rule_terms(act, rules: _Rules, u, C, v, K, M):
    """The per-step quantities every rule needs, from the projections u = (λ, ν, ρ) of x; run axis last:
    u (d, B), C (d, d, B), v (K+M, B).

    ``v`` = (W2, −W̃2), so that the error is e = Σ_j v_j g(u_j). Returns (c, a, e, h): the W1 update
    is W1^k −= (η/√N) c_k x' with x' = x − a F/√N, the W2 update is W2 −= (η/N) e h.
    BP: c = W2 g'(λ) e; DFA: c = F1 g'(λ) e; AFA: c = f g'(λ) e with f = W1F/N;
    PEPITA: c = g(λ) − g(λ_mod), a = e, h = g(λ_mod) (Srinivasan Eqs. 2–5) — the deep rule of
    :mod:`fa_repro.rules.pepita` (ΔW_1 = (h_1 − h_1ᵉʳʳ)(x − Fe)ᵀ, ΔW_L = e(h_{L−1}ᵉʳʳ)ᵀ) written for one hidden
    layer in the projected coordinates; AFA is :mod:`fa_repro.rules.afa` likewise.
    Every run computes every rule's term, weighted by its 0/1 rule indicator."""
    mask = rules.node_mask
    lam = u[:K]
    f = C[:K, K + M]
    g = act.g(u[:K + M])
    g_lam = g[:K] if mask is None else g[:K] * mask
    e = _sum_like_einsum(v * g)
    phi = rules.bp * v[:K] + rules.dfa_feedback + rules.afa * f
    c = phi * act.dg(lam)
    c *= e if mask is None else e * mask
    if not rules.any_pepita:
        return c, None, e, g_lam
    a = rules.pepita * e
    g_mod = act.g(lam - a * f)
    if mask is not None:
        g_mod *= mask
    c = c + rules.pepita * (g_lam - g_mod)
    return c, a, e, g_mod


def _rule_update(act, masks, u, C, v, F1, node_mask, K, M, any_pepita):
    """:func:`_rule_terms` with the run axis first: u (B, d), C (B, d, d), v (B, K+M), F1 and node_mask (B, K),
    ``masks`` one (B, 1) indicator per rule; returns c (B, K), a (B,) or None, e (B,), h (B, K)."""
    rules = _Rules([mk[:, 0] for mk in masks], F1.T, node_mask.T, any_pepita)
    c, a, e, h = _rule_terms(act, rules, u.T, np.moveaxis(C, 0, -1), v.T, K, M)
    return c.T, a, e, h.T


_JITTER = 1e-10


def _jittered_cholesky(C: np.ndarray, jitter: np.ndarray) -> np.ndarray:
    """chol(C + jitter · max diag C) (B, d, d) for every run of C (d, d, B) (run axis last); raises
    ``LinAlgError`` if any run's matrix is not positive definite."""
    scale = C.diagonal().max(-1) + 1e-300  # largest diagonal entry of each run
    jittered = jitter[:, :, None] * scale
    jittered += C
    return np.linalg.cholesky(jittered.transpose(2, 0, 1))


def _factor(C: np.ndarray, jitter: np.ndarray) -> np.ndarray:
    """A square factor L (B, d, d) with L Lᵀ = C for every run, from C (d, d, B) (run axis last).

    Cholesky with a relative jitter of 1e-10 on the diagonal, which keeps it defined while rows are
    exactly degenerate (zero or padded students); where a student has converged onto a teacher
    node, C is singular up to rounding and may be indefinite by ~1e-12: then the factor V√S from
    the eigendecomposition with negative eigenvalues clipped to zero is used instead (for all the runs)."""
    try:
        return _jittered_cholesky(C, jitter)
    except np.linalg.LinAlgError:
        evals, evecs = np.linalg.eigh(C.transpose(2, 0, 1))
        return evecs * np.sqrt(np.maximum(evals, 0.0))[:, None, :]


def time_grid(t_max: float, n_points: int, N: int) -> np.ndarray:
    """Log-spaced recording times in units of N steps (plus t = 0), rounded to whole steps."""
    steps = np.unique(np.round(np.geomspace(1.0, t_max * N, n_points)).astype(np.int64))
    return np.concatenate([[0], steps])


MAX_GROUP_RUNS = 1024  # at most this many runs (whole shards) advance together in one process


def simulate(state: InitialState, activation: str, record_steps: np.ndarray, seed: int,
             backend: str = "projected", progress: bool = True,
             shard_size: int = SHARD_SIZE, workers: int = 1) -> dict:
    """Run online SGD for every run of ``state`` and record the order parameters at
    ``record_steps`` (integer step counts, increasing, starting at 0).

    The runs are split into shards of at most ``shard_size`` runs, each with its own random stream
    derived from ``seed`` and its index, so the result does not depend on ``workers`` (the number of
    processes the shards are spread over). Consecutive shards are grouped (at most ``MAX_GROUP_RUNS`` runs,
    at least one group per worker); a group's shards advance together, step by step, each drawing from its
    own stream (and factorised shard by shard where a Cholesky fails), which amortises the per-step cost and
    leaves every shard's result as if it ran alone, bit for bit.

    Returns a dict with ``t`` (T,), ``Q`` (T,B,K,K), ``R`` (T,B,K,M), ``W2`` (T,B,K), ``f`` (T,B,K)
    and ``eg`` (T,B)."""
    if backend not in ("projected", "full"):
        raise ValueError(f"unknown simulation backend {backend!r}; use 'projected' or 'full'")
    B = state.W1.shape[0]
    bounds = [(i, min(i + shard_size, B)) for i in range(0, B, shard_size)]
    seeds = [np.random.SeedSequence([seed, k]) for k in range(len(bounds))]
    n_groups = max(min(workers, len(bounds)), -(-B // max(MAX_GROUP_RUNS, shard_size)))
    # a group computes the PEPITA terms for all its runs or for none, so its shards agree on having PEPITA runs
    has_pepita = [bool(np.any(state.rule[lo:hi] == _PEPITA)) for lo, hi in bounds]
    groups = [list(part) for g in np.array_split(np.arange(len(bounds)), n_groups)
              for _, part in groupby(g, key=lambda k: has_pepita[k])]
    record_steps = np.asarray(record_steps, dtype=np.int64)
    jobs = []
    for n, g in enumerate(groups):
        group = _shard(state, bounds[g[0]][0], bounds[g[-1]][1])
        overlaps = np.concatenate([_shard(state, *bounds[k]).gram() for k in g])
        if backend == "projected":  # the chain needs only the overlaps: the N-dim vectors stay in this process
            group = replace(group, W1=group.W1[..., :0], teacher_W1=group.teacher_W1[..., :0], F=group.F[:, :0])
        jobs.append((group, overlaps, state.N, [hi - lo for lo, hi in (bounds[k] for k in g)], [seeds[k] for k in g],
                     activation, record_steps, backend, progress and n == 0))
    if workers > 1 and len(jobs) > 1:
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(max_workers=min(workers, len(jobs))) as pool:
            parts = list(pool.map(_simulate_group, *zip(*jobs)))
    else:
        parts = [_simulate_group(*job) for job in jobs]
    out = {key: np.concatenate([p[key] for p in parts], axis=1) for key in ("Q", "R", "W2", "f", "eg")}
    out["t"] = np.asarray(record_steps) / state.N
    return out


def _shard(state: InitialState, lo: int, hi: int) -> InitialState:
    return InitialState(*(getattr(state, f)[lo:hi] for f in InitialState.__dataclass_fields__))


class _Streams:
    """The random streams of a group of shards: shard k (runs ``slices[k]``) draws from its own generator,
    with the calls and shapes of a shard simulated alone."""

    def __init__(self, sizes, seed_seqs):
        self.rngs = [np.random.default_rng(s) for s in seed_seqs]
        ends = np.cumsum(sizes)
        self.slices = [slice(end - size, end) for size, end in zip(sizes, ends)]
        self.B = int(ends[-1])

    def standard_normal(self, n: int) -> np.ndarray:
        """(B, n) standard normals: shard k's rows are its generator's ``standard_normal((B_k, n))``."""
        if len(self.rngs) == 1:
            return self.rngs[0].standard_normal((self.B, n))
        out = np.empty((self.B, n))
        for rng, rows in zip(self.rngs, self.slices):
            rng.standard_normal(out=out[rows])
        return out

    def chisquare(self, dof: int) -> np.ndarray:
        """(B,) χ²_dof draws, shard by shard (``chisquare(dof, size=B_k)``)."""
        if len(self.rngs) == 1:
            return self.rngs[0].chisquare(dof, size=self.B)
        return np.concatenate([rng.chisquare(dof, size=rows.stop - rows.start)
                               for rng, rows in zip(self.rngs, self.slices)])


class _ProjectedSampler:
    """Draws u = (λ, ν, ρ) ~ N(0, C) and |x|² for the projected backend.

    Keeps a factor L with L Lᵀ = C whose m columns are the coordinates of the rows in an
    orthonormal basis of their span: u = L ξ with ξ ~ N(0, I_m) the input's coordinates in that
    basis, and |x|² = |ξ|² + χ²_{N−m} (the rest of the input). Each step the rows move by q x'ᵀ,
    which adds one basis direction (the part of x' outside the span, of squared norm that χ²) and
    one column; after ``extra`` steps L is refactorised as chol(C), a mere rotation of the basis,
    so no factorisation is needed on the other steps.

    Layout, run axis last: C (d, d, B) and ``L[j, i, b]`` = coordinate j of row i of run b, shape (d + extra, d, B).
    Rows K… (teachers, F) of the columns past d stay zero (they never move); the students' entries of a column
    are written by :meth:`move` before the column is used."""

    def __init__(self, C: np.ndarray, N: int, streams: _Streams, extra: int):
        self.d = C.shape[0]
        self.N, self.streams = N, streams
        self.width = self.d + extra
        self.jitter = _JITTER * np.eye(self.d)
        self.L = np.zeros((self.width, self.d, streams.B))
        self.refactor(C)

    def refactor(self, C: np.ndarray) -> None:
        try:
            factor = _jittered_cholesky(C, self.jitter)
        except np.linalg.LinAlgError:  # shard by shard, as alone: only a shard whose Cholesky fails uses eigh
            factor = np.concatenate([_factor(C[..., rows], self.jitter) for rows in self.streams.slices])
        self.L[:self.d] = factor.transpose(2, 1, 0)
        self.m = self.d

    def draw(self, C: np.ndarray):
        """u (d, B) and |x|²/N (B,) of this step's input."""
        if self.m == self.width or self.m >= self.N:
            self.refactor(C)
        m = self.m
        xi = self.streams.standard_normal(m)  # (B, m)
        self.rest2 = self.streams.chisquare(self.N - m) if self.N > m else np.zeros(self.streams.B)
        self.xi = np.ascontiguousarray(xi.T)  # (m, B)
        u = _sum_like_einsum(self.L[:m] * self.xi[:, None])  # Σ_j L_ij ξ_j
        xx = np.einsum("bj,bj->b", xi, xi)
        xx += self.rest2
        xx /= self.N
        return u, xx

    def move(self, q: np.ndarray, a: np.ndarray | None, K: int) -> None:
        """Rows change by N^{-1/2}·(q x'ᵀ) with x' = x − a F/√N (F is the last row; a = None: x' = x)."""
        m = self.m
        xi_mod = self.xi if a is None else self.xi - a * self.L[:m, -1]
        self.L[:m, :K] += q[:K] * xi_mod[:, None, :]
        np.multiply(q[:K], np.sqrt(self.rest2), out=self.L[m, :K])
        self.m = m + 1


def _simulate_group(state: InitialState, overlaps: np.ndarray, N: int, sizes: list[int], seed_seqs: list,
                    activation: str, record_steps: np.ndarray, backend: str, progress: bool) -> dict:
    """Simulate consecutive shards (of ``sizes`` runs, with their own seeds) together, run axis last.

    ``overlaps``: the initial Gram matrices (B, d, d); the projected backend's ``state`` has empty N axes."""
    act = get_activation(activation)
    streams = _Streams(sizes, seed_seqs)
    B, K = state.W2.shape
    M = state.teacher_W2.shape[-1]
    d = K + M + 1
    eta = state.eta
    rules = _Rules([(state.rule == r).astype(float) for r in range(len(RULES))], state.F1.T, state.node_mask.T,
                   bool(np.any(state.rule == _PEPITA)))
    C = overlaps.transpose(1, 2, 0).copy()
    v = np.concatenate([(state.W2 * state.node_mask).T, -state.teacher_W2.T])  # (K+M, B): e = Σ_j v_j g(u_j)
    W2 = v[:K]  # a view: the W2 updates below change v too
    if backend == "full":
        A = np.concatenate([state.W1, state.teacher_W1, state.F[:, None, :]], 1)  # rows (W1, W̃1, F)
        W1, Fvec = A[:, :K], state.F
    else:
        sampler = _ProjectedSampler(C, N, streams, extra=d)
    records = {k: [] for k in ("Q", "R", "W2", "f", "eg")}

    def record(C, W2):
        C_runs = C.transpose(2, 0, 1).copy()  # copies: the loop updates C and W2 in place
        W2_runs = W2.T.copy()
        records["Q"].append(C_runs[:, :K, :K].copy())
        records["R"].append(C_runs[:, :K, K:K + M].copy())
        records["W2"].append(W2_runs)
        records["f"].append(C_runs[:, :K, K + M].copy())
        records["eg"].append(np.concatenate([  # shard by shard: its sums may depend on the batch's shape
            generalisation_error(activation, C_runs[s], W2_runs[s], state.teacher_W2[s]) for s in streams.slices]))

    total = int(record_steps[-1])
    pending = list(record_steps[::-1])  # record steps still to come, the next one last
    while pending and pending[-1] == 0:
        record(C, W2)
        pending.pop()
    next_record = pending[-1] if pending else -1
    sqrt_n = np.sqrt(N)
    q = np.zeros((d, B))
    outer = np.empty((d, d, B))
    minus_eta_over_n = -eta / N
    bar = ProgressBar(total=total, disable=not progress, unit="step", mininterval=2.0, desc=f"simulate B={B} N={N}")
    for step in range(1, total + 1):
        if backend == "projected":
            u, xx = sampler.draw(C)
        else:
            x = streams.standard_normal(N)
            u = (np.einsum("bin,bn->bi", A, x) / sqrt_n).T
            xx = np.einsum("bn,bn->b", x, x) / N
        c, a, e, h = _rule_terms(act, rules, u, C, v, K, M)
        if a is None:  # no PEPITA run: x' = x
            u_mod, xx_mod = u, xx
        else:
            u_mod = u - a * C[:, K + M]  # projections of x' = x − a F/√N
            xx_mod = xx - (2.0 * a * u[K + M] - a * a * C[K + M, K + M]) / N
        # rows move by δA = p x'ᵀ with p = −(η/√N)(c, 0, 0): C += (p x'ᵀAᵀ + A x' pᵀ + |x'|² p pᵀ)/N
        #   = q wᵀ + w qᵀ with q = −(η/N)(c, 0, 0) and w = u' + (N |x'|²/2) q
        np.multiply(minus_eta_over_n, c, out=q[:K])
        w = u_mod + (0.5 * N * xx_mod) * q
        if np.isfinite(w).all():  # q is 0 past row K, so only the students' rows and columns of C move
            np.multiply(q[:K, None], w, out=outer[:K])
            C[:K] += outer[:K]
            C[:, :K] += outer[:K].transpose(1, 0, 2)
        else:  # a diverged run: every entry, so that NaN and inf spread exactly as 0·inf makes them
            np.multiply(q[:, None], w, out=outer)
            C += outer
            C += outer.transpose(1, 0, 2)
        W2 += minus_eta_over_n * (e * h)
        if backend == "full":
            x_mod = x if a is None else x - (a / sqrt_n)[:, None] * Fvec
            W1 -= (eta / sqrt_n)[:, None, None] * c.T[:, :, None] * x_mod[:, None, :]
        else:
            sampler.move(q, a, K)
        if step == next_record:
            if backend == "full":  # recompute the Gram matrix from the vectors themselves
                C = np.concatenate([gram(W1[s], state.teacher_W1[s], Fvec[s])
                                    for s in streams.slices]).transpose(1, 2, 0).copy()
            while pending and pending[-1] == step:
                record(C, W2)
                pending.pop()
            next_record = pending[-1] if pending else -1
        if step % 4096 == 0:
            bar.update(4096)
    bar.close()
    return {k: np.stack(v) for k, v in records.items()}
