"""Learning rules, one small module each, all with the interface of :class:`fa_repro.rules.base.LearningRule`.

The registry names each rule's module without importing it, so a training stage depends (for Snakemake's
provenance, :mod:`fa_repro.provenance`) on the rule it runs and not on every rule.
"""

from __future__ import annotations

import importlib

from fa_repro.rules.base import LearningRule, StepResult

RULES: dict[str, tuple[str, str]] = {
    "bp": ("fa_repro.rules.bp", "Backprop"),
    "fa": ("fa_repro.rules.fa", "FeedbackAlignment"),
    "dfa": ("fa_repro.rules.dfa", "DirectFeedbackAlignment"),
    "drtp": ("fa_repro.rules.drtp", "DirectRandomTargetProjection"),
    "last_layer": ("fa_repro.rules.last_layer", "LastLayer"),
    "perturbed_bp": ("fa_repro.rules.perturbed_bp", "PerturbedBackprop"),
    "pepita": ("fa_repro.rules.pepita", "Pepita"),
    "afa": ("fa_repro.rules.afa", "AdaptiveFeedbackAlignment"),
    "align_zero": ("fa_repro.rules.align_zero", "AlignZero"),
    "align_ada": ("fa_repro.rules.align_ada", "AlignAda"),
    "align_prop": ("fa_repro.rules.align_prop", "AlignProp"),
}


def rule_module(name: str) -> str:
    if name not in RULES:
        raise ValueError(f"unknown learning rule {name!r}; choose one of {sorted(RULES)}")
    return RULES[name][0]


def rule_class(name: str) -> type[LearningRule]:
    module, cls = RULES[name] if name in RULES else (rule_module(name), "")
    return getattr(importlib.import_module(module), cls)


def make_rule(spec: dict | str) -> LearningRule:
    """A rule from ``"name"`` or ``{"name": …, <parameters>}``."""
    spec = {"name": spec} if isinstance(spec, str) else dict(spec)
    return rule_class(spec.pop("name"))(**spec)


__all__ = ["RULES", "rule_module", "rule_class", "make_rule", "LearningRule", "StepResult"]
