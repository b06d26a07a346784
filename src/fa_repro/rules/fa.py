"""Feedback alignment (Lillicrap et al. 2016; Refinetti et al. 2021, Eq. 3; Chu & Bacho 2024, Methods):
backpropagation with each weight's transpose on the backward path replaced by a fixed feedback matrix B_l:

    δa_L = e,    δa_l^FA = (B_{l+1} δa_{l+1}) ⊙ g′(a_l)   (Refinetti Eq. 3, B_{l+1} in W_{l+1}ᵀ's place),
    ΔW_l = −η δa_l h_{l−1}ᵀ.

Applied in :meth:`FeedbackAlignment.gradients` by a backward pass whose linear maps use B instead of Wᵀ.
"""

from __future__ import annotations


from fa_repro.rules.base import (
    LearningRule,
    StepResult,
    batch_objective,
    broadcast_target,
    fan_scale,
    random_feedback,
)
from fa_repro.training_spec import FeedbackAlignmentSpec


class FeedbackAlignment(LearningRule):
    """``feedback``: entry distribution (uniform | normal | sign), ``feedback_scale`` times the ``fan_scaling``
    of the layer the feedback projects into (its input width)."""

    name = "fa"
    model_kinds = ("MLP", "BoopathyCNN")

    def __init__(self, feedback: str = FeedbackAlignmentSpec.feedback,
                 feedback_scale: float = FeedbackAlignmentSpec.feedback_scale,
                 fan_scaling: str = FeedbackAlignmentSpec.fan_scaling):
        self.feedback, self.feedback_scale, self.fan_scaling = feedback, feedback_scale, fan_scaling

    def bind(self, model, generator, input_shape):
        super().bind(model, generator, input_shape)
        self.B = [None] + [self._initial_feedback(w, generator) for w, _ in model.weight_layers()[1:]]

    def _initial_feedback(self, weight, generator):
        n_in = weight[0].numel() // weight.shape[1]
        scale = self.feedback_scale * fan_scale(self.fan_scaling, n_in)
        return random_feedback(tuple(weight.shape), self.feedback, scale, generator).to(weight.device)

    def gradients(self, model, x, target, loss, masks=None):
        weights = [w for w, _ in model.weight_layers()]

        def linear(layer, h):
            if layer == 0:  # the input needs no gradient
                return model.linear(0, h, weights[0])
            # value W h; gradient to W from the detached input; gradient to h through B (not W)
            via_b = model.linear(layer, h, self.B[layer])
            return model.linear(layer, h.detach(), weights[layer]) + via_b - via_b.detach()

        trace = model.trace(x, masks=masks, linear_override=linear)
        target = broadcast_target(model, target, trace.output)
        objective, per_seed = batch_objective(loss, trace.output, target)
        objective.sum().backward()
        return StepResult(trace.output.detach(), per_seed.detach())

    def state_tensors(self):
        return {f"B{l}": b for l, b in enumerate(self.B) if b is not None}

    def _assign(self, key, value):
        self.B[int(key[1:])] = value.to(self.B[int(key[1:])].device)

    def feedback_images(self, model):
        return [(l, b) for l, b in enumerate(self.B) if b is not None]
