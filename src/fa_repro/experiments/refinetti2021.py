"""Refinetti et al. 2021, deep networks (Secs. 1.3, 3, 4.1; App. E): the training grid behind Figs. 5–9, 11, 12.

* ``degeneracy`` (Figs. 5, 6): 4-layer MLPs of width 100, MNIST and CIFAR-10 at 14×14, tanh and ReLU, BP and
  DFA; each run is a *pair* of networks with the same feedback matrices and different initial weights.
* ``label_corruption`` (Figs. 7, 9, 11): ReLU on CIFAR-10, DFA, several fractions p of corrupted training labels.
* ``target_structure`` (Figs. 8, 12): the correlated-target regression task of Eq. 20 over an α × β grid.

Every run records per-epoch train/test accuracy, global and layerwise WA and GA (Eqs. 18–19) and, for pairs,
the cosine similarity of the pair's stacked weights.
"""

from __future__ import annotations

import copy

from .grid import Runs, value_label


def _run(common: dict, runs: int, pairs: bool) -> dict:
    return {
        "loss": "cross_entropy",
        "loss_reduction": common["loss_reduction"],
        "optimizer": {"lr": common["lr"]},
        "epochs": common["epochs"],
        "batch_size": common["batch_size"],
        "seeds": list(range(2 * runs if pairs else runs)),
        "pairs": pairs,
        "record_every": common["record_every"],
        "alignment_batch": common["alignment_batch"],
        "eval_batch_size": common["eval_batch_size"],
        "checkpoint_every": common["checkpoint_every"],
    }


def _images(common: dict, dataset: str, n_train) -> dict:
    """An image dataset as the authors' code prepares it: standardised, downscaled (App. E.2: 14×14)."""
    return {"dataset": dataset, "standardise": common["standardise"], "downscale": common["downscale"],
            "subset": n_train}


def _mlp(common: dict, hidden, activation: str) -> dict:
    return {"kind": "mlp", "hidden": list(hidden), "activation": activation, "bias": common["bias"]}


def _feedback(common: dict) -> dict:
    return {"feedback": common["feedback"], "fan_scaling": common["fan_scaling"]}


def degeneracy(runs: Runs, common: dict, block: dict) -> None:
    for dataset in block["datasets"]:
        for activation in block["activations"]:
            for algorithm in block["algorithms"]:
                spec = _run(common, block["runs"], pairs=True)
                spec["data"] = _images(common, dataset, block["n_train"])
                spec["model"] = _mlp(common, block["hidden"], activation)
                spec["rule"] = {"name": algorithm, **(_feedback(common) if algorithm == "dfa" else {})}
                spec["metrics"] = ["pair_similarity"] + (["weight_alignment", "gradient_alignment"]
                                                         if algorithm == "dfa" else [])
                spec["tags"] = {"dataset": dataset, "activation": activation, "algorithm": algorithm}
                runs.put(f"refinetti2021_degeneracy_{dataset}_{activation}_{algorithm}", spec, "degeneracy")


def label_corruption(runs: Runs, common: dict, block: dict) -> None:
    for p in block["levels"]:
        spec = _run(common, block["runs"], pairs=True)
        spec["data"] = {**_images(common, block["dataset"], block["n_train"]),
                        "label_corruption": p, "corruption_mode": block["corruption_mode"]}
        spec["model"] = _mlp(common, block["hidden"], block["activation"])
        spec["rule"] = {"name": "dfa", **_feedback(common)}
        spec["metrics"] = ["weight_alignment", "gradient_alignment", "pair_similarity"]
        spec["tags"] = {"dataset": block["dataset"], "activation": block["activation"], "corruption": p}
        runs.put(f"refinetti2021_corruption_p{value_label(p)}", spec, "label_corruption")


def target_structure(runs: Runs, common: dict, block: dict) -> None:
    for activation in block["activations"]:
        for alpha in block["alphas"]:
            for beta in block["betas"]:
                spec = _run({**common, "lr": block["lr"], "epochs": block["epochs"]}, block["runs"], pairs=False)
                spec["loss"] = block["loss"]
                spec["data"] = {"task": "correlated_regression", "n_train": block["n_train"],
                                "n_test": block["n_test"], "alpha": alpha, "beta": beta,
                                "input_dim": block["input_dim"], "seed": block["data_seed"]}
                spec["model"] = _mlp(common, block["hidden"], activation)
                spec["rule"] = {"name": "dfa", **_feedback(common)}
                spec["metrics"] = ["weight_alignment", "gradient_alignment"]
                spec["alignment_batch"] = block["n_train"]
                spec["tags"] = {"activation": activation, "alpha": alpha, "beta": beta}
                runs.put(f"refinetti2021_targets_{activation}_a{value_label(alpha)}_b{value_label(beta)}", spec,
                         "target_structure")


def grid(block: dict) -> Runs:
    """The experiments of the studies ``degeneracy``, ``label_corruption`` and ``target_structure``."""
    block = copy.deepcopy(block)
    common = block["common"]
    runs = Runs("refinetti2021")
    degeneracy(runs, common, block["degeneracy"])
    label_corruption(runs, common, block["label_corruption"])
    target_structure(runs, common, block["target_structure"])
    return runs
