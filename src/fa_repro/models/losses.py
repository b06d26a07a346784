"""Losses as per-example functions with their output error e = ∂ℓ/∂(network output), which the local rules
(DFA, DRTP, PEPITA, AFA, Align) send back instead of back-propagating, and how a batch reduces them.

The batch reduction is the unit of the learning rate: ``mean`` (the update is the batch mean of the per-example
updates, PyTorch's default) or ``sum`` (their sum, B times larger: Refinetti et al.'s code steps SGD on
``CrossEntropyLoss(reduction='sum')`` and ``MSELoss(reduction='sum')``, so the paper's lr 1e-4 at batch 32 is per
summed batch). The reported training loss is the per-example mean either way.
"""

from __future__ import annotations

import torch

from fa_repro.training_spec import TrainingSpec


class MeanSquaredError:
    """Squared error with its unit as a parameter; the prediction is ŷ itself.

    * ``half_sum``: ℓ = ½‖ŷ − y‖² summed over outputs (and time steps), e = ŷ − y (Chu; the ODEs' ½ e²);
    * ``sum``: ℓ = ‖ŷ − y‖² summed over outputs (and time steps), e = 2(ŷ − y): PyTorch's ``MSELoss(reduction=
      'sum')`` per example, the loss of Refinetti et al.'s code for the regression task (Eq. 20);
    * ``mean``: ℓ = mean over the outputs of (ŷ − y)², summed over time steps, e = 2(ŷ − y)/n_out: the batch mean of
      this loss is TensorFlow's ``reduce_mean((logits − labels)**2)`` over batch × classes, Boopathy & Fiete's
      "mean squared error" in their code, so their learning rates apply unchanged (with 10 classes its gradients
      are 1/5 of ``half_sum``'s).
    """

    UNITS = {"half_sum": "mse", "sum": "mse_sum", "mean": "mse_mean"}  # unit -> loss name

    def __init__(self, unit: str = "half_sum", reduction: str = TrainingSpec.loss_reduction):
        if unit not in self.UNITS:
            raise ValueError(f"squared-error unit {unit!r} is not one of {tuple(self.UNITS)}")
        self.unit = unit
        self.name = self.UNITS[unit]
        self.reduction = _checked_reduction(reduction)

    def per_example(self, output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        sq = (output - target).pow(2)
        if self.unit == "mean":
            per_step = sq.mean(-1)  # (S, B) or (S, B, T)
            return per_step.reshape(*per_step.shape[:2], -1).sum(-1)
        summed = sq.flatten(start_dim=2).sum(-1)
        return 0.5 * summed if self.unit == "half_sum" else summed

    def error(self, output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        diff = output - target
        if self.unit == "half_sum":
            return diff
        return 2.0 * diff if self.unit == "sum" else diff * (2.0 / output.shape[-1])

    def prediction(self, output: torch.Tensor) -> torch.Tensor:
        return output


class CrossEntropy:
    """Softmax cross-entropy on (possibly soft) targets: ℓ = −Σ y log softmax(ŷ), e = softmax(ŷ) − y
    (PEPITA's e = output − one-hot with a softmax output layer)."""

    name = "cross_entropy"

    def __init__(self, reduction: str = TrainingSpec.loss_reduction):
        self.reduction = _checked_reduction(reduction)

    def per_example(self, output, target):
        return -(target * torch.log_softmax(output, dim=-1)).sum(-1)

    def error(self, output, target):
        return torch.softmax(output, dim=-1) - target

    def prediction(self, output):
        return torch.softmax(output, dim=-1)


REDUCTIONS = ("mean", "sum")


def _checked_reduction(reduction: str) -> str:
    if reduction not in REDUCTIONS:
        raise ValueError(f"loss reduction {reduction!r} is not one of {REDUCTIONS}")
    return reduction


def batch_divisor(loss, batch_size: int) -> int:
    """What a per-example error or update is divided by to be in the loss's batch unit: the batch size for
    ``mean`` (the update is the batch mean), 1 for ``sum``."""
    return batch_size if loss.reduction == "mean" else 1


LOSSES = {"mse": lambda r: MeanSquaredError("half_sum", r), "mse_sum": lambda r: MeanSquaredError("sum", r),
          "mse_mean": lambda r: MeanSquaredError("mean", r), "cross_entropy": CrossEntropy}


def make_loss(name: str, reduction: str = TrainingSpec.loss_reduction):
    """The loss ``name`` (per-example unit) reduced over a batch by ``reduction`` (mean | sum; a run's default,
    :class:`fa_repro.training_spec.TrainingSpec`)."""
    if name not in LOSSES:
        raise ValueError(f"unknown loss {name!r}; choose one of {sorted(LOSSES)}")
    return LOSSES[name](reduction)
