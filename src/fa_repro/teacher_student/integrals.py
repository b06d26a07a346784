"""Gaussian averages that close the teacher–student ODEs (Refinetti et al. 2021, App. A, Eq. 27).

For jointly Gaussian, zero-mean pre-activations ``x`` with covariance ``C`` (built from the order
parameters Q, R, T and, for AFA, the feedback overlaps), the ODEs need

* ``I2(a, b)       = E[g(x_a) g(x_b)]``
* ``I3(a, b, c)    = E[g'(x_a) x_b g(x_c)]``
* ``I4(a, b, c, d) = E[g'(x_a) g'(x_b) g(x_c) g(x_d)]``;

and the large-D ODE of PEPITA (:mod:`.pepita_ode`) also ``J3(a, b, c) = E[g'(x_a) g(x_b) g(x_c)]`` and, for the
averages without a closed form, a Gauss–Hermite rule (:class:`GaussHermite`).

Every function takes a batch of covariance matrices ``C`` of shape ``(B, n, n)`` and an integer array of
index tuples ``idx`` of shape ``(P, 2|3|4)`` and returns an array of shape ``(B, P)``.

* ``erf`` (``g = erf(x/√2)``): the closed forms of Biehl & Schwarze (1995) / Saad & Solla (1995).
* ``linear``: second moments of the covariance.
* ``erf``, J3: ``g'(x) = √(2/π) exp(−x²/2)`` tilts the Gaussian, so J3 is (1 + C_aa)^{-1/2} √(2/π) times I2 of the
  tilted covariance C − C_{·a} C_{a·} / (1 + C_aa) (Sherman–Morrison), as I4 is derived.
* ``relu``: I2 is the arc-cosine kernel (closed form). I3 and I4 are reduced exactly, by Gaussian
  integration by parts (Stein's lemma), to Gaussian orthant probabilities: those of up to three
  variables have closed forms, the four-variable one is a smooth one-dimensional integral along
  Plackett's (1954) path, evaluated by Gauss–Legendre quadrature to near machine precision.
"""
from __future__ import annotations

from itertools import combinations

import numpy as np

_TWO_PI = 2.0 * np.pi
_TINY = 1e-300


def _entries(C: np.ndarray, idx: np.ndarray, i: int, j: int) -> np.ndarray:
    return C[:, idx[:, i], idx[:, j]]


