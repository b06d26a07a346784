"""Align-ada (Boopathy & Fiete 2022, Eq. 16, App. C Algorithm 2): the feedback Jacobian frozen at
initialisation, g_l⁽⁰⁾(x) e, with the *current* presynaptic activity: ΔW_l = g_l⁽⁰⁾(x) e σ(z_{l−1}⁽ᵗ⁾(x))ᵀ."""

from __future__ import annotations

import torch

from fa_repro.rules.align_zero import AlignZero
from fa_repro.rules.base import StepResult, batch_loss, broadcast_target, output_error


class AlignAda(AlignZero):
    name = "align_ada"

    def gradients(self, model, x, target, loss, masks=None):
        current = model.trace(x, masks=masks, detach_inputs=True)
        target = broadcast_target(model, target, current.output)
        e = output_error(loss, current.output, target)
        initial = self.initial.trace(x, masks=masks)
        deltas = torch.autograd.grad(initial.output, initial.hidden_pre, grad_outputs=e)  # g_l⁽⁰⁾(x) e
        torch.autograd.backward(current.hidden_pre + [current.output], [d.detach() for d in deltas] + [e])
        return StepResult(current.output.detach(), batch_loss(loss, current.output, target).detach())
