"""The authors' side of the Boopathy & Fiete parity runs, executed with a Python that has TensorFlow (their code is
TensorFlow 1 through ``tensorflow.compat.v1``): ``python authors_boopathy.py '<json arguments>' <out.csv>``.

It imports the authors' scripts from their checkout (FieteLab/Wide-Network-Alignment; nothing of theirs is copied
here) and calls their training functions unchanged. What is shimmed, and nothing else:

* data: their ``setup_cifar.CIFAR`` reads ``cifar-10-batches-bin/`` from the working directory; boopathy.py writes
  that folder in their binary format from *our* prepared images (held-out split first, then our training subset),
  so their loader runs as written and never downloads. ``alignment_cifar.train_align`` has no ``data_limit``: its
  ``CIFAR`` name is bound to their own class with the training arrays cut to our subset (``[:n_train]``, what
  ``data_limit`` does in their other functions). The Add task's ``gen_data`` is replaced by our data (Eq. 59).
* seeds: ``alignment_cifar.py`` and ``train_add.py`` hard-code seed 99; their source is executed with that
  literal replaced by the run's seed (``train_cifar.py`` takes a ``seed`` argument and is not touched).
* recording: their ``print`` calls (epoch, train/test accuracy and loss lines) and the training-step losses their
  loop fetches from ``tf.Session.run`` (and discards) are recorded; the computation is not changed.

The tidy curves (side = authors, seed, step, metric, value) are written to ``out.csv``.
"""
from __future__ import annotations

import builtins
import json
import os
import re
import sys
from pathlib import Path

import numpy as np
import pandas as pd


class Recorder:
    """Their printed metrics and the training-step losses, per epoch."""

    def __init__(self):
        self.epochs: list[dict] = []
        self.batch_losses: list[float] = []

    def print(self, *args, **kwargs):
        text = " ".join(str(a) for a in args)
        builtins.print(text, file=sys.stderr, flush=True)
        if m := re.fullmatch(r"Epoch: (\d+)", text):
            self._close()
            self.epochs.append({"epoch": int(m.group(1)) + 1})
        elif re.fullmatch(r"\d+", text):  # train_add.py prints the bare epoch number
            self._close()
            self.epochs.append({"epoch": int(text) + 1})
        elif m := re.fullmatch(r"(Train|Test) set (accuracy|loss): (\S+)", text):
            kind = "acc" if m.group(2) == "accuracy" else "eval_loss"
            self.epochs[-1][f"{m.group(1).lower()}_{kind}"] = float(m.group(3))

    def _close(self):
        if self.epochs and self.batch_losses:
            self.epochs[-1]["train_loss"] = float(np.mean(self.batch_losses))
        self.batch_losses = []

    def result(self) -> list[dict]:
        self._close()
        out, self.epochs = self.epochs, []
        return out


RECORDER = Recorder()


def record_session_losses(tf) -> None:
    """tf.Session whose training steps (``run([optimizer, loss, …], feed_dict with the learning rate)``) record the
    loss they fetch; everything else passes through."""
    base = tf.Session

    class RecordingSession(base):
        def run(self, fetches, feed_dict=None, *args, **kwargs):
            out = super().run(fetches, feed_dict, *args, **kwargs)
            if isinstance(fetches, list) and len(fetches) >= 2 and feed_dict and any(
                    getattr(k, "shape", None) is not None and k.shape.ndims == 0 for k in feed_dict):
                RECORDER.batch_losses.append(float(out[1]))  # [optimizer, loss, (accuracy)] with lr fed
            return out

    tf.Session = RecordingSession


def load_module(path: Path, name: str, seed: int | None = None) -> dict:
    """Execute one of their scripts as a module (``__name__`` is not ``__main__``, so its experiment loop does
    not run) with ``print`` recorded; ``seed`` replaces their hard-coded seed 99."""
    source = path.read_text()
    if seed is not None:
        n = source.count("np.random.seed(99)") + source.count("seed=99)")
        source = source.replace("np.random.seed(99)", f"np.random.seed({seed})").replace("seed=99)", f"seed={seed})")
        if n == 0:
            raise SystemExit(f"authors_boopathy: no hard-coded seed 99 in {path}; is this their checkout?")
    namespace = {"__name__": name, "__file__": str(path), "print": RECORDER.print}
    exec(compile(source, str(path), "exec"), namespace)
    return namespace


def tidy(rows: list[dict], seed: int, steps_per_epoch: int, metrics: dict[str, str]) -> list[dict]:
    out = []
    for r in rows:
        for column, metric in metrics.items():
            if column in r:
                out.append({"side": "authors", "seed": seed, "step": r["epoch"] * steps_per_epoch,
                            "metric": metric, "value": r[column]})
    return out


CNN_FUNCTIONS = {"normal": "train_normal", "align_ada": "train_alignada", "align_zero": "train_alignzero",
                 "fa": "train_fa", "dfa": "train_dfa"}
CNN_METRICS = {"train_loss": "train_loss", "train_acc": "train_acc", "test_acc": "test_acc"}


