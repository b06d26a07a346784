"""Runs Refinetti et al.'s own training script (sdascoli/dfa-dynamics ``deep/main.py``: ``main(args)``) for the
parity comparison, with the authors' Python (their packages: torch, torchvision, scikit-image). Executed by
scripts/parity/refinetti.py as ``python authors_refinetti.py '<json arguments>' <out.csv>``; it is not a module of
the package and nothing of theirs is copied: it imports their code from the checkout.

What is shimmed, data loading only:
* the training images are the examples our run trains on (``train_indices``), selected after their own
  ``FastMNIST`` / ``FastCIFAR10`` preprocessing (standardised over the full training set, as their code does);
* CIFAR-10 comes from torchvision-format batches written from our prepared file (the offline copy is JPEG), with
  torchvision's MD5 check of those files skipped (they are not the official bytes);
* the regression task (Eq. 20) receives our samples as their fixed list of batches (``get_random_data``'s format);
* ``skimage.transform.resize`` is handed a NumPy array where their code passes a torch tensor (scikit-image of
  their time converted it itself; today's refuses a torch dtype): the same anti-aliased bilinear resize.
Everything else — model, DFA backward, feedback matrices, loss, SGD, logging, WA and GA — is theirs.
"""
from __future__ import annotations

import json
import pickle
import sys
from argparse import Namespace, ArgumentParser
from pathlib import Path

import numpy as np
import torch
from curves_file import write_curves  # beside this script; standard library only


def write_cifar_batches(prepared: str, root: Path) -> None:
    """torchvision's CIFAR-10 layout (``cifar-10-batches-py``: five training batches, a test batch, meta) from our
    prepared uint8 tensors."""
    folder = root / "cifar-10-batches-py"
    if (folder / "test_batch").exists():
        return
    folder.mkdir(parents=True, exist_ok=True)
    data = torch.load(prepared, weights_only=True)
    def dump(name, images, labels):
        flat = images.reshape(len(images), -1).numpy()  # (N, 3·32·32), channel-planar as the original files
        with open(folder / name, "wb") as f:
            pickle.dump({"data": flat, "labels": labels.tolist()}, f)
    train_x, train_y = data["train_images"], data["train_labels"]
    for i, part in enumerate(np.array_split(np.arange(len(train_y)), 5)):
        dump(f"data_batch_{i + 1}", train_x[part], train_y[part])
    dump("test_batch", data["test_images"], data["test_labels"])
    with open(folder / "batches.meta", "wb") as f:
        pickle.dump({"label_names": [str(c) for c in range(10)]}, f)


def main() -> None:
    arguments, out = json.loads(sys.argv[1]), Path(sys.argv[2])
    checkout = Path(arguments["checkout"]) / "deep"
    sys.path.insert(0, str(checkout))
    import torchvision

    import skimage.transform

    resize = skimage.transform.resize
    skimage.transform.resize = lambda image, *a, **k: resize(np.asarray(image), *a, **k)

    import config as their_config
    import main as their_main
    import utils as their_utils

    indices = torch.tensor(arguments["train_indices"]) if arguments.get("train_indices") is not None else None

    def restricted(original):
        class Restricted(original):  # their class, then the examples our run trains on
            def __init__(self, *args, train=True, **kwargs):
                super().__init__(*args, train=train, **kwargs)
                if train and indices is not None:
                    self.data, self.targets = self.data[indices], self.targets[indices]
        Restricted.__name__ = original.__name__  # torchvision's MNIST looks in <root>/<class name>/raw
        return Restricted

    their_utils.FastMNIST = restricted(their_utils.FastMNIST)
    their_utils.FastCIFAR10 = restricted(their_utils.FastCIFAR10)
    if arguments["dataset"] == "CIFAR10":
        write_cifar_batches(arguments["prepared"], Path(arguments["dataset_path"]))
        torchvision.datasets.CIFAR10._check_integrity = lambda self: True
        torchvision.datasets.cifar.check_integrity = lambda *args, **kwargs: True  # the meta file, too

    if arguments["dataset"] == "RANDOM":  # our samples of Eq. 20 in their fixed-batch format
        task = torch.load(arguments["regression_data"], weights_only=True)

        def our_random_data(batch_size, test_batch_size, **_):
            x, y = task["x_train"], task["y_train"]
            train = [[x[i:i + batch_size], y[i:i + batch_size]] for i in range(0, len(x) - batch_size + 1, batch_size)]
            test = [[task["x_test"], task["y_test"]]]
            return train, train, test, int(round(x.shape[1] ** 0.5)), y.shape[1], 1

        their_main.get_random_data = our_random_data

    parser = their_config.add_arguments(ArgumentParser())
    defaults = {a.dest: a.default for a in parser._actions if a.dest != "help"}
    rows = []
    for seed in arguments["seeds"]:
        args = Namespace(**{**defaults, **arguments["args"], "seed": seed,
                            "dataset_path": arguments["dataset_path"], "name": str(out.with_suffix("")) + f"_{seed}"})
        their_main.main(args)
        run = torch.load(args.name + ".pyT", weights_only=False)
        n_batches = arguments["batches_per_epoch"]
        every = args.log_every
        # their logs: after the first update of each logged batch b (b % log_every == 0) of every epoch
        steps = [(e - 1) * n_batches + b + 1 for e in range(1, args.epochs + 1) for b in range(0, n_batches, every)]
        series = {"train_loss": run["train_loss"], "test_loss": run["test_loss"],
                  "train_acc": [a / 100 for a in run["train_accs"]], "test_acc": [a / 100 for a in run["test_accs"]]}
        if args.training_method == "DFA":
            wa, ga = run["weight_alignments"], run["grad_alignments"]
            series["wa_global"] = wa["total"]
            for layer in range(args.n_layers - 1):
                series[f"ga_layer{layer + 1}"] = ga[layer]
            per_layer = [w for w in wa if w != "total"]
            for layer in per_layer:  # their key l is the WA of weight layer l + 2 (1-based)
                series[f"wa_layer{layer + 2}"] = wa[layer]
        for metric, values in series.items():
            for step, value in zip(steps, values):
                rows.append({"side": "authors", "seed": seed, "step": step, "metric": metric, "value": value})
        Path(args.name + ".pyT").unlink()
    write_curves(out, rows)


if __name__ == "__main__":
    main()
