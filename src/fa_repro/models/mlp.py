"""Multi-layer perceptron, seeds stacked on a leading axis (batched matrix products)."""

from __future__ import annotations

import math

import torch
from torch import nn

from fa_repro.models.base import (
    LinearOverride,
    Model,
    Trace,
    activation,
    batch_statistics_norm,
    init_bias,
    init_weight,
)
from fa_repro.training_spec import MLPSpec

NORMALISATIONS = ("none", "batch", "frobenius", "l2")


class _SeedLinear(torch.autograd.Function):
    """u = h Wᵀ per seed, h (S, B, n_in), W (S, n_out, n_in): autograd of ``matmul(h, W.mT)`` with the weight's
    gradient formed as gᵀh, already in W's layout. Autograd of the matmul forms (hᵀg)ᵀ, a transposed view that
    the gradient accumulation then copies into W's layout; that strided copy took half of a PEPITA step on
    CIFAR-10's 3 072 inputs (12 ms of 20 for a 256 × 3 072 weight and 2 seeds, issue 24). Each entry is the same
    dot product over the batch (MKL's gemm in either orientation): the metrics of every run are unchanged, bit
    for bit, only the time changes. The forward pass and the input's gradient are the matmul's own. Written with
    ``ctx`` in ``forward`` (a ``setup_context`` costs ~70 µs of argument binding per call); under a functorch
    transform (AFA's ``torch.func.jvp``) :meth:`MLP.linear` uses the plain matmul."""

    @staticmethod
    def forward(ctx, h, weight):
        ctx.save_for_backward(h, weight)
        return torch.matmul(h, weight.transpose(-1, -2))

    @staticmethod
    def backward(ctx, grad):
        h, weight = ctx.saved_tensors
        grad_h = torch.matmul(grad, weight) if ctx.needs_input_grad[0] else None
        grad_w = torch.matmul(grad.transpose(-1, -2), h) if ctx.needs_input_grad[1] else None
        return grad_h, grad_w


class MLP(Model):
    """``sizes = [n_in, n_1, …, n_out]``; hidden layers ``h_l = norm(dropout(σ(W_l h_{l−1} + b_l)))``; the defaults
    are a run's (:class:`fa_repro.training_spec.MLPSpec`).

    * ``parameterisation``: ``standard`` (u = W h + b) or ``ntk`` (u = W h / √n_{l−1} + b, Boopathy Eq. 1);
    * ``init``/``init_scale``: see :func:`fa_repro.models.base.init_weight`;
    * ``normalisation``: ``batch`` standardises pre-activations with batch statistics (Boopathy);
      ``frobenius`` divides each hidden layer's batch matrix by its Frobenius norm (PEPITA's code);
      ``l2`` divides each example's activity vector by its length (Hinton 2022's forward-forward);
    * ``dropout``: probability of dropping a hidden unit during training (Srinivasan App. Table 4).
    """

    def __init__(
        self,
        sizes: list[int],
        *,
        n_seeds: int = 1,
        activation_name: str = MLPSpec.activation,
        parameterisation: str = MLPSpec.parameterisation,
        bias: bool = MLPSpec.bias,
        init: str = MLPSpec.init,
        init_scale: float = MLPSpec.init_scale,
        dropout: float = MLPSpec.dropout,
        normalisation: str = MLPSpec.normalisation,
        generator: torch.Generator | None = None,
    ):
        super().__init__()
        if len(sizes) < 2 or min(sizes) < 1:
            raise ValueError(f"MLP sizes {sizes} need an input and an output size, all positive")
        if parameterisation not in ("standard", "ntk"):
            raise ValueError(f"parameterisation {parameterisation!r} is not standard | ntk")
        if normalisation not in NORMALISATIONS:
            raise ValueError(f"normalisation {normalisation!r} is not one of {NORMALISATIONS}")
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"dropout {dropout} must be in [0, 1)")
        gen = generator or torch.Generator().manual_seed(0)
        self.sizes = list(sizes)
        self.n_seeds = n_seeds
        self.n_out = sizes[-1]
        self.activation_name = activation_name
        self.act = activation(activation_name)
        self.parameterisation = parameterisation
        self.dropout = dropout
        self.normalisation = normalisation
        self.weights = nn.ParameterList()
        self.biases = nn.ParameterList() if bias else None
        for n_in, n_out in zip(sizes[:-1], sizes[1:]):
            self.weights.append(nn.Parameter(init_weight((n_seeds, n_out, n_in), n_in, init, init_scale, gen)))
            if bias:
                self.biases.append(nn.Parameter(init_bias((n_seeds, n_out), n_in, init, gen)))

    @property
    def n_layers(self) -> int:
        return len(self.weights)

    def weight_layers(self):
        return [(w, self.biases[i] if self.biases is not None else None) for i, w in enumerate(self.weights)]

    def linear(self, layer: int, h: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
        if weight.requires_grad and torch.is_grad_enabled() and not torch._C._are_functorch_transforms_active():
            u = _SeedLinear.apply(h, weight)  # the same values; the weight's gradient without a transposed copy
        else:
            u = torch.matmul(h, weight.transpose(-1, -2))
        if self.parameterisation == "ntk":
            u = u / math.sqrt(weight.shape[-1])
        return u

    def sample_dropout_masks(self, batch_shape, generator=None):
        if self.dropout == 0.0 or not self.training:
            return None
        keep = 1.0 - self.dropout
        return [
            torch.bernoulli(torch.full((self.n_seeds, batch_shape[-1], n), keep, device=self.weights[0].device),
                            generator=generator) / keep
            for n in self.sizes[1:-1]
        ]

    def trace(self, x, *, masks=None, detach_inputs=False, linear_override: LinearOverride | None = None) -> Trace:
        h = self.broadcast_input(x.flatten(start_dim=-3) if x.dim() >= 4 else x, 1)
        h = h.reshape(self.n_seeds, h.shape[1], -1)
        hidden_pre, hidden_post, inputs, normed = [], [], [], []
        for layer, (weight, bias) in enumerate(self.weight_layers()):
            if detach_inputs:
                h = h.detach()
            inputs.append(h)
            u = linear_override(layer, h) if linear_override is not None else self.linear(layer, h, weight)
            if bias is not None:
                u = u + bias.unsqueeze(1)
            if layer == self.n_layers - 1:
                return Trace(hidden_pre, hidden_post, u, inputs, handoff=normed[:-1] + hidden_post[-1:])
            hidden_pre.append(u)
            if self.normalisation == "batch":
                u = batch_statistics_norm(u)
            normed.append(u)
            h = self.act(u)
            if masks is not None:
                h = h * masks[layer]
            if self.normalisation == "frobenius":
                h = h / h.flatten(start_dim=1).norm(dim=1).clamp_min(1e-12)[:, None, None]
            elif self.normalisation == "l2":
                h = h / h.norm(dim=-1, keepdim=True).clamp_min(1e-12)
            hidden_post.append(h)
        raise AssertionError("unreachable")
