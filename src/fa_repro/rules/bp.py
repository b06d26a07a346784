"""Backpropagation (gradient descent; "Normal" in Boopathy & Fiete; Refinetti et al. 2021, Eqs. 1–2):

    δa_L = e,    δa_l^BP = (W_{l+1}ᵀ δa_{l+1}) ⊙ g′(a_l)   (Eq. 2),    ΔW_l = −η δa_l h_{l−1}ᵀ   (Eq. 1),

computed by autograd of the batch loss.

With ``linearised_companion: true`` the rule also accumulates Boopathy & Fiete's W* (Eq. 13): the update of the
*initial* network (frozen Jacobian and activations) for the error of the normally trained network, summed over
steps. The alignment score (Eqs. 9–12) compares it with W_t − W_0; the score is invariant to a constant scale,
so the companion is accumulated without the (constant) learning rate.
"""

from __future__ import annotations

import copy

import torch

from fa_repro.rules.base import LearningRule, StepResult, batch_objective, broadcast_target, output_error
from fa_repro.training_spec import BackpropSpec


class Backprop(LearningRule):
    name = "bp"
    linearised_companion = False  # subclasses (perturbed BP) have no companion

    def __init__(self, linearised_companion: bool = BackpropSpec.linearised_companion):
        self.linearised_companion = linearised_companion

    def bind(self, model, generator, input_shape):
        super().bind(model, generator, input_shape)
        if self.linearised_companion:
            self.initial = copy.deepcopy(model)
            self.initial.train(model.training)
            self.companion = [torch.zeros_like(p) for p in model.parameters()]

    def gradients(self, model, x, target, loss, masks=None):
        trace = model.trace(x, masks=masks)
        target = broadcast_target(model, target, trace.output)
        objective, per_seed = batch_objective(loss, trace.output, target)
        objective.sum().backward()  # seeds are independent: the sum's gradient is each seed's own
        if self.linearised_companion:
            from fa_repro.rules.align_zero import initial_network_update

            e = output_error(loss, trace.output.detach(), target)
            for acc, g in zip(self.companion, initial_network_update(self.initial, x, e, masks)):
                if g is not None:
                    acc.add_(g.detach())
        return StepResult(trace.output.detach(), per_seed.detach())

    def companion_change(self, layer: int) -> torch.Tensor:
        """Σ_t ΔW*_l (Eq. 13) of weight layer ``layer``, shaped like the weight."""
        weights = [w for w, _ in self.initial.weight_layers()]
        index = [i for i, p in enumerate(self.initial.parameters()) if p is weights[layer]][0]
        return self.companion[index]

    def state_tensors(self):
        if not self.linearised_companion:
            return {}
        state = {f"initial.{k}": v for k, v in self.initial.state_dict().items()}
        state.update({f"companion.{i}": c for i, c in enumerate(self.companion)})
        return state

    def load_state_tensors(self, state):
        if not state:
            return
        self.initial.load_state_dict({k.removeprefix("initial."): v for k, v in state.items() if k.startswith("initial.")})
        for key, value in state.items():
            if key.startswith("companion."):
                self.companion[int(key.split(".")[1])] = value.clone()
