"""Align-zero (Boopathy & Fiete 2022, Eq. 15, App. C Algorithm 1): the update of the initial network's
parameters for the current network's output error, ΔW_l = g_l⁽⁰⁾(x) e σ(z_{l−1}⁽⁰⁾(x))ᵀ — both the feedback
Jacobian and the presynaptic activity frozen at initialisation."""

from __future__ import annotations

import copy

import torch

from fa_repro.rules.base import LearningRule, StepResult, batch_loss, broadcast_target, output_error


def initial_network_update(initial, x, error, masks=None) -> list[torch.Tensor | None]:
    """∇_θ (e · f⁽⁰⁾(x)) over the initial network's parameters: Align-zero's update for error ``error`` (also
    Eq. 13's W* update when ``error`` is the normally trained network's)."""
    trace = initial.trace(x, masks=masks)
    params = list(initial.parameters())
    return list(torch.autograd.grad(trace.output, params, grad_outputs=error, allow_unused=True))


class AlignZero(LearningRule):
    name = "align_zero"

    def bind(self, model, generator, input_shape):
        super().bind(model, generator, input_shape)
        self.initial = copy.deepcopy(model)
        self.initial.train(model.training)

    def gradients(self, model, x, target, loss, masks=None):
        with torch.no_grad():
            output = model.trace(x, masks=masks).output
        target = broadcast_target(model, target, output)
        e = output_error(loss, output, target)
        for p, g in zip(model.parameters(), initial_network_update(self.initial, x, e, masks)):
            p.grad = None if g is None else g.detach()
        return StepResult(output, batch_loss(loss, output, target))

    def state_tensors(self):
        return {f"initial.{k}": v for k, v in self.initial.state_dict().items()}

    def load_state_tensors(self, state):
        self.initial.load_state_dict({k.removeprefix("initial."): v for k, v in state.items()})
