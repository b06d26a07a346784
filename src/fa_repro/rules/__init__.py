"""Learning rules, one small module each, all with the interface of :class:`fa_repro.rules.base.LearningRule`.

The registry names each rule's module without importing it, so a training stage depends (for Snakemake's
provenance, :mod:`fa_repro.provenance`) on the rule it runs and not on every rule.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping

from fa_repro.registry import RULES, rule_module
from fa_repro.rules.base import LearningRule, StepResult
from fa_repro.training_spec import RuleSpec, parse_rule


def rule_class(name: str) -> type[LearningRule]:
    module, cls = RULES[name] if name in RULES else (rule_module(name), "")
    return getattr(importlib.import_module(module), cls)


def make_rule(spec: RuleSpec | Mapping | str) -> LearningRule:
    """A rule from its record (:class:`fa_repro.training_spec.RuleSpec`, every parameter given); ``"name"`` or
    ``{"name": …, <parameters>}`` is parsed into one."""
    spec = spec if isinstance(spec, RuleSpec) else parse_rule(spec)
    return rule_class(spec.name)(**spec.params())


__all__ = ["RULES", "rule_module", "rule_class", "make_rule", "LearningRule", "StepResult"]
