"""The large-D ODE of PEPITA itself in the teacher–student setup: AFA's ODEs (Srinivasan et al. 2024, App. E,
Eqs. 22–23) plus every term that the AFA approximation (Eq. 11) drops and that survives D → ∞.

PEPITA's one-hidden-layer step, in App. E's units (λ = W1x/√D, ν = W̃1x/√D, ρ = Fx/√D, e = ŷ − y,
η_W1 = η, η_W2 = η/D) and as :mod:`.simulation` runs it: the modulated pass sees x_mod = x − F e/√D, whose
pre-activations are λ − e f with the adaptive feedback f = W1F/D, and

    W1^k ← W1^k − (η/√D) c_k x_mod,    c_k = g(λ_k) − g(λ_k − e f^k)      (h − h_err),
    W2^k ← W2^k − (η/D) e g(λ_k − e f^k)                                   (the error pass's h_err).

AFA replaces c_k by its first order a_k = f^k g'(λ_k) e, x_mod by x and h_err by h (Eqs. 17–18). None of the three
vanishes as D → ∞: f^k, e and F·x_mod/D − F·x/D = −e q_f are of order one. With t = μ/D, ‖x_mod‖² = D + O(√D) and
f̃^m = W̃1^m·F/D, q_f = F·F/D as in App. E, the order parameters concentrate on

    dQ^{kl}/dt = −η E[c_k λ_l] − η E[c_l λ_k] + η f^l E[c_k e] + η f^k E[c_l e] + η² E[c_k c_l]   (Eq. 22 extended)
    dR^{km}/dt = −η E[c_k ν_m] + η f̃^m E[c_k e]                                                  (Eq. 23, R)
    dW2^k/dt  = −η E[e g(λ_k − e f^k)] = −η E[g(λ_k) e] + η E[c_k e]                              (Eq. 23, W2)
    df^k/dt   = −η E[c_k ρ] + η q_f E[c_k e]                                                       (Eq. 23, f)

The terms in E[c_k e] are the presynaptic −Fe/√D of W1's update (in dQ, dR, df) and the error pass's h_err (in dW2);
c_k − a_k is the curvature of g. With c_k = a_k and those terms dropped these are Eqs. 22–23.

The averages split c_k = a_k + r_k, r_k = g(λ_k) − g(λ_k − e f^k) − f^k g'(λ_k) e = O((e f)²):

* a_k's averages are AFA's closed forms, I3 = E[g'(λ_k) y e] and I4 = E[g'(λ_k) g'(λ_l) e²], with J3 for
  E[a_k e] = f^k E[g'(λ_k) e²] (:mod:`.integrals`);
* r_k has none (g of the error): for y ∈ {λ, ν, ρ} Stein's lemma gives E[y r_k] = Σ_j Cov(y, x_j) E[∂_j r_k(x)] over
  the K+M pre-activations x = (λ, ν), on which r_k depends, and E[∂_j r_k], E[r_k e], E[r_k a_l], E[r_k r_l] are
  taken by a Gauss–Hermite rule in K+M dimensions (:class:`.integrals.GaussHermite`), deterministic, so the ODE is
  smooth for the adaptive integrator. As F → 0, r_k = O(F²) and the ODE becomes AFA's.
"""
from __future__ import annotations

import numpy as np

from .activations import get_activation
from .integrals import GaussHermite


class PepitaTerms:
    """The averages of PEPITA's curvature remainder r_k for a batch of runs sharing K, M and the activation."""

    def __init__(self, activation: str, K: int, M: int, points: int):
        self.act = get_activation(activation)
        if self.act.d2g is None:
            raise ValueError(f"the PEPITA ODE needs a smooth activation (g''); {activation!r} has none: use erf or "
                             "linear, or simulate PEPITA instead")
        self.K, self.M = K, M
        self.rule = GaussHermite(K + M, points)

    def remainder_averages(self, C: np.ndarray, v: np.ndarray, f: np.ndarray):
        """For the joint covariance C (B, K+M+1, K+M+1) of (λ, ν, ρ), v = (W2, −W̃2) and f (B, K), returns

        * ``ry`` (B, K, K+M+1): E[r_k y_n] for y = (λ, ν, ρ);
        * ``re`` (B, K): E[r_k e];
        * ``rc`` (B, K, K): E[r_k a_l + a_k r_l + r_k r_l], so that E[c_k c_l] = f^k f^l I4 + ``rc``."""
        act, K = self.act, self.K
        d = K + self.M
        x = self.rule.nodes(C[:, :d, :d])  # (B, G, d)
        w = self.rule.w[None, :, None]
        g, dg = act.g(x), act.dg(x)
        e = np.matmul(g, v[..., None])  # (B, G, 1)
        lam, dg_lam = x[..., :K], dg[..., :K]
        fk = f[:, None, :]  # (B, 1, K)
        mod = lam - fk * e  # pre-activations of the modulated pass
        dg_mod = act.dg(mod)
        a = fk * dg_lam * e
        r = g[..., :K] - act.g(mod) - a
        wr = np.swapaxes(w * r, 1, 2)  # (B, K, G): weighted r_k, so that wr @ h = E[r_k h]
        # E[∂_j r_k] = δ_jk E[g'(λ_k) − g'(λ_k − e f^k) − f^k g''(λ_k) e]
        #             + f^k v_j E[g'(x_j) (g'(λ_k − e f^k) − g'(λ_k))]
        grad = f[:, :, None] * v[:, None, :] * np.matmul(np.swapaxes(w * (dg_mod - dg_lam), 1, 2), dg)
        grad[:, np.arange(K), np.arange(K)] += np.sum(w * (dg_lam - dg_mod - fk * act.d2g(lam) * e), axis=1)
        ry = np.matmul(grad, np.swapaxes(C[:, :, :d], 1, 2))
        re = np.matmul(wr, e)[..., 0]
        rc = np.matmul(wr, r + 2.0 * a)
        rc = 0.5 * (rc + np.swapaxes(rc, -1, -2))  # E[r_k r_l + r_k a_l + a_k r_l]
        return ry, re, rc
