"""Activation functions of the teacher–student setup (Refinetti et al. 2021, Sec. 1).

``erf`` is the sigmoidal ``g(x) = erf(x/√2)`` of Refinetti Sec. 1 and Srinivasan App. E (Eq. 26),
``relu`` is ``max(0, x)`` and ``linear`` is ``g(x) = x``. The smooth ones also carry ``g''`` (the large-D ODE of
PEPITA needs it; ReLU's is a delta and has none).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
from scipy.special import erf as _erf

_SQRT2 = np.sqrt(2.0)
_SQRT_2_OVER_PI = np.sqrt(2.0 / np.pi)


@dataclass(frozen=True)
class Activation:
    """An activation ``g`` and its derivatives ``g'`` (and ``g''`` where smooth), vectorised over NumPy arrays."""

    name: str
    g: Callable[[np.ndarray], np.ndarray]
    dg: Callable[[np.ndarray], np.ndarray]
    d2g: Callable[[np.ndarray], np.ndarray] | None = None


ACTIVATIONS: dict[str, Activation] = {
    "erf": Activation(
        "erf",
        lambda x: _erf(x / _SQRT2),
        lambda x: _SQRT_2_OVER_PI * np.exp(-0.5 * x * x),
        lambda x: -x * _SQRT_2_OVER_PI * np.exp(-0.5 * x * x),
    ),
    "relu": Activation("relu", lambda x: np.maximum(x, 0.0), lambda x: (x > 0).astype(float)),
    "linear": Activation("linear", lambda x: x, lambda x: np.ones_like(x), lambda x: np.zeros_like(x)),
}


def get_activation(name: str) -> Activation:
    """Look an activation up by name, with an error that lists the valid names."""
    try:
        return ACTIVATIONS[name]
    except KeyError:
        raise ValueError(f"unknown activation {name!r}; choose one of {sorted(ACTIVATIONS)}") from None
