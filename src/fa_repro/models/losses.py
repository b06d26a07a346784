"""Losses as per-example functions with their output error e = ∂ℓ/∂(network output), which the local rules
(DFA, DRTP, PEPITA, AFA, Align) send back instead of back-propagating."""

from __future__ import annotations

import torch


class MeanSquaredError:
    """Squared error with its unit as a parameter; the prediction is ŷ itself.

    * ``half_sum``: ℓ = ½‖ŷ − y‖² summed over outputs (and time steps), e = ŷ − y (Refinetti, Chu);
    * ``mean``: ℓ = mean over the outputs of (ŷ − y)², summed over time steps, e = 2(ŷ − y)/n_out: the batch mean of
      this loss is TensorFlow's ``reduce_mean((logits − labels)**2)`` over batch × classes, Boopathy & Fiete's
      "mean squared error" in their code, so their learning rates apply unchanged (with 10 classes its gradients
      are 1/5 of ``half_sum``'s).
    """

    UNITS = ("half_sum", "mean")

    def __init__(self, unit: str = "half_sum"):
        if unit not in self.UNITS:
            raise ValueError(f"squared-error unit {unit!r} is not one of {self.UNITS}")
        self.unit = unit
        self.name = "mse" if unit == "half_sum" else "mse_mean"

    def per_example(self, output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        sq = (output - target).pow(2)
        if self.unit == "mean":
            per_step = sq.mean(-1)  # (S, B) or (S, B, T)
            return per_step.reshape(*per_step.shape[:2], -1).sum(-1)
        return 0.5 * sq.flatten(start_dim=2).sum(-1)

    def error(self, output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        diff = output - target
        return diff if self.unit == "half_sum" else diff * (2.0 / output.shape[-1])

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


LOSSES = {"mse": MeanSquaredError, "mse_mean": lambda: MeanSquaredError("mean"), "cross_entropy": CrossEntropy}


def make_loss(name: str):
    if name not in LOSSES:
        raise ValueError(f"unknown loss {name!r}; choose one of {sorted(LOSSES)}")
    return LOSSES[name]()
