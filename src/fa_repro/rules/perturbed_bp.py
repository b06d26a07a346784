"""Backpropagation whose hidden-layer updates are rotated to a prescribed alignment with the true gradient
(Chu & Bacho 2024, Fig. 3): per seed and hidden layer, g' = ‖g‖(c ĝ + √(1−c²) r̂), with r̂ a uniformly random
unit vector orthogonal to g, so cos(g', g) = c exactly and ‖g'‖ = ‖g‖. The output layer keeps its gradient."""

from __future__ import annotations

import math

import torch

from fa_repro.rules.bp import Backprop
from fa_repro.training_spec import PerturbedBackpropSpec


class PerturbedBackprop(Backprop):
    name = "perturbed_bp"

    def __init__(self, alignment: float = PerturbedBackpropSpec.alignment):
        if not -1.0 <= alignment <= 1.0:
            raise ValueError(f"perturbed_bp alignment {alignment} must be in [−1, 1]")
        self.alignment = alignment

    def gradients(self, model, x, target, loss, masks=None):
        result = super().gradients(model, x, target, loss, masks)
        c, s = self.alignment, math.sqrt(max(0.0, 1.0 - self.alignment**2))
        for weight, bias in model.weight_layers()[:-1]:
            params = [p for p in (weight, bias) if p is not None and p.grad is not None]
            g = torch.cat([p.grad.reshape(p.shape[0], -1) for p in params], dim=1)  # (S, n)
            norm = g.norm(dim=1, keepdim=True).clamp_min(1e-30)
            unit = g / norm
            r = torch.randn(g.shape, generator=self.generator).to(g.device)
            r = r - (r * unit).sum(1, keepdim=True) * unit
            r = r / r.norm(dim=1, keepdim=True).clamp_min(1e-30)
            new = norm * (c * unit + s * r)
            offset = 0
            for p in params:
                n = p[0].numel()
                p.grad = new[:, offset:offset + n].reshape(p.shape).contiguous()
                offset += n
        return result
