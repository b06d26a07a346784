"""Backpropagation (gradient descent; "Normal" in Boopathy & Fiete)."""

from __future__ import annotations

from fa_repro.rules.base import LearningRule, StepResult, batch_loss, broadcast_target


class Backprop(LearningRule):
    name = "bp"

    def gradients(self, model, x, target, loss, masks=None):
        trace = model.trace(x, masks=masks)
        target = broadcast_target(model, target, trace.output)
        per_seed = batch_loss(loss, trace.output, target)
        per_seed.sum().backward()  # seeds are independent: the sum's gradient is each seed's own
        return StepResult(trace.output.detach(), per_seed.detach())
