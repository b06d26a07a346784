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

Experiments shared by several figures (e.g. CIFAR-10 PEPITA ``plain`` in Table 1, Figs. 3a, 3b, 3c) are one job.
"""

from __future__ import annotations

METHODS = ("bp", "fa", "drtp", "pepita")


def _lr_label(value: float) -> str:
    return f"{value:g}".replace(".", "p")


class Grid:
    """Builds the spec of one (dataset, depth, method, variant) from the config block."""

    def __init__(self, block: dict):
        self.c = block["common"]
        self.h = block["hyperparameters"]
        self.block = block
        self.specs: dict[str, dict] = {}
        self.figures: dict[str, list[str]] = {}  # leaf id -> the experiments it reads

    def use(self, name: str, *figures: str) -> str:
        for fig in figures:
            self.figures.setdefault(fig, [])
            if name not in self.figures[fig]:
                self.figures[fig].append(name)
        return name

    def _hp(self, dataset: str, key: str, n_hidden: int):
        values = self.h[dataset][key]
        if not isinstance(values, list):
            return values
        return values[min(n_hidden, len(values)) - 1]  # deeper than the tables (Fig. 8): the deepest entry

    def add(self, dataset: str, n_hidden: int, method: str, variant: str = "plain", **tags) -> str:
        c, hp = self.c, self.h[dataset]
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
        parts = set(variant.split("_"))
        if "wd" in parts:
            optimizer["weight_decay"] = self._hp(dataset, "weight_decay", n_hidden)
        if "norm" in parts:
            model["normalisation"] = c["normalisation"]
            optimizer.update(lr=hp["normalised"]["lr"], lr_gamma=hp["normalised"]["lr_gamma"])
        if "wm" in parts:
            source = hp["normalised"] if "norm" in parts else {
                "mirroring_lr": self._hp(dataset, "mirroring_lr", n_hidden),
                "mirroring_weight_decay": self._hp(dataset, "mirroring_weight_decay", n_hidden)}
            rule["mirroring"] = {**c["mirroring"], "lr": source["mirroring_lr"] * c["mirroring_lr_scale"],
                                 "weight_decay": source["mirroring_weight_decay"],
                                 "premirror_epochs": c["premirror_epochs"] if "prem" in parts else 0}
        if variant == "he_uniform":
            model["init"], rule["feedback"] = "he_uniform", "uniform"
        if variant == "hebbian":
            rule["variant"] = "hebbian"
        if variant in ("vanilla", "afa"):
            optimizer["momentum"] = 0.0
            if variant == "afa":
                rule["name"] = "afa"
        name = f"srinivasan2024_{dataset}_h{n_hidden}_{method}_{variant}"
        self._put(name, dataset, n_hidden, method, variant, model, rule, optimizer, self.c["epochs"], tags)
        return name

    def add_time_local(self, variant: str) -> str:
        b = self.block["time_local"]
        model = {"kind": "mlp", "hidden": [self.c["hidden_width"]] * b["n_hidden"], "activation": "relu",
                 "init": self.c["init"], "bias": False, "dropout": self.c["dropout"]}
        rule = {"name": "pepita", "variant": "time_local", "feedback": self.c["feedback"],
                "feedback_scale": 0.0 if variant == "time_local_f0" else b["feedback_scale"]}
        optimizer = {"lr": b["lr"], "momentum": b["momentum"], "weight_decay": b["weight_decay"],
                     "lr_milestones": list(b["lr_milestones"]), "lr_gamma": self.c["lr_gamma"]}
        name = f"srinivasan2024_{b['dataset']}_h{b['n_hidden']}_pepita_{variant}"
        self._put(name, b["dataset"], b["n_hidden"], "pepita", variant, model, rule, optimizer, b["epochs"], {})
        return name

    def _put(self, name, dataset, n_hidden, method, variant, model, rule, optimizer, epochs, tags):
        c = self.c
        metrics = ["feedback_angle"] if rule["name"] in ("pepita", "afa") and rule.get("feedback_scale", 1) else []
        spec = {
            "data": {"dataset": dataset, "subset": c["n_train"], "test_subset": c["n_test"]},
            "model": model, "rule": rule, "loss": "cross_entropy", "optimizer": optimizer,
            "epochs": epochs, "batch_size": c["batch_size"], "drop_last": True,
            "seeds": list(range(c["runs"])), "eval_batch_size": c["eval_batch_size"],
            "checkpoint_every": c["checkpoint_every"], "metrics": metrics,
            "tags": {"dataset": dataset, "n_hidden": n_hidden, "method": method, "variant": variant, **tags},
        }
        if name in self.specs and self.specs[name] != spec:
            raise AssertionError(f"two different specs named {name}")
        self.specs[name] = spec


def _grid(block: dict) -> Grid:
    g = Grid(block)
    c = block["common"]
    tables = block["tables"]
    for dataset in c["datasets"]:
        for n_hidden in c["depths"]:
            variants = tables["shallow_variants"] if n_hidden == 1 else tables["deep_variants"]
            for method in METHODS:
                for variant in variants[method]:
                    if variant == "table2_wm":  # Table 2 caption: WM with weight decay where it says so
                        variant = block["hyperparameters"][dataset]["table2_mirroring_variant"][n_hidden - 2]
                    name = g.use(g.add(dataset, n_hidden, method, variant), "srinivasan2024_table1")
                    if method == "pepita" and variant in ("plain", "wm", "wd_wm"):
                        g.use(name, "srinivasan2024_fig3c")
                    if n_hidden == 1 and variant == "plain" or (method == "pepita" and variant == "wm" and n_hidden == 1):
                        g.use(name, "srinivasan2024_table3")
        for variant in tables["slowness_variants"]:  # Table 3 (1 × 1024, no weight decay): + pre-mirroring
            g.use(g.add(dataset, 1, "pepita", variant), "srinivasan2024_table3", "srinivasan2024_fig3c")
        for n_hidden in block["depth_normalised"]["depths"]:  # Fig. 8
            g.use(g.add(dataset, n_hidden, "pepita", "norm"), "srinivasan2024_fig8")
    depth = block["depth"]
    for n_hidden in c["depths"]:  # Figs. 3a, 3b
        for variant in depth["variants"]:
            g.use(g.add(depth["dataset"], n_hidden, "pepita", variant), "srinivasan2024_fig3a")
        for variant in ("plain", "wd"):
            g.use(g.add(depth["dataset"], n_hidden, "pepita", variant), "srinivasan2024_fig3b")
    for variant in ("vanilla", "afa"):  # Fig. 2a
        g.use(g.add(block["afa"]["dataset"], 1, "pepita", variant), "srinivasan2024_fig2a")
    for variant in ("time_local", "time_local_f0"):  # Fig. 4
        g.use(g.add_time_local(variant), "srinivasan2024_fig4")
    return g


def training_specs(block: dict) -> dict[str, dict]:
    return _grid(block).specs


def figure_experiments(block: dict) -> dict[str, list[str]]:
    """{leaf id: the experiments it reads}."""
    return _grid(block).figures
