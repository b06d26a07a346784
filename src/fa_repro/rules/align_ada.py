"""Align-ada (Boopathy & Fiete 2022, Eq. 16, App. C Algorithm 2): the feedback Jacobian frozen at
initialisation, g_l⁽⁰⁾(x) e, with the *current* presynaptic activity: ΔW_l = g_l⁽⁰⁾(x) e σ(z_{l−1}⁽ᵗ⁾(x))ᵀ.

Where the frozen Jacobian hands over to the current network is ``frozen_from``:

* ``pre_activation`` — Eq. 16 as printed: g_l⁽⁰⁾ = ∂f⁽⁰⁾/∂z_l, injected at the current pre-activation z_l, so the
  initial network's normalisation and activation derivative of layer l are used;
* ``handoff`` — the authors' code (train_cifar.py, train_add.py): the gradient of the initial network with respect
  to the tensor each layer hands to the next (:attr:`fa_repro.models.base.Trace.handoff`), injected at the current
  network's: after batch norm for the conv layers, so the current normalisation Jacobian is used; after the
  activation for the last conv layer and the RNN's state, so their current activation derivatives are used.

Both equal BP at step 0 (current = initial network).
"""

from __future__ import annotations

import torch

from fa_repro.rules.align_zero import AlignZero
from fa_repro.rules.base import StepResult, batch_loss, broadcast_target, output_error
from fa_repro.training_spec import AlignAdaSpec

FROZEN_FROM = ("pre_activation", "handoff")


class AlignAda(AlignZero):
    name = "align_ada"

    def __init__(self, frozen_from: str = AlignAdaSpec.frozen_from):
        if frozen_from not in FROZEN_FROM:
            raise ValueError(f"align_ada frozen_from {frozen_from!r} is not one of {FROZEN_FROM}")
        self.frozen_from = frozen_from

    def _points(self, trace) -> list[torch.Tensor]:
        return trace.hidden_pre if self.frozen_from == "pre_activation" else trace.handoff

    def gradients(self, model, x, target, loss, masks=None):
        current = model.trace(x, masks=masks, detach_inputs=True)
        target = broadcast_target(model, target, current.output)
        e = output_error(loss, current.output, target)
        initial = self.initial.trace(x, masks=masks)
        deltas = torch.autograd.grad(initial.output, self._points(initial), grad_outputs=e)  # g_l⁽⁰⁾(x) e
        torch.autograd.backward(self._points(current) + [current.output], [d.detach() for d in deltas] + [e])
        return StepResult(current.output.detach(), batch_loss(loss, current.output, target).detach())
