"""Boopathy & Fiete's CNN (App. F): 3×3 convolutions of equal width, batch-statistics normalisation, ReLU,
global average pooling and a linear readout, all in the NTK parameterisation."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from fa_repro.models.base import LinearOverride, Model, Trace, activation, batch_statistics_norm, init_weight
from fa_repro.training_spec import CNNSpec


def same_padding(size: int, stride: int, kernel: int) -> tuple[int, int]:
    """(before, after) padding of TensorFlow's 'SAME' along one axis of ``size`` pixels: ⌈size/stride⌉ outputs,
    the odd pixel of padding after."""
    total = max((-(-size // stride) - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2


class BoopathyCNN(Model):
    """``strides`` gives one convolution per entry (CIFAR-10: 7 layers, strides 1,1,1,2,1,2,1; KMNIST: 1,2,2).

    ``padding``: ``same`` is TensorFlow's 'SAME' (the authors' code): ⌈n/s⌉ outputs, the padding split with the
    odd pixel after, so a stride-2 3×3 convolution of an even-sized map pads (0, 1); ``symmetric`` pads k//2 on
    both sides (PyTorch's habit; the same output size, another function).

    Convolution weights N(0, 1) with outputs divided by √(k·k·C_in), biases zero (trainable, unscaled);
    "batch norm" = batch statistics over the batch axis per (C, H, W) position, no affine, eps 1e-6, at test
    time too; readout = global average pool, then a linear map divided by √C (ANCHORS, Boopathy's code).
    Seeds are stacked on the leading axis and run one after another through the convolutions. The defaults are a
    run's (:class:`fa_repro.training_spec.CNNSpec`).
    """

    def __init__(
        self,
        in_channels: int,
        width: int,
        strides: list[int],
        n_out: int = 10,
        *,
        n_seeds: int = 1,
        kernel_size: int = CNNSpec.kernel_size,
        init_scale: float = CNNSpec.init_scale,
        activation_name: str = CNNSpec.activation,
        parameterisation: str = CNNSpec.parameterisation,
        padding: str = CNNSpec.padding,
        generator: torch.Generator | None = None,
    ):
        super().__init__()
        if parameterisation not in ("ntk", "standard"):
            raise ValueError(f"parameterisation {parameterisation!r} is not ntk | standard")
        if padding not in ("same", "symmetric"):
            raise ValueError(f"padding {padding!r} is not same | symmetric")
        self.padding = padding
        self.act = activation(activation_name)
        self.activation_name, self.parameterisation = activation_name, parameterisation
        gen = generator or torch.Generator().manual_seed(0)
        self.n_seeds, self.n_out, self.strides, self.kernel_size = n_seeds, n_out, list(strides), kernel_size
        self.weights = nn.ParameterList()
        self.biases = nn.ParameterList()
        scheme = "normal" if parameterisation == "ntk" else "lecun_normal"  # same network at initialisation
        c_in = in_channels
        for _ in strides:
            fan_in = c_in * kernel_size * kernel_size
            shape = (n_seeds, width, c_in, kernel_size, kernel_size)
            self.weights.append(nn.Parameter(init_weight(shape, fan_in, scheme, init_scale, gen)))
            self.biases.append(nn.Parameter(torch.zeros(n_seeds, width)))
            c_in = width
        self.weights.append(nn.Parameter(init_weight((n_seeds, n_out, width), width, scheme, init_scale, gen)))
        self.biases.append(nn.Parameter(torch.zeros(n_seeds, n_out)))

    def weight_layers(self):
        return list(zip(self.weights, self.biases))

    def linear(self, layer: int, h: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
        """Layer ``layer``'s pre-activation without bias. NTK parameterisation (Eq. 1): divided by √fan_in;
        standard (App. H, Eq. 63): weights are scaled instead (``init_weight``), so nothing here."""
        ntk = self.parameterisation == "ntk"
        if layer == len(self.strides):  # readout on pooled features (S, B, C)
            u = torch.matmul(h, weight.transpose(-1, -2))
            return u / math.sqrt(weight.shape[-1]) if ntk else u
        n_seeds, c_out = weight.shape[:2]
        fan_in = weight[0].numel() // c_out
        # all seeds in one grouped convolution: (S, B, C, H, W) -> (B, S·C, H, W), groups = S
        b = h.shape[1]
        stride, k = self.strides[layer], self.kernel_size
        pad = (same_padding(h.shape[-1], stride, k) + same_padding(h.shape[-2], stride, k) if self.padding == "same"
               else (k // 2,) * 4)  # (left, right, top, bottom)
        x = h.transpose(0, 1).reshape(b, -1, *h.shape[-2:])
        w = weight.reshape(-1, *weight.shape[2:])
        if len(set(pad)) == 1:  # the same on every side: the convolution pads (no padded copy of the input; the
            # same sums bit for bit, 7 % of a step and 30 % of an evaluation faster, issue 24)
            out = F.conv2d(x, w, stride=stride, groups=n_seeds, padding=pad[0])
        else:
            out = F.conv2d(F.pad(x, pad), w, stride=stride, groups=n_seeds)
        out = out.reshape(b, n_seeds, c_out, *out.shape[-2:]).transpose(0, 1)
        return out / math.sqrt(fan_in) if ntk else out

    def trace(self, x, *, masks=None, detach_inputs=False, linear_override: LinearOverride | None = None) -> Trace:
        h = self.broadcast_input(x, 3)
        hidden_pre, hidden_post, inputs, normed = [], [], [], []
        n_conv = len(self.strides)
        for layer, (weight, bias) in enumerate(self.weight_layers()):
            if layer == n_conv:
                h = h.mean(dim=(-2, -1))  # global average pooling
            if detach_inputs:
                h = h.detach()
            inputs.append(h)
            u = linear_override(layer, h) if linear_override is not None else self.linear(layer, h, weight)
            if layer == n_conv:
                return Trace(hidden_pre, hidden_post, u + bias.unsqueeze(1), inputs,
                             handoff=normed[:-1] + hidden_post[-1:])
            u = u + bias[:, None, :, None, None]
            hidden_pre.append(u)
            normed.append(batch_statistics_norm(u))
            h = self.act(normed[-1])
            hidden_post.append(h)
        raise AssertionError("unreachable")
