"""Rules that send one signal straight from the output to every hidden layer through fixed random matrices
(DFA sends the error, DRTP the target). Each hidden representation h_l receives B_l·signal; the output layer
is trained with the true error:

    δa_l = (B_l s) ⊙ g′(a_l),  ΔW_l = −η δa_l h_{l−1}ᵀ,   s = e (DFA, Refinetti Eq. 4) or −y* (DRTP), in the loss's batch unit.
"""

from __future__ import annotations

import torch

from fa_repro.models.losses import batch_divisor
from fa_repro.rules.base import (
    LearningRule,
    StepResult,
    batch_loss,
    broadcast_target,
    fan_scale,
    output_error,
    random_feedback,
)
from fa_repro.training_spec import DirectFeedbackSpec


class DirectFeedback(LearningRule):
    model_kinds = ("MLP", "BoopathyCNN")

    def __init__(self, feedback: str = DirectFeedbackSpec.feedback,
                 feedback_scale: float = DirectFeedbackSpec.feedback_scale,
                 fan_scaling: str = DirectFeedbackSpec.fan_scaling,
                 spatially_shared: bool = DirectFeedbackSpec.spatially_shared):
        self.feedback, self.feedback_scale, self.fan_scaling = feedback, feedback_scale, fan_scaling
        # Boopathy & Fiete App. F (ImageNet): one feedback matrix per channel, the same at every spatial
        # location of a convolutional layer (B_l: channels × outputs instead of units × outputs)
        self.spatially_shared = spatially_shared

    def signal(self, error: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def bind(self, model, generator, input_shape):
        super().bind(model, generator, input_shape)
        with torch.no_grad():
            probe = model.trace(torch.zeros(model.n_seeds, 2, *input_shape, device=model.weight_layers()[0][0].device))
        self.B, self.scales = [], []
        for h in probe.hidden_post:  # B_l: (S, units of h_l, n_out); (S, channels, n_out) when shared
            n_units = h.shape[2] if self._shared(h) else h[0, 0].numel()
            scale = self.feedback_scale * fan_scale(self.fan_scaling, n_units)
            self.B.append(random_feedback((model.n_seeds, n_units, model.n_out), self.feedback, scale, generator).to(h.device))
            self.scales.append(scale)

    def gradients(self, model, x, target, loss, masks=None):
        trace = model.trace(x, masks=masks, detach_inputs=True)
        target = broadcast_target(model, target, trace.output)
        e = output_error(loss, trace.output, target)
        signal = self.signal(e, target / batch_divisor(loss, trace.output.shape[1]))
        injected = [self._inject(torch.matmul(signal, b.transpose(-1, -2)), h) for b, h in zip(self.B, trace.hidden_post)]
        torch.autograd.backward(trace.hidden_post + [trace.output], injected + [e])
        return StepResult(trace.output.detach(), batch_loss(loss, trace.output, target).detach())

    def _shared(self, h: torch.Tensor) -> bool:
        """Whether layer h (S, B, C, …) gets one feedback row per channel, shared over its positions."""
        return self.spatially_shared and h.dim() > 3

    def _inject(self, projected: torch.Tensor, h: torch.Tensor) -> torch.Tensor:
        """B_l·signal in the shape of h_l: (S, B, units) reshaped, or (S, B, C) repeated over the positions."""
        if not self._shared(h):
            return projected.reshape(h.shape)
        return projected.reshape(*projected.shape, *([1] * (h.dim() - 3))).expand(h.shape)

    def state_tensors(self):
        return {f"B{l}": b for l, b in enumerate(self.B)}

    def _assign(self, key, value):
        self.B[int(key[1:])] = value

    def feedback_images(self, model):
        """Refinetti Eq. 18: hidden layer l ≥ 2 aligns with F_l F_{l−1}ᵀ, the output layer with F_{L−1}ᵀ, the F_l taken
        at unit entry scale (B_l divided by its ``feedback_scale`` × fan scale), as the authors' ``calc_weight_
        alignments`` forms them from TinyDFA's stored U(−1, 1) entries: the per-layer cosines do not depend on it,
        but the global one weighs each layer's image by its norm (docs/deviations.md #81)."""
        unit = [b / s for b, s in zip(self.B, self.scales)]
        images = []
        for l in range(1, len(unit)):
            images.append((l, torch.matmul(unit[l], unit[l - 1].transpose(-1, -2))))
        images.append((len(unit), unit[-1].transpose(-1, -2)))
        return images
