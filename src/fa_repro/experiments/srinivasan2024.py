"""Srinivasan et al. 2024 (Secs. 5–6, App. A, G, H): the training grid behind Figs. 2a, 3a–c, 4, 8 and Tables 1–3.

Fully connected ReLU networks (DRTP: tanh) of 1–5 hidden layers of ``hidden_width`` units without biases,
dropout with the same mask in both passes, softmax + cross-entropy, SGD with momentum, batch 64, learning rate
decayed at ``lr_milestones``; hyper-parameters per dataset and depth from App. Tables 4–5
(``config.yaml: experiments.srinivasan2024.hyperparameters``, one list entry per number of hidden layers).

One experiment per (dataset, hidden layers, method, variant); variants of a method:

* ``plain``; ``wd`` (weight decay λ); ``norm`` (activation normalisation, its own learning rate and decay);
* ``wm`` (weight mirroring of a factorised F, Sec. 6.1), ``wd_wm``, ``norm_wm``, ``wm_prem`` (5 epochs of
  pre-mirroring);
* ``he_uniform`` (He-uniform weights and uniform F, Fig. 3a), ``hebbian`` (PEPITA-Hebbian, Eq. 7, Fig. 3a);
* ``time_local`` / ``time_local_f0`` (App. A, Fig. 4), ``vanilla`` / ``afa`` (no momentum; Fig. 2a).

Studies (one config block each; a leaf selects its runs by study and tags, :mod:`fa_repro.leaves`): ``tables``
(Tables 1–2), ``slowness`` (Table 3's extra variants), ``depth`` (Figs. 3a–b), ``depth_normalised`` (Fig. 8),
``afa`` (Fig. 2a), ``time_local`` (Fig. 4). An experiment shared by several studies (e.g. CIFAR-10 PEPITA
``plain`` at 1 hidden layer) is one job.
"""

from __future__ import annotations

from dataclasses import dataclass

from fa_repro.training_spec import parse_rule

from .grid import Runs

METHODS = ("bp", "fa", "drtp", "pepita")


@dataclass(frozen=True)
class Variant:
    """What a variant changes in the plain recipe of its method."""
    weight_decay: bool = False  # WD: the table's weight decay λ
    normalised: bool = False    # Norm: activation normalisation with its own learning rate and decay
    mirroring: bool = False     # WM: weight mirroring of a factorised F (Sec. 6.1)
    premirror: bool = False     # + pre-mirroring epochs before training
    he_uniform: bool = False    # He-uniform weights and uniform F (Fig. 3a)
    hebbian: bool = False       # PEPITA-Hebbian (Eq. 7, Fig. 3a)
    no_momentum: bool = False   # "vanilla" SGD (Fig. 2a)
    rule: str | None = None     # another rule in PEPITA's place (AFA, Eq. 11)


VARIANTS = {
    "plain": Variant(),
    "wd": Variant(weight_decay=True),
    "norm": Variant(normalised=True),
    "wm": Variant(mirroring=True),
    "wd_wm": Variant(weight_decay=True, mirroring=True),
    "norm_wm": Variant(normalised=True, mirroring=True),
    "wm_prem": Variant(mirroring=True, premirror=True),
    "he_uniform": Variant(he_uniform=True),
    "hebbian": Variant(hebbian=True),
    "vanilla": Variant(no_momentum=True),
    "afa": Variant(no_momentum=True, rule="afa"),
}
TIME_LOCAL_VARIANTS = ("time_local", "time_local_f0")  # App. A, Fig. 4: with the feedback, and with F = 0


