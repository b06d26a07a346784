"""Learning rules, one small module each, all with the interface of :class:`fa_repro.rules.base.LearningRule`.

The registry names each rule's module without importing it, so a training stage depends (for Snakemake's
provenance, :mod:`fa_repro.provenance`) on the rule it runs and not on every rule.
"""

from __future__ import annotations

import importlib

from fa_repro.registry import RULES, rule_module
from fa_repro.rules.base import LearningRule, StepResult


def rule_class(name: str) -> type[LearningRule]:
    module, cls = RULES[name] if name in RULES else (rule_module(name), "")
    return getattr(importlib.import_module(module), cls)


def make_rule(spec: dict | str) -> LearningRule:
    """A rule from ``"name"`` or ``{"name": …, <parameters>}``."""
    spec = {"name": spec} if isinstance(spec, str) else dict(spec)
    return rule_class(spec.pop("name"))(**spec)


__all__ = ["RULES", "rule_module", "rule_class", "make_rule", "LearningRule", "StepResult"]
