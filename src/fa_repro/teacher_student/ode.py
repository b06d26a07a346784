"""Ordinary differential equations for online learning in the teacher–student setup.

* BP and DFA: Refinetti et al. 2021, App. A, Eq. 27 (with η_W1 = η, η_W2 = η/N, t = μ/N).
  For BP the feedback of hidden node k is W2^k, for DFA the fixed feedback F1^k.
* AFA (adaptive feedback alignment): Srinivasan et al. 2024, App. E, Eqs. 22–23: the feedback of
  node k is f^k = W1^k·F/N, which evolves as df^k/dt = −η f^k E[ρ g'(λ^k) e], ρ = F·x/√N.
* PEPITA itself: Eqs. 22–23 with the terms AFA drops (the presynaptic −Fe/√N of W1's update, the error
  pass's h_err in W2's update, the curvature of g in h − h_err), derived in :mod:`.pepita_ode`.

The pre-activations of students (λ), teachers (ν) and the input projection on the PEPITA/AFA
feedback vector (ρ) are jointly Gaussian with covariance

    C = [[Q, R, f], [Rᵀ, T, f̃], [fᵀ, f̃ᵀ, q_f]],

so every average in the equations is an I2/I3/I4 integral of :mod:`.integrals` over index tuples of
C; the whole right-hand side is vectorised over runs and tuples. The generalisation error is
Eq. 26: eg = ½ vᵀ I2 v with v = (W2, −W̃2).
"""
from __future__ import annotations

from dataclasses import dataclass
from itertools import product

import numpy as np
from scipy.integrate import solve_ivp

from .integrals import expect2, expect3, expect4, expect_dgg
from .pepita_ode import PepitaTerms

ALGORITHMS = ("bp", "dfa", "afa", "pepita")
QUADRATURE_POINTS = 20  # Gauss–Hermite points per dimension of the PEPITA ODE's remainder (config: ode)


@dataclass
class OrderParameters:
    """Order parameters of B runs. Shapes: Q (B,K,K), R (B,K,M), W2 (B,K), f (B,K);
    constants T (B,M,M), teacher_w2 (B,M), feedback (B,K) (DFA's F1), f_teacher (B,M), q_f (B,)."""

    Q: np.ndarray
    R: np.ndarray
    W2: np.ndarray
    T: np.ndarray
    teacher_w2: np.ndarray
    feedback: np.ndarray
    f: np.ndarray
    f_teacher: np.ndarray
    q_f: np.ndarray

    @property
    def K(self) -> int:
        return self.Q.shape[-1]

    @property
    def M(self) -> int:
        return self.T.shape[-1]

    def covariance(self) -> np.ndarray:
        """The joint covariance C of (λ, ν, ρ), shape (B, K+M+1, K+M+1)."""
        return covariance(self.Q, self.R, self.T, self.f, self.f_teacher, self.q_f)


def covariance(Q, R, T, f, f_teacher, q_f) -> np.ndarray:
    """Assemble C = [[Q, R, f], [Rᵀ, T, f̃], [fᵀ, f̃ᵀ, q_f]] for a batch of runs."""
    top = np.concatenate([Q, R, f[..., None]], -1)
    mid = np.concatenate([np.swapaxes(R, -1, -2), T, f_teacher[..., None]], -1)
    bot = np.concatenate([f[..., None, :], f_teacher[..., None, :], q_f[..., None, None]], -1)
    return np.concatenate([top, mid, bot], -2)


def generalisation_error(activation: str, C: np.ndarray, W2: np.ndarray, teacher_w2: np.ndarray) -> np.ndarray:
    """eg = ½ E[(ŷ − y)²] from the order parameters (Refinetti Eq. 26), for B runs."""
    K, M = W2.shape[-1], teacher_w2.shape[-1]
    v = np.concatenate([W2, -teacher_w2], -1)
    n = K + M
    idx = np.array(list(product(range(n), range(n))))
    i2 = expect2(activation, C, idx).reshape(-1, n, n)
    return 0.5 * np.einsum("bi,bij,bj->b", v, i2, v)


