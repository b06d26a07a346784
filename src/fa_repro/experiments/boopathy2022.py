"""Boopathy & Fiete 2022 (Secs. 3, 5; App. F–L): the training grid behind Figs. 1, 3, 4, 6–9 and Tables 1, 2, 10.

CNNs of App. F in the NTK parameterisation (3×3 convolutions of one width, batch-statistics normalisation,
global average pooling, linear readout), MSE on one-hot − 0.1 targets, batch 100, plain SGD, trained on the
training set minus a held-out split that serves as the test set; the best test accuracy over epochs is reported.

* ``alignment`` (Fig. 1, Tables 3–5; Fig. 8): normal training with W* trained alongside (Eq. 13), alignment
  score per hidden layer every ``record_every`` epochs, with the permuted-weights baseline;
* ``rules`` (Figs. 3, 4, 7; Tables 1, 6, 7): every rule × width × learning rate (best lr reported), plus the
  learning-rate sweep of Fig. 3 at two widths and Align-prop at the widest scales (Table 1);
* ``seeds`` (Table 2): 5 seeds at ×256 for every lr of the grid;
* ``small_data`` (Fig. 6, Table 9): training subsets of 45 … 45 000 images;
* ``standard`` (Table 10): standard parameterisation with Adam, 150 epochs, 1 epoch, 1 epoch at a small lr;
* ``rnn`` (Fig. 9, Table 8): the Add task (Eq. 59) with the RNN of Eqs. 60–61, hidden sizes 8 … 4096;
* ``imagenet`` (Fig. 5): the 7-layer CNN of App. F on ILSVRC-12 (user-supplied), streamed with the paper's
  augmentation; the training loss every ``steps_per_record`` steps.
"""

from __future__ import annotations

RULE_NAMES = {"normal": "bp", "align_ada": "align_ada", "align_zero": "align_zero", "align_prop": "align_prop",
              "fa": "fa", "dfa": "dfa", "last_layer": "last_layer", "readout_only": "last_layer"}


def _label(value: float) -> str:
    return f"{value:g}".replace(".", "p").replace("-", "m")


