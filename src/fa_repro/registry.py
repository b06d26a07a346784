"""Where each learning rule and model lives, by name, without importing PyTorch: the Snakefile reads this at
parse time (every cluster job parses it again), and a training stage depends only on the modules it runs
(:mod:`fa_repro.provenance`)."""
from __future__ import annotations

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


MODEL_MODULES = {"mlp": ("fa_repro.models.mlp", "MLP"), "cnn": ("fa_repro.models.cnn", "BoopathyCNN"),
                 "rnn": ("fa_repro.models.rnn", "BoopathyRNN")}


def model_module(kind: str) -> str:
    if kind not in MODEL_MODULES:
        raise ValueError(f"unknown model kind {kind!r} (mlp | cnn | rnn)")
    return MODEL_MODULES[kind][0]


def rule_name(spec: dict) -> str:
    """The learning rule a training spec names (``rule: fa`` or ``rule: {name: fa, …}``)."""
    return spec["rule"]["name"] if isinstance(spec["rule"], dict) else spec["rule"]
