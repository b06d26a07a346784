"""PEPITA (Dellaferrera & Kreiman 2022, as written in Srinivasan et al. 2024 Eqs. 1–5) and its forms.

Clean pass h_l = σ(W_l h_{l−1}); error e = ŷ − y; modulated pass on x − F e (same dropout masks). Updates,
applied as W ← W − η ΔW (batch means):

* ``original`` (Eqs. 3–5): ΔW_1 = (h_1 − h_1ᵉʳʳ)(x − Fe)ᵀ, ΔW_l = (h_l − h_lᵉʳʳ)(h_{l−1}ᵉʳʳ)ᵀ, ΔW_L = e(h_{L−1}ᵉʳʳ)ᵀ;
* ``hebbian`` (Eqs. 7, 13–14): ΔW_l = h_l h_{l−1}ᵀ − h_lᵉʳʳ(h_{l−1}ᵉʳʳ)ᵀ, ΔW_L = h_L h_{L−1}ᵀ − y(h_{L−1}ᵉʳʳ)ᵀ;
* ``time_local`` (App. A, Algorithm 2): the Hebbian terms of the clean pass are applied right after it (one
  optimiser step), the modulated pass runs on the updated weights and its terms form a second step.

h_L is the network's prediction (softmax for cross-entropy). Weight decay and activation normalisation are
the optimiser's and the model's; weight mirroring and pre-mirroring are in
:class:`fa_repro.rules.input_feedback.InputFeedback`.
"""

from __future__ import annotations

import torch

from fa_repro.models.losses import batch_divisor
from fa_repro.rules.base import StepResult, batch_loss, broadcast_target
from fa_repro.rules.input_feedback import InputFeedback
from fa_repro.training_spec import PepitaSpec

VARIANTS = ("original", "hebbian", "time_local")


class Pepita(InputFeedback):
    name = "pepita"

    def __init__(self, variant: str = PepitaSpec.variant, **feedback):
        if variant not in VARIANTS:
            raise ValueError(f"PEPITA variant {variant!r} is not one of {VARIANTS}")
        super().__init__(**feedback)
        self.variant = variant

    def _modulated(self, model, x, e, masks, detach_inputs=True):
        x = model.broadcast_input(x.flatten(start_dim=-3) if x.dim() >= 4 else x, 1)
        x = x.reshape(model.n_seeds, x.shape[1], -1)
        return model.trace(x - self.projected_error(e), masks=masks, detach_inputs=detach_inputs)

    def gradients(self, model, x, target, loss, masks=None):
        hebbian = self.variant != "original"
        clean = model.trace(x, masks=masks, detach_inputs=True)
        target = broadcast_target(model, target, clean.output)
        n = batch_divisor(loss, clean.output.shape[1])
        e = loss.error(clean.output, target).detach()
        modulated = self._modulated(model, x, e, masks)
        if hebbian:
            tensors = clean.hidden_pre + [clean.output] + modulated.hidden_pre + [modulated.output]
            grads = [h.detach() / n for h in clean.hidden_post] + [loss.prediction(clean.output).detach() / n]
            grads += [-h.detach() / n for h in modulated.hidden_post] + [-target / n]
        else:
            tensors = modulated.hidden_pre + [modulated.output]
            grads = [(h.detach() - h_err.detach()) / n for h, h_err in zip(clean.hidden_post, modulated.hidden_post)]
            grads += [e / n]
        torch.autograd.backward(tensors, grads)
        return StepResult(clean.output.detach(), batch_loss(loss, clean.output, target).detach())

    def step(self, model, x, target, loss, optimizer, generator=None):
        if self.variant != "time_local":
            return super().step(model, x, target, loss, optimizer, generator)
        masks = model.sample_dropout_masks(tuple(x.shape[:2]) if x.dim() > 2 else (1, x.shape[0]), generator)
        optimizer.zero_grad(set_to_none=True)
        clean = model.trace(x, masks=masks, detach_inputs=True)
        target = broadcast_target(model, target, clean.output)
        n = batch_divisor(loss, clean.output.shape[1])
        e = loss.error(clean.output, target).detach()
        torch.autograd.backward(clean.hidden_pre + [clean.output],
                                [h.detach() / n for h in clean.hidden_post] + [loss.prediction(clean.output).detach() / n])
        optimizer.step()  # W⁺ = W − η h_l h_{l−1}ᵀ
        optimizer.zero_grad(set_to_none=True)
        modulated = self._modulated(model, x, e, masks)
        torch.autograd.backward(modulated.hidden_pre + [modulated.output],
                                [-h.detach() / n for h in modulated.hidden_post] + [-target / n])
        optimizer.step()  # W = W⁺ + η h_lᵉʳʳ (h_{l−1}ᵉʳʳ)ᵀ
        self.after_step(model)
        return StepResult(clean.output.detach(), batch_loss(loss, clean.output, target).detach())
