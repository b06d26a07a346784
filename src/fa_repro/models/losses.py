"""Losses as per-example functions with their output error e = ∂ℓ/∂(network output), which the local rules
(DFA, DRTP, PEPITA, AFA, Align) send back instead of back-propagating."""

from __future__ import annotations

import torch


class MeanSquaredError:
    """ℓ = ½‖ŷ − y‖² summed over outputs (and time steps), e = ŷ − y; the prediction is ŷ itself."""

    name = "mse"

    def per_example(self, output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        diff = output - target
        return 0.5 * diff.pow(2).flatten(start_dim=2).sum(-1)

    def error(self, output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return output - target

    def prediction(self, output: torch.Tensor) -> torch.Tensor:
        return output


class CrossEntropy:
    """Softmax cross-entropy on (possibly soft) targets: ℓ = −Σ y log softmax(ŷ), e = softmax(ŷ) − y
    (PEPITA's e = output − one-hot with a softmax output layer)."""

    name = "cross_entropy"

    def per_example(self, output, target):
        return -(target * torch.log_softmax(output, dim=-1)).sum(-1)

    def error(self, output, target):
        return torch.softmax(output, dim=-1) - target

    def prediction(self, output):
        return torch.softmax(output, dim=-1)


LOSSES = {"mse": MeanSquaredError, "cross_entropy": CrossEntropy}


def make_loss(name: str):
    if name not in LOSSES:
        raise ValueError(f"unknown loss {name!r}; choose one of {sorted(LOSSES)}")
    return LOSSES[name]()