class Grid:
    def __init__(self, block: dict):
        self.b, self.c = block, block["common"]
        self.specs: dict[str, dict] = {}
        self.figures: dict[str, list[str]] = {}

    def use(self, name: str, *figures: str) -> str:
        for fig in figures:
            bucket = self.figures.setdefault(fig, [])
            if name not in bucket:
                bucket.append(name)
        return name

    def _rule(self, method: str) -> dict:
        rule = {"name": RULE_NAMES[method]}
        if method in ("fa", "dfa"):
            rule.update(self.c["feedback"][method])
        if method == "align_ada":
            rule["frozen_from"] = self.c["align_ada_frozen_from"]
        return rule

    def cnn(self, dataset: str, method: str, width: int, lr: float, *, activation: str = "relu", epochs=None,
            n_train=None, runs=None, parameterisation: str = "ntk", optimizer: str = "sgd", setting: str = "ntk",
            alignment: bool = False, record_every: int = 1, **tags) -> str:
        c, d = self.c, self.b["datasets"][dataset]
        if alignment:
            setting = "alignment"
        subset = n_train if n_train is not None else c["n_train"]
        epochs = epochs or d["epochs"]
        rule = {"name": "bp", "linearised_companion": True} if alignment else self._rule(method)
        spec = {
            "data": {"dataset": dataset, "flatten": False, "holdout": c["holdout"], "subset": subset,
                     "test_subset": c["n_test"], "downscale": c["downscale"], "target_offset": c["target_offset"]},
            "model": {"kind": "cnn", "width": width, "strides": list(d["strides"]), "activation": activation,
                      "parameterisation": parameterisation, "padding": c["padding"]},
            "rule": rule, "loss": c["loss"], "optimizer": {"kind": optimizer, "lr": lr},
            "epochs": epochs, "batch_size": min(c["batch_size"], subset) if subset else c["batch_size"],
            "seeds": list(range(runs or c["runs"])), "eval_batch_size": c["eval_batch_size"],
            "checkpoint_every": c["checkpoint_every"], "record_every": record_every,
            "metrics": ["alignment_score"] if alignment else [],
            "tags": {"dataset": dataset, "method": method, "width": width, "lr": lr, "activation": activation,
                     "n_train": subset if subset else -1, "setting": setting, **tags},
        }
        if alignment:
            spec["alignment_probes"] = self.b["alignment"]["probes"]
        parts = [dataset, setting, method, activation, f"w{width}", f"lr{_label(lr)}", f"e{epochs}"]
        if subset:
            parts.append(f"n{subset}")
        if runs and runs != c["runs"]:
            parts.append(f"r{runs}")
        name = "boopathy2022_" + "_".join(parts)
        self._put(name, spec)
        return name

    def rnn(self, method: str, width: int) -> str:
        r = self.b["rnn"]
        spec = {
            "data": {"task": "add", "n_sequences": r["n_sequences"], "n_train": r["n_train"], "length": r["length"],
                     "seed": r["data_seed"]},
            "model": {"kind": "rnn", "hidden": width, "activation": "relu"},
            "rule": self._rule(method), "loss": self.c["loss"], "optimizer": {"lr": r["lr"]},
            "epochs": r["epochs"], "batch_size": r["batch_size"], "seeds": list(range(r["runs"])),
            "eval_batch_size": r["n_sequences"], "checkpoint_every": r["checkpoint_every"],
            "record_every": r["record_every"], "metrics": [],
            "tags": {"method": method, "width": width},
        }
        name = f"boopathy2022_rnn_{method}_w{width}"
        self._put(name, spec)
        return name

    def imagenet(self, method: str) -> str:
        i = self.b["imagenet"]
        rule = self._rule(method)
        if method == "dfa":
            rule["spatially_shared"] = i["dfa_spatially_shared"]
        records = -(-i["steps"] // i["steps_per_record"])  # one loop "epoch" per record
        spec = {
            "data": {"dataset": "imagenet", "image_size": i["image_size"], "steps_per_epoch": i["steps_per_record"],
                     "n_test": i["n_test"], "target_offset": i["target_offset"]},
            "model": {"kind": "cnn", "width": i["width"], "strides": list(i["strides"]), "activation": "relu",
                      "padding": self.c["padding"]},
            "rule": rule, "loss": self.c["loss"], "optimizer": {"lr": i["lr"]},
            "epochs": records, "max_steps": i["steps"], "batch_size": i["batch_size"], "seeds": [0],
            "eval_batch_size": min(i["n_test"], i["batch_size"]), "checkpoint_every": i["checkpoint_every"], "record_every": 1,
            "metrics": [], "tags": {"dataset": "imagenet", "method": method, "width": i["width"]},
        }
        name = f"boopathy2022_imagenet_{method}_w{i['width']}"
        self._put(name, spec)
        return name

    def _put(self, name, spec):
        if name in self.specs and self.specs[name] != spec:
            raise AssertionError(f"two different specs named {name}")
        self.specs[name] = spec


def _grid(block: dict) -> Grid:
    g = Grid(block)
    datasets = block["common"]["datasets"]
    a = block["alignment"]
    for setting in a["settings"]:  # Fig. 1, Tables 3–5
        if setting["dataset"] not in datasets:
            continue
        for width in a["widths"]:
            g.use(g.cnn(setting["dataset"], "normal", width, setting["lr"], activation=setting["activation"],
                        epochs=setting.get("epochs"), alignment=True, runs=a["runs"], record_every=setting.get("epochs")
                        or block["datasets"][setting["dataset"]]["epochs"]), "boopathy2022_fig1")
    over = a["over_training"]  # Fig. 8
    for dataset in datasets:
        g.use(g.cnn(dataset, "normal", over["width"], over["lr"], epochs=over["epochs"], alignment=True,
                    record_every=over["record_every"]), "boopathy2022_fig8")
    r = block["rules"]
    for dataset in datasets:  # Figs. 4, 7; Tables 6–7
        for method in r["methods"]:
            for width in r["widths"]:
                for lr in r["lrs"]:
                    name = g.use(g.cnn(dataset, method, width, lr), "boopathy2022_fig4")
                    if dataset == r["timing_dataset"] and method in r["timing_methods"]:
                        g.use(name, "boopathy2022_fig7")
        for method in r["methods"]:  # Fig. 3: learning-rate sweep at a narrow and a wide network
            for width in r["lr_sweep"]["widths"]:
                for lr in r["lr_sweep"]["lrs"]:
                    g.use(g.cnn(dataset, method, width, lr), "boopathy2022_fig3")
    for method in r["prop_methods"]:  # Table 1: Align-prop against the others at the widest scales
        for width in r["prop_widths"]:
            for lr in r["lrs"]:
                g.use(g.cnn(r["timing_dataset"], method, width, lr), "boopathy2022_table1")
    s = block["seeds"]  # Table 2
    for method in s["methods"]:
        for lr in block["rules"]["lrs"]:
            g.use(g.cnn(s["dataset"], method, s["width"], lr, runs=s["runs"]), "boopathy2022_table2")
    sd = block["small_data"]  # Fig. 6, Table 9
    for n_train in sd["n_train"]:
        for method in sd["methods"]:
            for width in sd["widths"]:
                for lr in block["rules"]["lrs"]:
                    g.use(g.cnn(sd["dataset"], method, width, lr, n_train=n_train), "boopathy2022_fig6")
    st = block["standard"]  # Table 10: standard parameterisation, Adam
    for setting in st["settings"]:
        for method in st["methods"]:
            for width in st["widths"]:
                for lr in setting["lrs"]:
                    g.use(g.cnn(st["dataset"], method, width, lr, epochs=setting["epochs"], parameterisation="standard",
                                optimizer="adam", setting=setting["name"]), "boopathy2022_table10")
    for method in block["imagenet"]["methods"]:  # Fig. 5
        g.use(g.imagenet(method), "boopathy2022_fig5")
    rn = block["rnn"]  # Fig. 9, Table 8
    for method in rn["methods"]:
        for width in rn["widths"]:
            g.use(g.rnn(method, width), "boopathy2022_fig9")
    return g


def training_specs(block: dict) -> dict[str, dict]:
    return _grid(block).specs


def figure_experiments(block: dict) -> dict[str, list[str]]:
    return _grid(block).figures