class TeacherStudentODE:
    """Right-hand side of the ODEs for a batch of runs sharing K, M, the activation and the rule."""

    def __init__(self, algorithm: str, activation: str, eta: float, params: OrderParameters,
                 quadrature_points: int = QUADRATURE_POINTS):
        if algorithm not in ALGORITHMS:
            raise ValueError(f"unknown algorithm {algorithm!r}; the ODEs cover {ALGORITHMS}")
        self.algorithm, self.activation, self.eta = algorithm, activation, float(eta)
        self.const = params
        K, M = params.K, params.M
        self.K, self.M, self.B = K, M, params.Q.shape[0]
        self.n = K + M + 1  # students, teachers, ρ
        nkm = K + M
        self.idx2 = np.array(list(product(range(K), range(nkm))))
        self.idx3 = np.array(list(product(range(K), range(self.n), range(nkm))))
        self.idx4 = np.array(list(product(range(K), range(K), range(nkm), range(nkm))))
        self.idx_dgg = np.array(list(product(range(K), range(nkm), range(nkm))))
        self.pepita = PepitaTerms(activation, K, M, quadrature_points) if algorithm == "pepita" else None
        self.sizes = [K * K, K * M, K, K]

    # -- packing -------------------------------------------------------------------------
    def pack(self, Q, R, W2, f) -> np.ndarray:
        return np.concatenate([Q.reshape(self.B, -1), R.reshape(self.B, -1), W2, f], -1).ravel()

    def unpack(self, y: np.ndarray):
        y = y.reshape(self.B, -1)
        Q, R, W2, f = np.split(y, np.cumsum(self.sizes)[:-1], axis=-1)
        return Q.reshape(self.B, self.K, self.K), R.reshape(self.B, self.K, self.M), W2, f

    # -- dynamics ------------------------------------------------------------------------
    def rhs(self, t: float, y: np.ndarray) -> np.ndarray:
        c, K, M, eta = self.const, self.K, self.M, self.eta
        Q, R, W2, f = self.unpack(y)
        C = covariance(0.5 * (Q + np.swapaxes(Q, -1, -2)), R, c.T, f, c.f_teacher, c.q_f)
        v = np.concatenate([W2, -c.teacher_w2], -1)  # e = Σ_j v_j g(x_j)
        nkm = K + M
        i3 = expect3(self.activation, C, self.idx3).reshape(self.B, K, self.n, nkm)
        e3 = np.einsum("bknj,bj->bkn", i3, v)  # E[g'(λ_k) x_n e]
        i4 = expect4(self.activation, C, self.idx4).reshape(self.B, K, K, nkm, nkm)
        e4 = np.einsum("bklij,bi,bj->bkl", i4, v, v)  # E[g'(λ_k) g'(λ_l) e²]
        i2 = expect2(self.activation, C, self.idx2).reshape(self.B, K, nkm)
        e2 = np.einsum("bkj,bj->bk", i2, v)  # E[g(λ_k) e]
        phi = {"bp": W2, "dfa": c.feedback, "afa": f, "pepita": f}[self.algorithm]
        # W1^k moves by −(η/√N) c_k x': E[c_k y] for y = (λ, ν, ρ), E[c_k c_l], and E[c_k e], the average of the
        # presynaptic −e F/√N in x' = x − e F/√N and of h − h_err in W2's update (PEPITA only, else zero)
        cy = phi[:, :, None] * e3  # c_k = φ_k g'(λ_k) e
        cc = phi[:, :, None] * phi[:, None, :] * e4
        ce = np.zeros_like(f)
        if self.pepita is not None:  # c_k = g(λ_k) − g(λ_k − e f^k) = f^k g'(λ_k) e + r_k (pepita_ode)
            ry, re, rc = self.pepita.remainder_averages(C, v, f)
            j3 = expect_dgg(self.activation, C, self.idx_dgg).reshape(self.B, K, nkm, nkm)
            ce = f * np.einsum("bkij,bi,bj->bk", j3, v, v) + re
            cy, cc = cy + ry, cc + rc
        drift = cy[:, :, :K] - ce[:, :, None] * f[:, None, :]  # E[c_k λ'_l], λ' = λ − e f
        dQ = -eta * (drift + np.swapaxes(drift, -1, -2)) + eta**2 * cc
        dR = -eta * (cy[:, :, K:K + M] - ce[:, :, None] * c.f_teacher[:, None, :])
        dW2 = -eta * (e2 - ce)
        if self.algorithm in ("afa", "pepita"):
            df = -eta * (cy[:, :, K + M] - ce * c.q_f[:, None])
        else:
            df = np.zeros_like(f)
        return self.pack(dQ, dR, dW2, df)

    def integrate(self, t_eval: np.ndarray, rtol: float = 1e-8, atol: float = 1e-11, method: str = "DOP853"):
        """Integrate from t = 0 with adaptive, error-controlled steps; returns a dict of arrays
        with a leading time axis: t, Q, R, W2, f, eg."""
        c = self.const
        y0 = self.pack(c.Q, c.R, c.W2, c.f)
        sol = solve_ivp(self.rhs, (0.0, float(t_eval[-1])), y0, t_eval=t_eval, method=method,
                        rtol=rtol, atol=atol)
        if not sol.success:
            raise RuntimeError(f"ODE integration failed: {sol.message}")
        out = {"t": sol.t, "Q": [], "R": [], "W2": [], "f": [], "eg": []}
        for y in sol.y.T:
            Q, R, W2, f = self.unpack(y)
            C = covariance(Q, R, c.T, f, c.f_teacher, c.q_f)
            out["Q"].append(Q), out["R"].append(R), out["W2"].append(W2), out["f"].append(f)
            out["eg"].append(generalisation_error(self.activation, C, W2, c.teacher_w2))
        for key in ("Q", "R", "W2", "f", "eg"):
            out[key] = np.stack(out[key])
        out["n_steps"] = sol.nfev
        return out
