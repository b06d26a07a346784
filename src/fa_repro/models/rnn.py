"""Boopathy & Fiete's recurrent network for the Add task (App. F, Eqs. 60–61), NTK parameterisation."""

from __future__ import annotations

import math

import torch
from torch import nn

from fa_repro.models.base import Model, Trace, activation, init_weight
from fa_repro.training_spec import RNNSpec


class BoopathyRNN(Model):
    """z_{k+1} = W_h σ(z_k)/√m + b_h + W_i x_k,  ŷ_k = W_o σ(z_k)/√m + b_o, z_0 = 0, σ = ReLU.

    The readout is divided by √m like every other layer of the NTK parameterisation (Eq. 61 as printed has
    no 1/√m, which would make the initial output grow like √m; see docs/deviations.md). Weights N(0, 1),
    biases zero. ``trace`` lists the hidden pre-activations z_1 … z_{T−1} as the hidden layers of the
    unrolled network; the output is ŷ_0 … ŷ_{T−1}, shape (S, B, T, n_out).
    """

    def __init__(self, hidden: int, *, n_in: int = 1, n_out: int = 1, n_seeds: int = 1,
                 activation_name: str = RNNSpec.activation, generator: torch.Generator | None = None):
        super().__init__()
        gen = generator or torch.Generator().manual_seed(0)
        self.n_seeds, self.n_out, self.hidden = n_seeds, n_out, hidden
        self.act = activation(activation_name)
        self.w_in = nn.Parameter(init_weight((n_seeds, hidden, n_in), n_in, "normal", 1.0, gen))
        self.w_rec = nn.Parameter(init_weight((n_seeds, hidden, hidden), hidden, "normal", 1.0, gen))
        self.b_rec = nn.Parameter(torch.zeros(n_seeds, hidden))
        self.w_out = nn.Parameter(init_weight((n_seeds, n_out, hidden), hidden, "normal", 1.0, gen))
        self.b_out = nn.Parameter(torch.zeros(n_seeds, n_out))

    def weight_layers(self):
        return [(self.w_in, None), (self.w_rec, self.b_rec), (self.w_out, self.b_out)]

    def linear(self, layer, h, weight):
        return torch.matmul(h, weight.transpose(-1, -2)) / math.sqrt(weight.shape[-1])

    def trace(self, x, *, masks=None, detach_inputs=False, linear_override=None) -> Trace:
        if linear_override is not None:
            raise NotImplementedError("the RNN supports BP, last layer, Align-zero and Align-ada only")
        x = self.broadcast_input(x, 2)  # (S, B, T, n_in)
        s, b, t, _ = x.shape
        r = torch.zeros(s, b, self.hidden, device=x.device, dtype=x.dtype)
        hidden_pre, hidden_post, outputs = [], [], []
        for k in range(t):
            rk = r.detach() if detach_inputs else r
            outputs.append(self.linear(2, rk, self.w_out) + self.b_out.unsqueeze(1))
            if k == t - 1:
                break
            z = self.linear(1, rk, self.w_rec) + self.b_rec.unsqueeze(1) + torch.matmul(x[:, :, k], self.w_in.transpose(-1, -2))
            hidden_pre.append(z)
            r = self.act(z)
            hidden_post.append(r)
        return Trace(hidden_pre, hidden_post, torch.stack(outputs, dim=2), handoff=hidden_post)
