"""What every model exposes to the learning rules: seeds stacked on a leading axis, and a forward trace.

All parameters carry a leading *seed* axis ``S``: ``S`` independently initialised networks are trained
together as one batched model (Boopathy, Refinetti, Srinivasan and Chu all average over runs). Inputs are
``(S, B, …)`` (or ``(B, …)``, broadcast to every seed) and outputs ``(S, B, n_out)``.

:meth:`Model.trace` returns the hidden pre-activations (each weight layer's linear map plus bias), the hidden
representations and the output. With ``detach_inputs=True`` every weight layer receives its input detached,
so a gradient injected at a layer's pre-activation (or representation) reaches only that layer's parameters:
the local learning rules (DFA, DRTP, last layer, Align, PEPITA, AFA) are written as such injections, and
``linear_override`` lets feedback alignment swap the weights used on the backward path.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import torch
from torch import nn


@dataclass
class Trace:
    hidden_pre: list[torch.Tensor]  # pre-activation of each hidden layer (feed-forward) or time step (RNN)
    hidden_post: list[torch.Tensor]  # representation after normalisation, activation and dropout
    output: torch.Tensor  # (S, B, n_out), or (S, B, T, n_out) for sequence models
    inputs: list[torch.Tensor] = field(default_factory=list)  # the input each weight layer received
    # where each hidden layer hands its state to the next in Boopathy & Fiete's code, which mixes the frozen and
    # the current network there (Align-ada): after normalisation, before the activation (their conv layers leave
    # the activation to the next layer), except the last hidden layer, whose activation feeds the readout; the
    # RNN's state after its activation
    handoff: list[torch.Tensor] = field(default_factory=list)


LinearOverride = Callable[[int, torch.Tensor], torch.Tensor]


def activation(name: str) -> Callable[[torch.Tensor], torch.Tensor]:
    """Activation functions by name: tanh, relu, sigmoid, erf (erf(x/√2), Refinetti/Srinivasan) and linear."""
    table = {
        "tanh": torch.tanh,
        "relu": torch.relu,
        "sigmoid": torch.sigmoid,
        "erf": lambda u: torch.erf(u / math.sqrt(2.0)),
        "linear": lambda u: u,
    }
    if name not in table:
        raise ValueError(f"unknown activation {name!r}; choose one of {sorted(table)}")
    return table[name]


def init_weight(
    shape: tuple[int, ...], fan_in: int, scheme: str, scale: float, generator: torch.Generator
) -> torch.Tensor:
    """Initial weights, multiplied by ``scale``.

    ``pytorch``: U(±1/√fan_in), PyTorch's default for Linear/Conv (Refinetti App. E);
    ``he_normal``: N(0, 2/fan_in); ``he_uniform``: U(±√(6/fan_in)) (Srinivasan Sec. 5.1);
    ``normal``: N(0, 1) (NTK parameterisation, Boopathy Eq. 1; Chu: normal times a scale factor, 0 allowed);
    ``lecun_normal``: N(0, 1/fan_in).
    """
    if scheme == "pytorch":
        bound = 1.0 / math.sqrt(fan_in)
        w = (torch.rand(shape, generator=generator) * 2 - 1) * bound
    elif scheme == "he_uniform":
        bound = math.sqrt(6.0 / fan_in)
        w = (torch.rand(shape, generator=generator) * 2 - 1) * bound
    elif scheme == "he_normal":
        w = torch.randn(shape, generator=generator) * math.sqrt(2.0 / fan_in)
    elif scheme == "normal":
        w = torch.randn(shape, generator=generator)
    elif scheme == "lecun_normal":
        w = torch.randn(shape, generator=generator) / math.sqrt(fan_in)
    else:
        raise ValueError(f"unknown init scheme {scheme!r} (pytorch | he_normal | he_uniform | normal | lecun_normal)")
    return w * scale


def init_bias(shape: tuple[int, ...], fan_in: int, scheme: str, generator: torch.Generator) -> torch.Tensor:
    """Biases: PyTorch's default U(±1/√fan_in) with the ``pytorch`` scheme, zero otherwise (Boopathy's code)."""
    if scheme == "pytorch":
        bound = 1.0 / math.sqrt(fan_in)
        return (torch.rand(shape, generator=generator) * 2 - 1) * bound
    return torch.zeros(shape)


def batch_statistics_norm(u: torch.Tensor, eps: float = 1e-6) -> torch.Tensor:
    """Boopathy's "batch norm": standardise over the batch axis (dim 1) per feature position, no affine
    parameters, batch statistics at test time too (ANCHORS: eps 1e-6)."""
    mean = u.mean(dim=1, keepdim=True)
    var = u.var(dim=1, unbiased=False, keepdim=True)
    return (u - mean) / torch.sqrt(var + eps)


class Model(nn.Module):
    """Interface of the models (see the module docstring)."""

    n_seeds: int
    n_out: int

    def weight_layers(self) -> list[tuple[nn.Parameter, nn.Parameter | None]]:
        """(weight, bias) of each weight layer, input to output; weights are (S, out, in, …)."""
        raise NotImplementedError

    def trace(
        self,
        x: torch.Tensor,
        *,
        masks: list[torch.Tensor] | None = None,
        detach_inputs: bool = False,
        linear_override: LinearOverride | None = None,
    ) -> Trace:
        raise NotImplementedError

    def linear(self, layer: int, h: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
        """Weight layer ``layer``'s linear map (with its parameterisation's scaling, without bias)."""
        raise NotImplementedError

    def sample_dropout_masks(self, batch_shape: tuple[int, int], generator: torch.Generator | None = None):
        """Dropout masks for one training step (reused by both passes of PEPITA), or None without dropout."""
        return None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.trace(x).output

    def broadcast_input(self, x: torch.Tensor, event_dims: int) -> torch.Tensor:
        """(B, …) → (S, B, …); (S, B, …) passes through."""
        if x.dim() == event_dims + 1:
            return x.unsqueeze(0).expand(self.n_seeds, *x.shape)
        if x.dim() != event_dims + 2 or x.shape[0] != self.n_seeds:
            raise ValueError(f"input of shape {tuple(x.shape)} does not fit a model of {self.n_seeds} seeds")
        return x
