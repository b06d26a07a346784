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

from .grid import Runs, value_label

RULE_NAMES = {"normal": "bp", "align_ada": "align_ada", "align_zero": "align_zero", "align_prop": "align_prop",
              "fa": "fa", "dfa": "dfa", "last_layer": "last_layer", "readout_only": "last_layer"}


class Grid:
    """Builds the spec of one CNN or RNN run from the config block."""

    def __init__(self, block: dict):
        self.block, self.common = block, block["common"]
        self.runs = Runs("boopathy2022")

    def _rule(self, method: str) -> dict:
        rule = {"name": RULE_NAMES[method]}
        if method in ("fa", "dfa"):
            rule.update(self.common["feedback"][method])
        if method == "align_ada":
            rule["frozen_from"] = self.common["align_ada_frozen_from"]
        return rule

    def cnn(self, study: str, dataset: str, method: str, width: int, lr: float, *, activation: str = "relu", epochs=None,
            n_train=None, runs=None, parameterisation: str = "ntk", optimizer: str = "sgd", setting: str = "ntk",
            alignment: bool = False, record_every: int = 1, **tags) -> str:
        c, d = self.common, self.block["datasets"][dataset]
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
            spec["alignment_probes"] = self.block["alignment"]["probes"]
        parts = [dataset, setting, method, activation, f"w{width}", f"lr{value_label(lr)}", f"e{epochs}"]
        if subset:
            parts.append(f"n{subset}")
        if runs and runs != c["runs"]:
            parts.append(f"r{runs}")
        return self.runs.put("boopathy2022_" + "_".join(parts), spec, study)

    def rnn(self, method: str, width: int) -> str:
        r = self.block["rnn"]
        spec = {
            "data": {"task": "add", "n_sequences": r["n_sequences"], "n_train": r["n_train"], "length": r["length"],
                     "seed": r["data_seed"]},
            "model": {"kind": "rnn", "hidden": width, "activation": "relu"},
            "rule": self._rule(method), "loss": self.common["loss"], "optimizer": {"lr": r["lr"]},
            "epochs": r["epochs"], "batch_size": r["batch_size"], "seeds": list(range(r["runs"])),
            "eval_batch_size": r["n_sequences"], "checkpoint_every": r["checkpoint_every"],
            "record_every": r["record_every"], "metrics": [],
            "tags": {"method": method, "width": width},
        }
        return self.runs.put(f"boopathy2022_rnn_{method}_w{width}", spec, "rnn")

    def imagenet(self, method: str) -> str:
        i = self.block["imagenet"]
        rule = self._rule(method)
        if method == "dfa":
            rule["spatially_shared"] = i["dfa_spatially_shared"]
        records = -(-i["steps"] // i["steps_per_record"])  # one loop "epoch" per record
        spec = {
            "data": {"dataset": "imagenet", "image_size": i["image_size"], "steps_per_epoch": i["steps_per_record"],
                     "n_test": i["n_test"], "target_offset": i["target_offset"]},
            "model": {"kind": "cnn", "width": i["width"], "strides": list(i["strides"]), "activation": "relu",
                      "padding": self.common["padding"]},
            "rule": rule, "loss": self.common["loss"], "optimizer": {"lr": i["lr"]},
            "epochs": records, "max_steps": i["steps"], "batch_size": i["batch_size"], "seeds": [0],
            "eval_batch_size": min(i["n_test"], i["batch_size"]), "checkpoint_every": i["checkpoint_every"], "record_every": 1,
            "metrics": [], "tags": {"dataset": "imagenet", "method": method, "width": i["width"]},
        }
        return self.runs.put(f"boopathy2022_imagenet_{method}_w{i['width']}", spec, "imagenet")


def grid(block: dict) -> Runs:
    """Every experiment of the paper's studies: ``alignment`` (Fig. 1), ``over_training`` (Fig. 8), ``rules``
    (Fig. 4), its ``timing`` subset (Fig. 7) and ``lr_sweep`` (Fig. 3), ``prop`` (Table 1), ``seeds`` (Table 2),
    ``small_data`` (Fig. 6), ``standard`` (Table 10), ``imagenet`` (Fig. 5), ``rnn`` (Fig. 9)."""
    g = Grid(block)
    datasets = block["common"]["datasets"]
    a = block["alignment"]
    for setting in a["settings"]:  # Fig. 1, Tables 3–5
        if setting["dataset"] not in datasets:
            continue
        for width in a["widths"]:
            g.cnn("alignment", setting["dataset"], "normal", width, setting["lr"], activation=setting["activation"],
                  epochs=setting.get("epochs"), alignment=True, runs=a["runs"], record_every=setting.get("epochs")
                  or block["datasets"][setting["dataset"]]["epochs"])
    over = a["over_training"]  # Fig. 8
    for dataset in datasets:
        g.cnn("over_training", dataset, "normal", over["width"], over["lr"], epochs=over["epochs"], alignment=True,
              record_every=over["record_every"])
    r = block["rules"]
    for dataset in datasets:  # Figs. 4, 7; Tables 6–7
        for method in r["methods"]:
            for width in r["widths"]:
                for lr in r["lrs"]:
                    g.cnn("rules", dataset, method, width, lr)
                    if dataset == r["timing_dataset"] and method in r["timing_methods"]:
                        g.cnn("timing", dataset, method, width, lr)
        for method in r["methods"]:  # Fig. 3: learning-rate sweep at a narrow and a wide network
            for width in r["lr_sweep"]["widths"]:
                for lr in r["lr_sweep"]["lrs"]:
                    g.cnn("lr_sweep", dataset, method, width, lr)
    for method in r["prop_methods"]:  # Table 1: Align-prop against the others at the widest scales
        for width in r["prop_widths"]:
            for lr in r["lrs"]:
                g.cnn("prop", r["timing_dataset"], method, width, lr)
    s = block["seeds"]  # Table 2
    for method in s["methods"]:
        for lr in block["rules"]["lrs"]:
            g.cnn("seeds", s["dataset"], method, s["width"], lr, runs=s["runs"])
    sd = block["small_data"]  # Fig. 6, Table 9
    for n_train in sd["n_train"]:
        for method in sd["methods"]:
            for width in sd["widths"]:
                for lr in block["rules"]["lrs"]:
                    g.cnn("small_data", sd["dataset"], method, width, lr, n_train=n_train)
    st = block["standard"]  # Table 10: standard parameterisation, Adam
    for setting in st["settings"]:
        for method in st["methods"]:
            for width in st["widths"]:
                for lr in setting["lrs"]:
                    g.cnn("standard", st["dataset"], method, width, lr, epochs=setting["epochs"],
                          parameterisation="standard", optimizer="adam", setting=setting["name"])
    for method in block["imagenet"]["methods"]:  # Fig. 5
        g.imagenet(method)
    rn = block["rnn"]  # Fig. 9, Table 8
    for method in rn["methods"]:
        for width in rn["widths"]:
            g.rnn(method, width)
    return g.runs