def cnn_rule(args: dict, checkout: Path) -> list[dict]:
    """A CIFAR-10 CNN trained by one of train_cifar.py's functions, per seed."""
    ns = load_module(checkout / "train_cifar.py", "train_cifar")
    geometry = cnn_geometry(args)
    rows = []
    for seed in args["seeds"]:
        ns[CNN_FUNCTIONS[args["family"]]](*geometry, f"parity_{args['family']}_seed{seed}", lr_val=args["lr"],
                                          batch_size=args["batch_size"], epochs=args["epochs"],
                                          data_limit=args["n_train"], seed=seed)
        rows += tidy(RECORDER.result(), seed, args["n_train"] // args["batch_size"], CNN_METRICS)
    return rows


def cnn_geometry(args: dict):
    n = len(args["strides"])
    return [args["width"]] * n, [3] * n, list(args["strides"]), ["SAME"] * n


def alignment(args: dict, checkout: Path, workdir: Path) -> list[dict]:
    """alignment_cifar.py: train_normal and train_align (W*, Eq. 13) per seed, then ``align`` (the score per conv
    layer, and with ``randomize=True`` the permuted-weights baseline) at each requested epoch's checkpoint."""
    import setup_cifar

    class SubsetCIFAR(setup_cifar.CIFAR):  # their loader; training arrays cut to our subset (data_limit)
        def __init__(self):
            super().__init__()
            self.train_data = self.train_data[:args["n_train"]]
            self.train_labels = self.train_labels[:args["n_train"]]

    geometry = cnn_geometry(args)
    rows = []
    steps_per_epoch = args["n_train"] // args["batch_size"]
    for seed in args["seeds"]:
        run_dir = workdir / f"alignment_seed{seed}"
        run_dir.mkdir(parents=True, exist_ok=True)
        os.symlink(workdir / "cifar-10-batches-bin", run_dir / "cifar-10-batches-bin") if not (
            run_dir / "cifar-10-batches-bin").exists() else None
        os.chdir(run_dir)  # their save()/load() use ./outputs
        ns = load_module(checkout / "alignment_cifar.py", "alignment_cifar", seed)
        ns["CIFAR"] = SubsetCIFAR
        ns["train_normal"](*geometry, "normal", lr_val=args["lr"], batch_size=args["batch_size"],
                           epochs=args["epochs"], data_limit=args["n_train"])
        rows += tidy(RECORDER.result(), seed, steps_per_epoch, CNN_METRICS)
        ns["train_align"](*geometry, "align", lr_val=args["lr"], batch_size=args["batch_size"], epochs=args["epochs"])
        RECORDER.result()
        for epoch in args["alignment_epochs"]:
            for randomize, prefix in ((False, "alignment_layer"), (True, "alignment_baseline_layer")):
                scores = ns["align"](*geometry, f"normal_{epoch}", f"align_{epoch}", "normal_0",
                                     batch_size=args["probes"], iters=args["probe_batches"], randomize=randomize)
                rows += [{"side": "authors", "seed": seed, "step": epoch * steps_per_epoch,
                          "metric": f"{prefix}{layer + 1}", "value": float(s)} for layer, s in enumerate(scores)]
    return rows


def rnn(args: dict, checkout: Path) -> list[dict]:
    """train_add.py's functions on our Add-task data (their gen_data replaced), per seed."""
    data = np.load(args["add_data"])
    n = args["n_train"]
    functions = {"normal": "train_normal", "align_ada": "train_alignada", "align_zero": "train_alignzero",
                 "readout_only": "train_readout"}
    rows = []
    for seed in args["seeds"]:
        ns = load_module(checkout / "train_add.py", "train_add", seed)
        ns["gen_data"] = lambda t1, t2, T=100: (data["x"][:n], data["y"][:n], data["x"][n:], data["y"][n:])
        ns[functions[args["method"]]](args["width"], 2, 5, T=args["length"], lr_val=args["lr"],
                                      batch_size=args["batch_size"], epochs=args["epochs"])
        rows += tidy(RECORDER.result(), seed, n // args["batch_size"],
                     {"train_loss": "train_loss", "train_eval_loss": "train_eval_loss", "test_eval_loss": "test_loss"})
    return rows


def main() -> None:
    args, out = json.loads(sys.argv[1]), Path(sys.argv[2])
    checkout, workdir = Path(args["checkout"]).resolve(), Path(args["workdir"]).resolve()
    sys.argv = [sys.argv[0]]  # their scripts read sys.argv[1] as the experiment part
    sys.path.insert(0, str(checkout))
    os.chdir(workdir)
    import tensorflow.compat.v1 as tf

    tf.disable_v2_behavior()
    record_session_losses(tf)
    if args["family"] in CNN_FUNCTIONS:
        rows = cnn_rule(args, checkout)
    elif args["family"] == "alignment":
        rows = alignment(args, checkout, workdir)
    elif args["family"] == "rnn":
        rows = rnn(args, checkout)
    else:
        raise SystemExit(f"authors_boopathy: unknown family {args['family']!r}")
    pd.DataFrame(rows, columns=["side", "seed", "step", "metric", "value"]).to_csv(out, index=False)


if __name__ == "__main__":
    main()
