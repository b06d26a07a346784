"""Chu & Bacho 2024 (Methods, Sec. 4): the training grid behind Figs. 1–5.

MNIST, MLP 784–700–1000–10, tanh, softmax + cross-entropy, batch 100, plain updates W += −lr·(pseudo-)gradient
with lr 0.05, FA feedback entries from {−1, 1}, initial weights N(0, 1) × scale (0 allowed), biases zero.

* ``initial_scale`` (Figs. 1, 2): FA from each initial scale: accuracy, WA and GA per epoch; and the norm of the
  first update per layer (one update, recorded).
* ``perturbed`` (Fig. 3): BP with hidden-layer updates rotated to a prescribed cosine c with the true gradient,
  (a) after one epoch and (b, c) after 5 updates, with last-layer-only training, BP and (b, c) FA as references.
* ``aligned_start`` (Fig. 4): FA with normal feedback from random, sign-aligned and feedback-equal initial weights.
* ``stability`` (Fig. 5): FA and BP in lock step; at ``swap_at`` (a) BP takes FA's weights, (b) FA takes BP's.
"""

from __future__ import annotations

from .grid import Runs, value_label


def _base(c: dict, runs: int, init_scale: float, epochs: int) -> dict:
    return {
        "data": {"dataset": "mnist", "subset": c["n_train"], "test_subset": c["n_test"]},
        "model": {"kind": "mlp", "hidden": list(c["hidden"]), "activation": c["activation"], "init": "normal",
                  "init_scale": init_scale},
        "loss": "cross_entropy",
        "optimizer": {"lr": c["lr"]},
        "epochs": epochs,
        "batch_size": c["batch_size"],
        "seeds": list(range(runs)),
        "eval_batch_size": c["eval_batch_size"],
        "alignment_batch": c["alignment_batch"],
        "checkpoint_every": c["checkpoint_every"],
    }


def _fa(c: dict, feedback: str | None = None) -> dict:
    return {"name": "fa", "feedback": feedback or c["feedback"], "feedback_scale": 1.0}


def initial_scale(runs: Runs, c: dict, b: dict) -> None:
    """Studies ``initial_scale`` (Fig. 1: FA trained from each scale) and ``first_update`` (Fig. 2)."""
    for scale in b["scales"]:
        spec = _base(c, b["runs"], scale, b["epochs"])
        spec.update(rule=_fa(c), metrics=["weight_alignment", "update_alignment"], tags={"init_scale": scale})
        runs.put(f"chu2024_scale_{value_label(scale)}", spec, "initial_scale")
    for scale in b["first_update_scales"]:
        spec = _base(c, b["first_update_runs"], scale, 1)
        spec.update(rule=_fa(c), metrics=["update_norm"], max_steps=1, tags={"init_scale": scale})
        runs.put(f"chu2024_firstupdate_{value_label(scale)}", spec, "first_update")


def perturbed(runs: Runs, c: dict, b: dict) -> None:
    for phase, epochs, steps, reps in (("epoch", 1, None, b["repetitions_epoch"]),
                                       ("early", 1, b["early_updates"], b["repetitions_early"])):
        def add(name, rule, method, metrics=(), **tags):
            spec = _base(c, reps, c["default_scale"], epochs)
            spec.update(rule=rule, metrics=list(metrics), max_steps=steps,
                        tags={"phase": phase, "method": method, **tags})
            runs.put(f"chu2024_{phase}_{name}", spec, "perturbed")

        for a in b["alignments"]:
            add(f"perturbed_c{value_label(a)}", {"name": "perturbed_bp", "alignment": a}, "perturbed_bp", alignment=a)
        add("bp", {"name": "bp"}, "bp")
        add("lastlayer", {"name": "last_layer"}, "last_layer")
        if phase == "early":  # FA's alignment is measured: its GA per hidden layer after the updates
            add("fa", _fa(c), "fa", ["update_alignment"])


def aligned_start(runs: Runs, c: dict, b: dict) -> None:
    for init in b["inits"]:
        spec = _base(c, b["runs"], c["default_scale"], b["epochs"])
        spec.update(rule=_fa(c, b["feedback"]), init_from_feedback=init,
                    metrics=["weight_alignment", "update_alignment"], tags={"init": init})
        runs.put(f"chu2024_alignedstart_{init}", spec, "aligned_start")


def stability(runs: Runs, c: dict, b: dict) -> None:
    for panel, receiver in (("a", "partner"), ("b", "self")):
        spec = _base(c, b["runs"], c["default_scale"], 1)
        spec.update(rule=_fa(c), tags={"panel": panel},
                    lockstep={"partner": {"name": "bp"}, "swap_at": b["swap_at"], "receiver": receiver,
                              "steps": b["steps"], "record_every_steps": b["record_every_steps"]})
        runs.put(f"chu2024_stability_{panel}", spec, "stability")


def grid(block: dict) -> Runs:
    """The experiments of the studies ``initial_scale``, ``first_update``, ``perturbed``, ``aligned_start`` and
    ``stability``."""
    c = block["common"]
    runs = Runs("chu2024")
    initial_scale(runs, c, block["initial_scale"])
    perturbed(runs, c, block["perturbed"])
    aligned_start(runs, c, block["aligned_start"])
    stability(runs, c, block["stability"])
    return runs
