"""The interface every learning rule implements, and the pieces they share.

A rule is bound once to a model (:meth:`LearningRule.bind` draws its feedback matrices or copies the initial
network), then each training step calls :meth:`LearningRule.step`, which fills the parameters' ``.grad`` with
the rule's update direction (the batch mean of the per-example updates, so that BP's is exactly the gradient
of the batch-mean loss; their sum for a loss reduced by ``sum``, :func:`fa_repro.models.losses.batch_divisor`) and lets
the optimiser apply it. ``.grad`` left at ``None`` means "not updated".
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

import torch

from fa_repro.models.base import Model
from fa_repro.models.losses import batch_divisor


@dataclass
class StepResult:
    output: torch.Tensor  # network output of the (first) forward pass, detached
    loss: torch.Tensor  # (S,) batch-mean loss per seed


class LearningRule:
    name: ClassVar[str] = "base"
    model_kinds: ClassVar[tuple[str, ...]] = ("MLP", "BoopathyCNN", "BoopathyRNN")

    def __init__(self, **params):
        if params:
            raise ValueError(f"rule {self.name!r} got unknown parameters {sorted(params)}")

    # -- life cycle ------------------------------------------------------------------------------------
    def bind(self, model: Model, generator: torch.Generator, input_shape: tuple[int, ...]) -> None:
        """Attach to ``model`` (inputs of one example shaped ``input_shape``): check it is supported and draw
        the rule's fixed quantities from ``generator``."""
        if type(model).__name__ not in self.model_kinds:
            raise ValueError(f"rule {self.name!r} does not support {type(model).__name__} "
                             f"(supported: {', '.join(self.model_kinds)})")
        self.generator = generator
        self.input_shape = tuple(input_shape)

    def before_training(self, model: Model, batches_per_epoch: int) -> None:
        """Called once before the first epoch (PEPITA's pre-mirroring)."""

    def gradients(self, model: Model, x, target, loss, masks=None) -> StepResult:
        """Fill ``p.grad`` of ``model``'s parameters with this rule's update for one batch."""
        raise NotImplementedError

    def step(self, model: Model, x, target, loss, optimizer, generator=None) -> StepResult:
        optimizer.zero_grad(set_to_none=True)
        masks = model.sample_dropout_masks(tuple(x.shape[:2]) if x.dim() > 2 else (1, x.shape[0]), generator)
        result = self.gradients(model, x, target, loss, masks=masks)
        optimizer.step()
        self.after_step(model)
        return result

    def after_step(self, model: Model) -> None:
        """Called after each optimiser step (weight mirroring)."""

    # -- state, for checkpoints and metrics -----------------------------------------------------------
    def state_tensors(self) -> dict[str, torch.Tensor]:
        """Every tensor the rule owns (feedback matrices, initial network), for checkpoints."""
        return {}

    def load_state_tensors(self, state: dict[str, torch.Tensor]) -> None:
        for key, value in state.items():
            self._assign(key, value)

    def _assign(self, key, value):
        raise KeyError(f"rule {self.name!r} has no state {key!r}")

    def feedback_images(self, model: Model) -> list[tuple[int, torch.Tensor]] | None:
        """(layer, matrix shaped like that layer's weight) whose alignment with the weight is the rule's weight
        alignment (Refinetti Eqs. 18–19; Chu Fig. 1c); None when the rule has no feedback weights."""
        return None


def batch_loss(loss, output, target) -> torch.Tensor:
    """(S,) batch-mean loss per seed (what is reported, whatever the loss's batch reduction)."""
    return loss.per_example(output, target).mean(dim=1)


def batch_objective(loss, output, target) -> tuple[torch.Tensor, torch.Tensor]:
    """(S,) the per-seed batch loss whose gradient is the update — the batch mean, or the sum for a loss reduced
    by ``sum`` (Refinetti et al.'s code) — and (S,) the batch-mean loss that is reported."""
    per_example = loss.per_example(output, target)
    mean = per_example.mean(dim=1)
    return (mean if loss.reduction == "mean" else per_example.sum(dim=1)), mean


def output_error(loss, output, target) -> torch.Tensor:
    """e = ∂ℓ/∂ŷ per example in the loss's batch unit (divided by the batch size for a batch mean), so that
    injected updates are what BP's batch objective gives."""
    return (loss.error(output, target) / batch_divisor(loss, output.shape[1])).detach()


def broadcast_target(model: Model, target: torch.Tensor, output: torch.Tensor) -> torch.Tensor:
    return target.expand_as(output) if target.dim() < output.dim() else target


def random_feedback(shape, distribution: str, scale: float, generator: torch.Generator) -> torch.Tensor:
    """Fixed random feedback entries: ``uniform`` U(−scale, scale), ``normal`` N(0, scale²) or ``sign`` ±scale
    (Chu & Bacho: entries from {−1, 1})."""
    if distribution == "uniform":
        return (torch.rand(shape, generator=generator) * 2 - 1) * scale
    if distribution == "normal":
        return torch.randn(shape, generator=generator) * scale
    if distribution == "sign":
        return (torch.randint(0, 2, shape, generator=generator) * 2 - 1).to(torch.float32) * scale
    raise ValueError(f"unknown feedback distribution {distribution!r} (uniform | normal | sign)")


def fan_scale(mode: str, n_units: int) -> float:
    """Scale factor of feedback entries from the width ``n_units`` of the layer the feedback projects into:
    ``none`` 1, ``inv_sqrt`` 1/√n, ``inv_sqrt_plus_one`` 1/√(n+1) (Refinetti App. E.1), ``tinydfa`` 1/√n: the
    effective scale of the authors' TinyDFA code, which stores U(−1, 1) entries and divides the projected error
    by √n (within 0.5 % of App. E.1's at n = 100)."""
    table = {"none": 1.0, "inv_sqrt": 1.0 / math.sqrt(n_units), "inv_sqrt_plus_one": 1.0 / math.sqrt(n_units + 1),
             "tinydfa": 1.0 / math.sqrt(n_units)}
    if mode not in table:
        raise ValueError(f"unknown fan_scaling {mode!r}; choose one of {sorted(table)}")
    return table[mode]