class Grid:
    """Builds the spec of one (dataset, depth, method, variant) from the config block."""

    def __init__(self, block: dict):
        self.common = block["common"]
        self.hyperparameters = block["hyperparameters"]  # App. Tables 4–5, per dataset
        self.block = block
        self.runs = Runs("srinivasan2024")

    def _hp(self, dataset: str, key: str, n_hidden: int):
        values = self.hyperparameters[dataset][key]
        if not isinstance(values, list):
            return values
        return values[min(n_hidden, len(values)) - 1]  # deeper than the tables (Fig. 8): the deepest entry

    def add(self, study: str, dataset: str, n_hidden: int, method: str, variant: str = "plain") -> str:
        if variant not in VARIANTS:
            raise ValueError(f"unknown Srinivasan et al. variant {variant!r}; known: {sorted(VARIANTS)}")
        v, c, hp = VARIANTS[variant], self.common, self.hyperparameters[dataset]
        lr = self._hp(dataset, f"lr_{method}", n_hidden)
        gamma = self._hp(dataset, "pepita_lr_gamma", n_hidden) if method == "pepita" else c["lr_gamma"]
        optimizer = {"lr": lr, "momentum": c["momentum"], "weight_decay": 0.0,
                     "lr_milestones": list(c["lr_milestones"]), "lr_gamma": gamma}
        model = {"kind": "mlp", "hidden": [c["hidden_width"]] * n_hidden,
                 "activation": "tanh" if method == "drtp" else "relu", "init": c["init"], "bias": False,
                 "dropout": c["dropout"]}
        if method == "pepita":
            rule = {"name": "pepita", "feedback": c["feedback"], "feedback_scale": c["feedback_scale"]}
        else:
            rule = {"name": method, **({} if method == "bp" else dict(c["baseline_feedback"]))}
        if v.weight_decay:
            optimizer["weight_decay"] = self._hp(dataset, "weight_decay", n_hidden)
        if v.normalised:
            model["normalisation"] = c["normalisation"]
            optimizer.update(lr=hp["normalised"]["lr"], lr_gamma=hp["normalised"]["lr_gamma"])
        if v.mirroring:
            source = hp["normalised"] if v.normalised else {
                "mirroring_lr": self._hp(dataset, "mirroring_lr", n_hidden),
                "mirroring_weight_decay": self._hp(dataset, "mirroring_weight_decay", n_hidden)}
            rule["mirroring"] = {**c["mirroring"], "lr": source["mirroring_lr"] * c["mirroring_lr_scale"],
                                 "weight_decay": source["mirroring_weight_decay"],
                                 "premirror_epochs": c["premirror_epochs"] if v.premirror else 0}
        if v.he_uniform:
            model["init"], rule["feedback"] = "he_uniform", "uniform"
        if v.hebbian:
            rule["variant"] = "hebbian"
        if v.no_momentum:
            optimizer["momentum"] = 0.0
        if v.rule:
            rule["name"] = v.rule
        name = f"srinivasan2024_{dataset}_h{n_hidden}_{method}_{variant}"
        return self._put(study, name, dataset, n_hidden, method, variant, model, rule, optimizer, c["epochs"])

    def add_time_local(self, variant: str) -> str:
        b, c = self.block["time_local"], self.common
        model = {"kind": "mlp", "hidden": [c["hidden_width"]] * b["n_hidden"], "activation": "relu",
                 "init": c["init"], "bias": False, "dropout": c["dropout"]}
        rule = {"name": "pepita", "variant": "time_local", "feedback": c["feedback"],
                "feedback_scale": 0.0 if variant == "time_local_f0" else b["feedback_scale"]}
        optimizer = {"lr": b["lr"], "momentum": b["momentum"], "weight_decay": b["weight_decay"],
                     "lr_milestones": list(b["lr_milestones"]), "lr_gamma": c["lr_gamma"]}
        name = f"srinivasan2024_{b['dataset']}_h{b['n_hidden']}_pepita_{variant}"
        return self._put("time_local", name, b["dataset"], b["n_hidden"], "pepita", variant, model, rule, optimizer,
                         b["epochs"])

    def _put(self, study, name, dataset, n_hidden, method, variant, model, rule, optimizer, epochs) -> str:
        c = self.common
        # F's angle with W_tot (Fig. 3c), undefined for F = 0 (the time-local control)
        metrics = ["feedback_angle"] if rule["name"] in ("pepita", "afa") and parse_rule(rule).feedback_scale else []
        spec = {
            "data": {"dataset": dataset, "subset": c["n_train"], "test_subset": c["n_test"]},
            "model": model, "rule": rule, "loss": "cross_entropy", "optimizer": optimizer,
            "epochs": epochs, "batch_size": c["batch_size"], "drop_last": True,
            "seeds": list(range(c["runs"])), "eval_batch_size": c["eval_batch_size"],
            "checkpoint_every": c["checkpoint_every"], "metrics": metrics,
            "tags": {"dataset": dataset, "n_hidden": n_hidden, "method": method, "variant": variant},
        }
        return self.runs.put(name, spec, study)


def grid(block: dict) -> Runs:
    """Every experiment of the paper's studies (module docstring)."""
    g = Grid(block)
    c = block["common"]
    tables = block["tables"]
    for dataset in c["datasets"]:
        for n_hidden in c["depths"]:  # Tables 1–2
            variants = tables["shallow_variants"] if n_hidden == 1 else tables["deep_variants"]
            for method in METHODS:
                for variant in variants[method]:
                    if variant == "table2_wm":  # Table 2 caption: WM with weight decay where it says so
                        variant = block["hyperparameters"][dataset]["table2_mirroring_variant"][n_hidden - 2]
                    g.add("tables", dataset, n_hidden, method, variant)
        for variant in tables["slowness_variants"]:  # Table 3 (1 × 1024, no weight decay): + pre-mirroring
            g.add("slowness", dataset, 1, "pepita", variant)
        for n_hidden in block["depth_normalised"]["depths"]:  # Fig. 8
            g.add("depth_normalised", dataset, n_hidden, "pepita", "norm")
    depth = block["depth"]
    for n_hidden in c["depths"]:  # Fig. 3a: initialisations; Fig. 3b: with and without weight decay
        for variant in dict.fromkeys([*depth["variants"], "plain", "wd"]):
            g.add("depth", depth["dataset"], n_hidden, "pepita", variant)
    for variant in ("vanilla", "afa"):  # Fig. 2a
        g.add("afa", block["afa"]["dataset"], 1, "pepita", variant)
    for variant in TIME_LOCAL_VARIANTS:  # Fig. 4
        g.add_time_local(variant)
    return g.runs
