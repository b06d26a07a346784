"""The top-down feedback F of PEPITA and AFA (Srinivasan et al. 2024): one (input × classes) matrix that
projects the output error onto the input, x − F e. Optionally factorised F = F_1 F_2 ⋯ F_L (one factor per
layer, F_l shaped like W_lᵀ) and trained by weight mirroring (Sec. 6.1, Akrout et al. 2019)."""

from __future__ import annotations

import math

import torch

from fa_repro.rules.base import LearningRule, random_feedback
from fa_repro.training_spec import InputFeedbackSpec, MirroringSpec


class InputFeedback(LearningRule):
    """``feedback``: ``uniform`` or ``normal`` entries with std ``feedback_scale``·√(2/d_in) (App. Table 4:
    0.05·√(2/fan_in)); ``mirroring``: None, or its settings (:class:`fa_repro.training_spec.MirroringSpec`)."""

    model_kinds = ("MLP",)

    def __init__(self, feedback: str = InputFeedbackSpec.feedback,
                 feedback_scale: float = InputFeedbackSpec.feedback_scale,
                 mirroring: MirroringSpec | None = InputFeedbackSpec.mirroring):
        self.feedback, self.feedback_scale, self.mirroring = feedback, feedback_scale, mirroring

    def bind(self, model, generator, input_shape):
        super().bind(model, generator, input_shape)
        d_in = model.sizes[0]
        self.target_std = self.feedback_scale * math.sqrt(2.0 / d_in)
        device = model.weights[0].device
        if self.mirroring is None:
            # uniform U(−a, a) with a = √3·std has the requested std (ANCHORS: U(−1,1)·√(6/d_in)·0.05)
            scale = self.target_std * (math.sqrt(3.0) if self.feedback == "uniform" else 1.0)
            self.factors = [random_feedback((model.n_seeds, d_in, model.n_out), self.feedback, scale, generator).to(device)]
        else:
            self.factors = [torch.randn((model.n_seeds, w.shape[2], w.shape[1]), generator=generator).to(device)
                            for w in model.weights]
            self._rescale()

    @property
    def F(self) -> torch.Tensor:
        """The effective feedback (S, d_in, n_out)."""
        out = self.factors[0]
        for f in self.factors[1:]:
            out = torch.matmul(out, f)
        return out

    def projected_error(self, e: torch.Tensor) -> torch.Tensor:
        """F e for every example: (S, B, n_out) → (S, B, d_in)."""
        return torch.matmul(e, self.F.transpose(-1, -2))

    # -- weight mirroring -------------------------------------------------------------------------------
    def _rescale(self):
        """Multiply each factor by (σ_F(0)/σ_F(t))^{1/L} so that std(F) stays at its initial value (Sec. 6.1)."""
        std = self.F.flatten(start_dim=1).std(dim=1)
        factor = (self.target_std / std.clamp_min(1e-30)) ** (1.0 / len(self.factors))
        self.factors = [f * factor[:, None, None] for f in self.factors]

    def mirror(self, model, batch_size: int) -> None:
        """One weight-mirroring update of every factor: zero-mean noise ξ through layer l, F_l += lr·ξᵀ(W_l ξ)/B
        − lr·wd·F_l, then the std rescaling."""
        cfg = self.mirroring
        with torch.no_grad():
            for l, w in enumerate(model.weights):
                xi = torch.randn((model.n_seeds, batch_size, w.shape[2]), generator=self.generator).to(w.device)
                xi = cfg.noise_std * (xi - xi.mean(dim=1, keepdim=True))
                out = model.linear(l, xi, w)
                update = torch.matmul(xi.transpose(-1, -2), out) / batch_size
                self.factors[l] = self.factors[l] + cfg.lr * (update - cfg.weight_decay * self.factors[l])
            self._rescale()

    def before_training(self, model, batches_per_epoch):
        if self.mirroring is not None:
            for _ in range(self.mirroring.premirror_epochs * batches_per_epoch):
                self.mirror(model, self.mirroring.batch_size)

    def after_step(self, model):
        if self.mirroring is not None:
            self.mirror(model, self.mirroring.batch_size)

    def state_tensors(self):
        return {f"F{l}": f for l, f in enumerate(self.factors)}

    def _assign(self, key, value):
        self.factors[int(key[1:])] = value
