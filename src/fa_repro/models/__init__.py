"""Models with a leading seed axis (MLP, Boopathy's CNN and RNN) and the losses that define output errors.

Model classes are imported on first use, so a stage depends only on the model it builds (provenance)."""

from __future__ import annotations

import importlib

from fa_repro.models.base import Model, Trace, activation
from fa_repro.models.losses import LOSSES, CrossEntropy, MeanSquaredError, make_loss
from fa_repro.registry import MODEL_MODULES, model_module

_CLASSES = {cls: module for module, cls in MODEL_MODULES.values()}


def __getattr__(name):  # MLP, BoopathyCNN, BoopathyRNN on demand
    if name in _CLASSES:
        return getattr(importlib.import_module(_CLASSES[name]), name)
    raise AttributeError(name)


def make_model(spec: dict, *, input_shape: tuple[int, ...], n_out: int, n_seeds: int, generator) -> Model:
    """Build a model from a config block ``{"kind": "mlp" | "cnn" | "rnn", …}``."""
    spec = dict(spec)
    kind = spec.pop("kind")
    cls = getattr(importlib.import_module(model_module(kind)), MODEL_MODULES[kind][1])
    if kind == "mlp":
        n_in = 1
        for d in input_shape:
            n_in *= d
        hidden = spec.pop("hidden")
        return cls([n_in, *hidden, n_out], n_seeds=n_seeds, generator=generator,
                   activation_name=spec.pop("activation", "tanh"), **spec)
    if kind == "cnn":
        return cls(input_shape[0], spec.pop("width"), spec.pop("strides"), n_out, n_seeds=n_seeds,
                   generator=generator, activation_name=spec.pop("activation", "relu"), **spec)
    return cls(spec.pop("hidden"), n_in=input_shape[-1], n_out=n_out, n_seeds=n_seeds, generator=generator,
               activation_name=spec.pop("activation", "relu"), **spec)


__all__ = ["Model", "Trace", "activation", "LOSSES", "CrossEntropy", "MeanSquaredError", "make_loss", "make_model",
           "model_module", "MLP", "BoopathyCNN", "BoopathyRNN"]
