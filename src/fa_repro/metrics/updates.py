"""Norms of weight updates per layer (Chu & Bacho 2024, Fig. 2: the first update's norm vs initial scale)."""

from __future__ import annotations

import torch


def update_norms(before: list[torch.Tensor], after: list[torch.Tensor]) -> list[torch.Tensor]:
    """‖W_l(after) − W_l(before)‖_F per layer, each (S,)."""
    return [(a.detach() - b.detach()).reshape(a.shape[0], -1).norm(dim=1) for b, a in zip(before, after)]
