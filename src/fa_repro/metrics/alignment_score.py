"""Boopathy & Fiete's alignment score (Eqs. 9–13), estimated with Gaussian probes through the layer operator.

For layer l with ΔW = W_t − W_0 (normal training) and ΔW* = W*_t − W_0 (Eq. 13), Δ = ΔWᵀΔW and Σ ∝ ΔW*ᵀΔW*
act on the layer's input space. With probes z ~ N(0, I) shaped like the layer input, v = Δz and v* = Σz
are computed as the gradient ∇_z ½‖op(z; ΔW)‖² = opᵀ op z (convolution, then transposed convolution), never
forming Δ or Σ, and S = Σ v·v* / √(Σ‖v‖² Σ‖v*‖²) estimates tr(ΔΣ)/√(tr Δ² tr Σ²) (Eq. 10).
"""

from __future__ import annotations

import torch


def _gram_probe(model, layer: int, delta: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
    z = z.detach().requires_grad_(True)
    energy = 0.5 * model.linear(layer, z, delta).pow(2).sum()
    (v,) = torch.autograd.grad(energy, z)
    return v


def alignment_score(model, layer: int, delta: torch.Tensor, delta_star: torch.Tensor, input_shape: tuple[int, ...],
                    n_probes: int = 100, generator: torch.Generator | None = None) -> torch.Tensor:
    """The alignment score of weight layer ``layer`` per seed (S,): ``delta``/``delta_star`` are weight changes
    shaped like the layer's weight (S, …); ``input_shape`` is one example's input to the layer."""
    z = torch.randn((delta.shape[0], n_probes, *input_shape), generator=generator).to(delta.device, delta.dtype)
    v = _gram_probe(model, layer, delta, z).reshape(delta.shape[0], -1)
    v_star = _gram_probe(model, layer, delta_star, z).reshape(delta.shape[0], -1)
    return (v * v_star).sum(1) / torch.sqrt(v.pow(2).sum(1) * v_star.pow(2).sum(1)).clamp_min(1e-30)
