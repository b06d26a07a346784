"""The papers' data handling: scaling, downscaling, targets, held-out splits, subsets, label corruption."""

from __future__ import annotations

import torch
import torch.nn.functional as F


def to_unit_interval(images: torch.Tensor) -> torch.Tensor:
    """uint8 images to float32 in [0, 1] (Boopathy App. F; Srinivasan: inputs in [0, 1], no normalisation)."""
    return images.to(torch.float32) / 255.0


def pixel_moments(images: torch.Tensor) -> tuple[float, float]:
    """Mean and standard deviation over every pixel of uint8 ``images``, on the [0, 1] scale of
    :func:`to_unit_interval`, computed exactly from the 256-bin histogram (no float copy of the dataset)."""
    counts = torch.bincount(images.flatten(), minlength=256).to(torch.float64)
    values = torch.arange(256, dtype=torch.float64) / 255.0
    n = counts.sum()
    mean = (counts * values).sum() / n
    var = (counts * (values - mean) ** 2).sum() / (n - 1)  # torch.std's unbiased estimate, as the authors' code
    return float(mean), float(var.sqrt())


def standardise(images: torch.Tensor, mean: float, std: float) -> torch.Tensor:
    """(x − mean)/std with one scalar mean and std for all pixels (Refinetti et al.'s code, ``FastMNIST`` /
    ``FastCIFAR10``: ``data.sub_(data.mean()).div_(data.std())``)."""
    return (images - mean) / std


def downscale(images: torch.Tensor, size: int) -> torch.Tensor:
    """Resize ``(n, C, H, W)`` float images to ``size × size`` by area averaging (Refinetti App. E: 14×14).

    Area averaging is exact 2×2 mean pooling for 28 → 14 and the anti-aliased average for 32 → 14.
    """
    if images.shape[-1] == size and images.shape[-2] == size:
        return images
    return F.interpolate(images, size=(size, size), mode="area")


def one_hot(labels: torch.Tensor, n_classes: int, offset: float = 0.0) -> torch.Tensor:
    """One-hot targets minus ``offset`` (Boopathy App. F: one-hot − 0.1, following Novak et al. 2019)."""
    return F.one_hot(labels, n_classes).to(torch.float32) - offset


def holdout_split(n: int, n_holdout: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """A seeded split of ``range(n)`` into training and held-out indices (Boopathy: 45k/5k CIFAR, 55k/5k KMNIST)."""
    if not 0 < n_holdout < n:
        raise ValueError(f"held-out size {n_holdout} must be between 1 and {n - 1}")
    perm = torch.randperm(n, generator=torch.Generator().manual_seed(seed))
    return perm[n_holdout:].sort().values, perm[:n_holdout].sort().values


def training_subset(indices: torch.Tensor, n_subset: int | None, seed: int) -> torch.Tensor:
    """A seeded subset of ``n_subset`` of ``indices`` (Boopathy Fig. 6: 45 … 45 000 images); None keeps all."""
    if n_subset is None or n_subset >= len(indices):
        return indices
    if n_subset < 1:
        raise ValueError(f"training subset size {n_subset} must be at least 1")
    perm = torch.randperm(len(indices), generator=torch.Generator().manual_seed(seed))
    return indices[perm[:n_subset]].sort().values


def corrupt_labels(
    labels: torch.Tensor, p: float, n_classes: int, seed: int, mode: str = "shuffle"
) -> tuple[torch.Tensor, torch.Tensor]:
    """Corrupt a fraction ``p`` of ``labels`` (Refinetti Sec. 4.1, Figs. 9, 11); returns (labels, corrupted mask).

    Exactly ``round(p·n)`` examples, chosen with ``seed``, are corrupted: ``shuffle`` permutes their labels
    among themselves (the paper's wording; class balance is kept), ``uniform`` draws each a uniform random class
    (the authors' code; a draw can return the true class). Apply it to the training labels only.
    """
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"label corruption fraction p = {p} must be in [0, 1]")
    gen = torch.Generator().manual_seed(seed)
    n = len(labels)
    chosen = torch.randperm(n, generator=gen)[: int(round(p * n))]
    out = labels.clone()
    if mode == "shuffle":
        out[chosen] = labels[chosen][torch.randperm(len(chosen), generator=gen)]
    elif mode == "uniform":
        out[chosen] = torch.randint(n_classes, (len(chosen),), generator=gen)
    else:
        raise ValueError(f"unknown label corruption mode {mode!r} (shuffle | uniform)")
    mask = torch.zeros(n, dtype=torch.bool)
    mask[chosen] = True
    return out, mask
