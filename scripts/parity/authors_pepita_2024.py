"""Runs Srinivasan et al.'s own training script (ravifrancesco/PEPITA ``scripts/train.py``, PyTorch Lightning 1.6)
for the PEPITA parity comparison, with the authors' Python (torch, pytorch_lightning 1.6.5, torchmetrics 0.9.2,
loguru, yacs, scipy, scikit-learn). Executed by scripts/parity/pepita.py as
``python authors_pepita_2024.py '<json arguments>' <out.csv>``; it is not a module of the package and nothing of
theirs is copied: their ``scripts/train.py`` runs as ``__main__`` from the checkout with its own command line.

What is shimmed:
* data loading only: ``pepita.core.trainer.datapool`` returns DataLoaders over the examples our run trains and
  tests on (the uint8 images of our prepared file, scaled to [0, 1] as torchvision's ``ToTensor``), with the
  arguments of their ``get_cifar10`` / ``get_mnist`` (training: batch 64, ``shuffle=True``, ``drop_last=True``;
  test: ``shuffle=False``) except ``num_workers=0`` and a loader generator seeded by the run's seed;
* ``ray`` (imported by their ``scripts/utils.py`` for grid searches only) is an empty stand-in where it is not
  installed;
* recording: ``pytorch_lightning.Trainer`` is their Trainer with one more callback that, at the start of training
  and after every ``record_every`` epochs, evaluates their network (their ``forward`` in eval mode) on the training
  and test examples — loss −log p_y of their softmax output, accuracy — and reads the F–W angle from their own
  ``compute_angle()``. Their logged ``val_acc`` (torchmetrics) is checked to equal our evaluation of it.
Model, PEPITA update, feedback matrices, optimiser, learning-rate decay, seeding: theirs, unchanged.
"""
from __future__ import annotations

import json
import math
import os
import runpy
import sys
import types
from pathlib import Path

import torch
from curves_file import write_curves  # beside this script; standard library only


def their_loaders(data: dict, seed: int):
    """``datapool``'s three loaders over our examples: (train, val, test) with val None (VAL_SPLIT 0)."""
    from torch.utils.data import DataLoader, TensorDataset

    x_train = data["train_images"].to(torch.float32) / 255.0  # torchvision ToTensor: uint8 / 255
    x_test = data["test_images"].to(torch.float32) / 255.0
    train = TensorDataset(x_train, data["train_labels"])
    test = TensorDataset(x_test, data["test_labels"])

    def datapool(DATANAME, batchsize, ds_directory="datasets", val_split=0.2, augment=False, num_workers=8,
                 normalize=False):
        if augment or normalize or val_split:
            raise SystemExit("authors_pepita_2024: the parity run uses no augmentation, normalisation or split")
        generator = torch.Generator().manual_seed(seed)
        return (DataLoader(train, batch_size=batchsize, shuffle=True, drop_last=True, num_workers=0,
                           generator=generator),
                None,
                DataLoader(test, batch_size=batchsize, shuffle=False, num_workers=0))

    return datapool, (x_train, data["train_labels"]), (x_test, data["test_labels"])


def main() -> None:
    arguments, out = json.loads(sys.argv[1]), Path(sys.argv[2]).resolve()
    data_file = Path(arguments["data"]).resolve()
    checkout = Path(arguments["checkout"]).resolve()
    work = Path(arguments["work"]).resolve()
    work.mkdir(parents=True, exist_ok=True)
    os.chdir(work)  # their experiments/<name>/ folders (logs, config.yaml) go here
    sys.path[:0] = [str(checkout / "scripts"), str(checkout)]
    try:
        import ray.tune  # noqa: F401  (their scripts/utils.py imports it for grid searches only)
    except ImportError:
        sys.modules["ray"] = types.SimpleNamespace(tune=types.SimpleNamespace(grid_search=lambda values: values))
    torch.set_num_threads(int(arguments.get("threads", 2)))

    import pytorch_lightning as pl
    import pepita.core.trainer as their_trainer

    data = torch.load(data_file, weights_only=True)
    batches_per_epoch = len(data["train_labels"]) // int(arguments["batch_size"])  # drop_last, as theirs
    epochs, record_every = int(arguments["epochs"]), int(arguments.get("record_every", 1))
    rows: list[dict] = []

    class Recorder(pl.Callback):
        """Evaluates their network after every epoch (and before the first) on our training and test examples."""

        def __init__(self, seed, train, test):
            self.seed, self.train, self.test = seed, train, test

        def evaluate(self, module, x, labels):
            was_training = module.training
            module.eval()
            with torch.no_grad():
                p = module(x.reshape(len(x), -1))  # their forward: softmax probabilities
            module.train(was_training)
            loss = -torch.log(p.gather(1, labels[:, None]).clamp_min(1e-45)).mean()
            return float(loss), float((p.argmax(-1) == labels).double().mean())

        def record(self, trainer, module, epoch):
            train_loss, train_acc = self.evaluate(module, *self.train)
            test_loss, test_acc = self.evaluate(module, *self.test)
            angle = float(module.model.compute_angle()["al_total"])
            logged = trainer.callback_metrics.get("val_acc")
            if epoch > 0 and logged is not None and abs(float(logged) - test_acc) > 1e-6:
                raise SystemExit(f"authors_pepita_2024: our evaluation of their network ({test_acc}) differs from "
                                 f"their logged val_acc ({float(logged)}) at epoch {epoch}")
            step = epoch * batches_per_epoch
            for metric, value in (("train_loss", train_loss), ("train_acc", train_acc), ("test_loss", test_loss),
                                  ("test_acc", test_acc), ("feedback_angle", angle)):
                rows.append({"side": "authors", "seed": self.seed, "step": step, "metric": metric, "value": value})
            print(f"authors_pepita_2024: seed {self.seed} epoch {epoch}: train loss {train_loss:.4f}, "
                  f"test acc {test_acc:.4f} (their val_acc {float(logged) if logged is not None else None}), "
                  f"angle {angle:.1f}", file=sys.stderr, flush=True)

        def on_train_start(self, trainer, module):
            self.record(trainer, module, 0)

        def on_train_epoch_end(self, trainer, module):
            epoch = trainer.current_epoch + 1
            if epoch % record_every == 0 or epoch == epochs:
                self.record(trainer, module, epoch)

    TheirTrainer = pl.Trainer
    for seed in arguments["seeds"]:
        datapool, train, test = their_loaders(data, seed)
        their_trainer.datapool = datapool  # the name their PEPITATrainer.__init__ calls
        recorder = Recorder(seed, train, test)

        class RecordingTrainer(TheirTrainer):
            def __init__(self, *args, callbacks=None, **kwargs):
                super().__init__(*args, callbacks=[*(callbacks or []), recorder], **kwargs)

        pl.Trainer = RecordingTrainer
        argv = ["train.py", "-en", f"parity_seed{seed}", "-s", str(seed), *arguments["cli"]]
        print("authors_pepita_2024: python", " ".join(argv), file=sys.stderr, flush=True)
        sys.argv = argv
        runpy.run_path(str(checkout / "scripts" / "train.py"), run_name="__main__")
        pl.Trainer = TheirTrainer
        expected = 1 + len({e for e in range(1, epochs + 1) if e % record_every == 0 or e == epochs})
        got = sum(1 for r in rows if r["seed"] == seed and r["metric"] == "test_acc")
        if got != expected:
            raise SystemExit(f"authors_pepita_2024: seed {seed} recorded {got} epochs, expected {expected}")

    write_curves(out, rows)


if __name__ == "__main__":
    main()
