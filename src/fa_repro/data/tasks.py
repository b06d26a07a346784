"""Synthetic tasks: Refinetti's correlated-target regression (Eq. 20) and Boopathy's RNN Add task (Eq. 59)."""

from __future__ import annotations

import torch


def correlated_target_regression(
    n: int, alpha: float, beta: float, seed: int, input_dim: int = 10
) -> tuple[torch.Tensor, torch.Tensor]:
    """Refinetti et al. 2021, Eq. 20: x ~ N(0, I_input_dim), y ~ N(0, Σ) in R², independent of x, with
    Σ = [[1, α(1−β)], [α(1−β), α²]]; α < 1 unbalances and β < 1 correlates the two targets."""
    if not (0 < alpha <= 1 and 0 <= beta <= 1):
        raise ValueError(f"need 0 < alpha <= 1 and 0 <= beta <= 1, got alpha={alpha}, beta={beta}")
    gen = torch.Generator().manual_seed(seed)
    sigma = torch.tensor([[1.0, alpha * (1 - beta)], [alpha * (1 - beta), alpha**2]], dtype=torch.float64)
    # Σ is PSD for these ranges; a tiny jitter keeps the Cholesky factor defined at β = 0, α = 1.
    chol = torch.linalg.cholesky(sigma + 1e-12 * torch.eye(2, dtype=torch.float64))
    x = torch.randn(n, input_dim, generator=gen, dtype=torch.float64)
    y = torch.randn(n, 2, generator=gen, dtype=torch.float64) @ chol.T
    return x.float(), y.float()


def add_task(n_sequences: int, length: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Boopathy & Fiete 2022, Eq. 59: Bernoulli(½) inputs x(t) and y(t) = 0.5 + 0.5 x(t−2) − 0.25 x(t−5)
    (x(t) = 0 before the sequence starts). Returns x, y of shape (n_sequences, length, 1)."""
    gen = torch.Generator().manual_seed(seed)
    x = torch.bernoulli(torch.full((n_sequences, length), 0.5), generator=gen)
    y = torch.full_like(x, 0.5)
    y[:, 2:] += 0.5 * x[:, :-2]
    y[:, 5:] -= 0.25 * x[:, :-5]
    return x[..., None], y[..., None]
