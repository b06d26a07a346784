"""Models with a leading seed axis (MLP, Boopathy's CNN and RNN) and the losses that define output errors.

Model classes are imported on first use, so a stage depends only on the model it builds (provenance)."""

from __future__ import annotations

import importlib
import math
from collections.abc import Mapping

from fa_repro.models.base import Model, Trace, activation
from fa_repro.models.losses import LOSSES, CrossEntropy, MeanSquaredError, make_loss
from fa_repro.registry import MODEL_MODULES, model_module
from fa_repro.training_spec import ModelSpec, parse_model

_CLASSES = {cls: module for module, cls in MODEL_MODULES.values()}


def __getattr__(name):  # MLP, BoopathyCNN, BoopathyRNN on demand
    if name in _CLASSES:
        return getattr(importlib.import_module(_CLASSES[name]), name)
    raise AttributeError(name)


def make_model(spec: ModelSpec | Mapping, *, input_shape: tuple[int, ...], n_out: int, n_seeds: int,
               generator) -> Model:
    """Build a model from its record (:class:`fa_repro.training_spec.ModelSpec`; a config block ``{"kind": "mlp" | "cnn"
    | "rnn", …}`` is parsed into one) for inputs of one example shaped ``input_shape``."""
    spec = spec if isinstance(spec, ModelSpec) else parse_model(spec)
    cls = getattr(importlib.import_module(model_module(spec.kind)), MODEL_MODULES[spec.kind][1])
    params = {("activation_name" if k == "activation" else k): v for k, v in spec.params().items()}
    if spec.kind == "mlp":
        hidden = params.pop("hidden")
        return cls([math.prod(input_shape), *hidden, n_out], n_seeds=n_seeds, generator=generator, **params)
    if spec.kind == "cnn":
        return cls(input_shape[0], params.pop("width"), list(params.pop("strides")), n_out, n_seeds=n_seeds,
                   generator=generator, **params)
    return cls(params.pop("hidden"), n_in=input_shape[-1], n_out=n_out, n_seeds=n_seeds, generator=generator,
               **params)


__all__ = ["Model", "Trace", "activation", "LOSSES", "CrossEntropy", "MeanSquaredError", "make_loss", "make_model",
           "model_module", "MLP", "BoopathyCNN", "BoopathyRNN"]