# --------------------------------------------------------------------------------------------- I2
def expect2(activation: str, C: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """I2(a, b) = E[g(x_a) g(x_b)] for every row (a, b) of ``idx``."""
    idx = np.asarray(idx)
    caa, cbb, cab = (_entries(C, idx, i, j) for i, j in ((0, 0), (1, 1), (0, 1)))
    if activation == "erf":
        return (2.0 / np.pi) * np.arcsin(cab / np.sqrt((1.0 + caa) * (1.0 + cbb)))
    if activation == "linear":
        return cab
    if activation == "relu":
        norm = np.sqrt(np.maximum(caa * cbb, 0.0))
        cos = np.clip(cab / np.maximum(norm, _TINY), -1.0, 1.0)
        theta = np.arccos(cos)
        return norm * (np.sin(theta) + (np.pi - theta) * cos) / _TWO_PI
    raise ValueError(f"no Gaussian integrals for activation {activation!r}")


# --------------------------------------------------------------------------------------------- I3
def expect3(activation: str, C: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """I3(a, b, c) = E[g'(x_a) x_b g(x_c)] for every row (a, b, c) of ``idx``."""
    idx = np.asarray(idx)
    if activation == "erf":
        c = {(i, j): _entries(C, idx, i, j) for i in range(3) for j in range(i, 3)}
        lam3 = (1.0 + c[0, 0]) * (1.0 + c[2, 2]) - c[0, 2] ** 2
        return (2.0 / np.pi) / np.sqrt(lam3) * (c[1, 2] * (1.0 + c[0, 0]) - c[0, 1] * c[0, 2]) / (1.0 + c[0, 0])
    if activation == "linear":
        return _entries(C, idx, 1, 2)
    if activation == "relu":
        # g'(a) = 1(a>0), g(c) = 1(c>0) c: theta-set {a, c}, linear factors (b, c)
        return _relu_moments(C, idx, theta_slots=(0, 2), linear_slots=(1, 2))
    raise ValueError(f"no Gaussian integrals for activation {activation!r}")


# --------------------------------------------------------------------------------------------- I4
def expect4(activation: str, C: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """I4(a, b, c, d) = E[g'(x_a) g'(x_b) g(x_c) g(x_d)] for every row (a, b, c, d) of ``idx``."""
    idx = np.asarray(idx)
    if activation == "erf":
        c = {(i, j): _entries(C, idx, i, j) for i in range(4) for j in range(i, 4)}
        one = {i: 1.0 + c[i, i] for i in range(4)}
        lam4 = one[0] * one[1] - c[0, 1] ** 2
        lam0 = (lam4 * c[2, 3] - c[1, 2] * c[1, 3] * one[0] - c[0, 2] * c[0, 3] * one[1]
                + c[0, 1] * c[0, 2] * c[1, 3] + c[0, 1] * c[0, 3] * c[1, 2])

        def lam_diag(k: int) -> np.ndarray:
            return (lam4 * one[k] - c[1, k] ** 2 * one[0] - c[0, k] ** 2 * one[1]
                    + 2.0 * c[0, 1] * c[0, k] * c[1, k])

        arg = np.clip(lam0 / np.sqrt(lam_diag(2) * lam_diag(3)), -1.0, 1.0)
        return (4.0 / np.pi**2) / np.sqrt(lam4) * np.arcsin(arg)
    if activation == "linear":
        return _entries(C, idx, 2, 3)
    if activation == "relu":
        return _relu_moments(C, idx, theta_slots=(0, 1, 2, 3), linear_slots=(2, 3))
    raise ValueError(f"no Gaussian integrals for activation {activation!r}")


# --------------------------------------------------------------------------------------------- J3
def expect_dgg(activation: str, C: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """J3(a, b, c) = E[g'(x_a) g(x_b) g(x_c)] for every row (a, b, c) of ``idx``."""
    idx = np.asarray(idx)
    if activation == "erf":
        c = {(i, j): _entries(C, idx, i, j) for i in range(3) for j in range(i, 3)}
        one_a = 1.0 + c[0, 0]
        tilted = {(i, j): c[i, j] - c[0, i] * c[0, j] / one_a for i, j in ((1, 1), (2, 2), (1, 2))}
        i2 = (2.0 / np.pi) * np.arcsin(tilted[1, 2] / np.sqrt((1.0 + tilted[1, 1]) * (1.0 + tilted[2, 2])))
        return np.sqrt(2.0 / np.pi) / np.sqrt(one_a) * i2
    if activation == "linear":
        return _entries(C, idx, 1, 2)
    if activation == "relu":
        return _relu_moments(C, idx, theta_slots=(0, 1, 2), linear_slots=(1, 2))
    raise ValueError(f"no Gaussian integrals for activation {activation!r}")


# ----------------------------------------------------------------------------- Gauss–Hermite rule
class GaussHermite:
    """E[h(x)] for x ~ N(0, C) in ``dim`` dimensions: the tensor product of ``points``-point Gauss–Hermite rules
    (exact for polynomials of degree < 2·points in each coordinate) mapped onto x = L z with L Lᵀ = C from the
    eigendecomposition of C (negative rounding eigenvalues clipped), so that a singular C — a student equal to a
    teacher node — needs no inverse. Nodes whose weight is below ``prune`` times the largest are dropped."""

    def __init__(self, dim: int, points: int, prune: float = 1e-10):
        if points ** dim > 2_000_000:
            raise ValueError(f"a {points}-point Gauss–Hermite rule in {dim} dimensions has {points ** dim} nodes; "
                             "use fewer points (or fewer hidden nodes: the rule is a tensor product)")
        z, w = np.polynomial.hermite_e.hermegauss(points)
        w = w / np.sqrt(_TWO_PI)
        grid = np.stack(np.meshgrid(*[z] * dim, indexing="ij"), -1).reshape(-1, dim)
        weights = np.prod(np.stack(np.meshgrid(*[w] * dim, indexing="ij"), -1).reshape(-1, dim), -1)
        keep = weights > prune * weights.max()
        self.z, self.w = grid[keep], weights[keep] / weights[keep].sum()

    def nodes(self, C: np.ndarray) -> np.ndarray:
        """The nodes x = L z for a batch of covariances C (B, dim, dim): shape (B, G, dim)."""
        evals, evecs = np.linalg.eigh(0.5 * (C + np.swapaxes(C, -1, -2)))
        L = evecs * np.sqrt(np.maximum(evals, 0.0))[:, None, :]
        return np.matmul(self.z, np.swapaxes(L, -1, -2))

    def mean(self, values: np.ndarray) -> np.ndarray:
        """The rule's average over the node axis (axis 1) of ``values`` (B, G, ...)."""
        return np.einsum("bg...,g->b...", values, self.w)


# ------------------------------------------------------------------------------ ReLU reductions
def _relu_moments(C: np.ndarray, idx: np.ndarray, theta_slots, linear_slots) -> np.ndarray:
    """E[prod_{s in theta_slots} 1(x_{idx[s]} > 0) * prod_{s in linear_slots} x_{idx[s]}].

    Index tuples that repeat a variable are merged exactly (1(x>0)^2 = 1(x>0)), so the reduced
    problem only involves distinct variables. Rows are grouped by their pattern of repeats and each
    group is evaluated in one vectorised pass.
    """
    B, P = C.shape[0], idx.shape[0]
    out = np.empty((B, P))
    patterns: dict[tuple, list[int]] = {}
    for row, tup in enumerate(idx):
        # canonical relabelling: first occurrence order
        labels: dict[int, int] = {}
        pattern = tuple(labels.setdefault(int(v), len(labels)) for v in tup)
        patterns.setdefault(pattern, []).append(row)
    for pattern, rows in patterns.items():
        rows = np.asarray(rows)
        n_distinct = max(pattern) + 1
        # representative global index of each distinct local variable
        firsts = [pattern.index(k) for k in range(n_distinct)]
        glob = idx[rows][:, firsts]  # (p, n_distinct)
        sub = C[:, glob[:, :, None], glob[:, None, :]]  # (B, p, n, n)
        sub = sub.reshape(B * len(rows), n_distinct, n_distinct)
        theta = tuple(sorted({pattern[s] for s in theta_slots}))
        linear = tuple(pattern[s] for s in linear_slots)
        out[:, rows] = _gauss_moment(sub, theta, linear).reshape(B, len(rows))
    return out


def _gauss_moment(C: np.ndarray, theta: tuple, linear: tuple) -> np.ndarray:
    """E[prod_{i in theta} 1(x_i > 0) prod_{p in linear} x_p] for x ~ N(0, C), by Stein's lemma:
    E[x_p h(x)] = sum_j C_pj E[d h / d x_j], where the derivative of a step is a delta that
    conditions the remaining variables on x_j = 0."""
    if not linear:
        return _orthant(C, theta)
    p, rest = linear[0], linear[1:]
    total = np.zeros(C.shape[0])
    for j, q in enumerate(rest):
        total = total + C[:, p, q] * _gauss_moment(C, theta, rest[:j] + rest[j + 1:])
    for i in theta:
        if i in rest:  # the factor x_i vanishes on x_i = 0
            continue
        cii = np.maximum(C[:, i, i], _TINY)
        density = 1.0 / np.sqrt(_TWO_PI * cii)
        conditioned = C - C[:, :, i, None] * C[:, None, i, :] / cii[:, None, None]
        remaining = tuple(t for t in theta if t != i)
        total = total + C[:, p, i] * density * _gauss_moment(conditioned, remaining, rest)
    return total


def _correlation(C: np.ndarray, i: int, j: int) -> np.ndarray:
    denom = np.sqrt(np.maximum(C[:, i, i] * C[:, j, j], _TINY))
    return np.clip(C[:, i, j] / denom, -1.0, 1.0)


# Gauss–Legendre nodes for Plackett's integral, on u in [0, 1] with s = 1 - u^2
_GL_NODES, _GL_WEIGHTS = np.polynomial.legendre.leggauss(48)
_U = 0.5 * (_GL_NODES + 1.0)
_WU = 0.5 * _GL_WEIGHTS


def _orthant(C: np.ndarray, theta: tuple) -> np.ndarray:
    """P(x_i > 0 for all i in theta), x ~ N(0, C)."""
    m = len(theta)
    B = C.shape[0]
    if m == 0:
        return np.ones(B)
    if m == 1:
        return np.full(B, 0.5)
    pairs = list(combinations(theta, 2))
    if m == 2:
        return 0.25 + np.arcsin(_correlation(C, *pairs[0])) / _TWO_PI
    if m == 3:
        return 0.125 + sum(np.arcsin(_correlation(C, i, j)) for i, j in pairs) / (2.0 * _TWO_PI)
    if m == 4:
        return _orthant4(np.stack([np.stack([_correlation(C, i, j) if i != j else np.ones(B)
                                             for j in theta], -1) for i in theta], -2))
    raise ValueError("orthant probabilities are implemented for up to four variables")


def _orthant4(Rm: np.ndarray) -> np.ndarray:
    """Four-variate orthant probability of a correlation matrix ``Rm`` (B, 4, 4) by Plackett's
    identity dP/dr_ij = phi2(0, 0; r_ij) P(x_k > 0, x_l > 0 | x_i = x_j = 0), integrated along
    R(s) = I + s (R - I) from s = 0 (P = 1/16). The substitution s = 1 - u^2 removes the endpoint
    singularity of phi2 when |r_ij| -> 1."""
    s = 1.0 - _U**2  # (G,)
    jac = 2.0 * _U * _WU  # ds = 2u du, with Gauss weights
    total = np.full(Rm.shape[0], 1.0 / 16.0)
    for i, j in combinations(range(4), 2):
        k, l = (t for t in range(4) if t not in (i, j))
        r = Rm[:, None, :, :] * s[None, :, None, None]  # off-diagonal scaled (B, G, 4, 4)
        rij = r[..., i, j]
        det = np.maximum(1.0 - rij**2, _TINY)
        # conditional covariance of (k, l) given (x_i, x_j) = 0 (diagonals are 1)
        a_k = np.stack([r[..., k, i], r[..., k, j]], -1)
        a_l = np.stack([r[..., l, i], r[..., l, j]], -1)

        def quad(a, b):
            return (a[..., 0] * b[..., 0] + a[..., 1] * b[..., 1] - rij * (a[..., 0] * b[..., 1] + a[..., 1] * b[..., 0])) / det

        ckk = np.maximum(1.0 - quad(a_k, a_k), _TINY)
        cll = np.maximum(1.0 - quad(a_l, a_l), _TINY)
        ckl = r[..., k, l] - quad(a_k, a_l)
        rho_c = np.clip(ckl / np.sqrt(ckk * cll), -1.0, 1.0)
        p2 = 0.25 + np.arcsin(rho_c) / _TWO_PI
        dens = 1.0 / (_TWO_PI * np.sqrt(det))
        total = total + Rm[:, i, j] * np.sum(jac[None, :] * dens * p2, axis=-1)
    return total
