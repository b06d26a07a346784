"""Adaptive feedback alignment (Srinivasan et al. 2024, Eq. 11): PEPITA's modulated pass linearised in F e.

h_l − h_lᵉʳʳ ≈ J_l F e, the forward-mode derivative of layer l's representation along F e, so
ΔW_1 = [(W_1 F e) ⊙ σ'] xᵀ (Eq. 11, x instead of x − F e) and, in deeper nets, ΔW_l = (J_l F e) h_{l−1}ᵀ;
the output layer uses e h_{L−1}ᵀ. For a two-layer network this is FA with the adaptive feedback W_1 F.
"""

from __future__ import annotations

import torch

from fa_repro.models.losses import batch_divisor
from fa_repro.rules.base import StepResult, batch_loss, broadcast_target
from fa_repro.rules.input_feedback import InputFeedback


class AdaptiveFeedbackAlignment(InputFeedback):
    name = "afa"

    def gradients(self, model, x, target, loss, masks=None):
        clean = model.trace(x, masks=masks, detach_inputs=True)
        target = broadcast_target(model, target, clean.output)
        n = batch_divisor(loss, clean.output.shape[1])
        e = loss.error(clean.output, target).detach()
        x0 = clean.inputs[0]
        with torch.no_grad():
            _, tangents = torch.func.jvp(lambda inp: tuple(model.trace(inp, masks=masks).hidden_post),
                                         (x0,), (self.projected_error(e),))
        torch.autograd.backward(clean.hidden_pre + [clean.output], [t / n for t in tangents] + [e / n])
        return StepResult(clean.output.detach(), batch_loss(loss, clean.output, target).detach())
