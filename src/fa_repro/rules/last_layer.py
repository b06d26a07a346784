"""Training only the last layer ("Last layer" in Boopathy & Fiete, readout-only for the RNN; Chu Fig. 3):
the output error reaches the readout weights and nothing else:

    ΔW_L = −η e h_{L−1}ᵀ,   ΔW_l = 0 for l < L.
"""

from __future__ import annotations

import torch

from fa_repro.rules.base import LearningRule, StepResult, batch_loss, broadcast_target, output_error


class LastLayer(LearningRule):
    name = "last_layer"

    def gradients(self, model, x, target, loss, masks=None):
        trace = model.trace(x, masks=masks, detach_inputs=True)
        target = broadcast_target(model, target, trace.output)
        torch.autograd.backward([trace.output], [output_error(loss, trace.output, target)])
        return StepResult(trace.output.detach(), batch_loss(loss, trace.output, target).detach())
