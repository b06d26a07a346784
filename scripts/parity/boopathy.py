"""Parity of whole training runs with Boopathy & Fiete's own scripts (FieteLab/Wide-Network-Alignment, TensorFlow 1).

    python scripts/parity/boopathy.py --authors PATH/Wide-Network-Alignment --authors-python PATH/venv-tf/bin/python \
        [--seeds 3] [--width 8] [--n-train 5000] [--epochs 10] [--families normal,unit_control,align_ada,dfa,...]

Our side: the paper-scale spec of config.yaml (the CIFAR-10 CNN of App. F: 7 conv layers of ``width`` filters,
strides 1,1,1,2,1,2,1, 'SAME' padding, batch-statistics normalisation, MSE mean over batch × classes on
one-hot − 0.1 targets, plain SGD, batch 100, the 5 000-image held-out split as test set) with only the training
subset, the epochs and the seeds overridden, trained by the pipeline's own code. The authors' side: their
``train_cifar.py`` / ``alignment_cifar.py`` / ``train_add.py`` functions run by ``authors_boopathy.py`` with their
Python on the same images: the held-out split and our training subset, written in their CIFAR binary format
(their ``setup_cifar.py`` reads it unchanged; the subset is what their ``data_limit`` selects); the Add task on our
sequences. What the runner shims is listed in its docstring.

Families: ``normal`` (BP), ``align_ada``, ``align_zero``, ``fa``, ``dfa`` at lr 5 (train loss, train accuracy,
test accuracy); ``unit_control`` (a negative control: our BP with the loss unit before deviation #63, 5× the
gradients, against their BP curves of ``normal``, reused); ``alignment`` (the alignment score per conv layer and its
permuted baseline, Table 3's lr 1); ``rnn`` (the Add task, Eq. 59; running and evaluated train loss, test loss).
Results: results/parity/boopathy_<family>_{curves,points,summary}.csv; ``--from-curves`` judges saved curves again.
Our test accuracy is recorded twice: as the pipeline evaluates it (``test_acc``: the held-out set in batches of
``eval_batch_size``, one batch of 5 000 at paper scale) and as the authors' loop does (``test_acc_b100``: a random
permutation in batches of 100, each normalised with its own statistics; deviation #77).
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from common import (RESULTS, ParityError, authors_checkout, compare, our_curves, paper_spec, prepared_dataset,
                    run_authors, summary_rows, write_results)

PAPER = "Boopathy & Fiete 2022"
REPOSITORY = "FieteLab/Wide-Network-Alignment"
RUNNER = Path(__file__).with_name("authors_boopathy.py")
WORK = RESULTS / "work" / "boopathy"
CNN_FAMILIES = {"normal": "BP (Normal)", "align_ada": "Align-ada", "align_zero": "Align-zero", "fa": "FA",
                "dfa": "DFA"}
CNN_METRICS = {"train_loss": "train_loss", "train_acc": "train_acc", "test_acc": "test_acc",
               "test_acc_b100": "test_acc_b100"}
AUTHORS_EVAL_BATCH = 100  # train_cifar.py::train evaluates the held-out set in batches of batch_size


def authors_test_evaluation_hook(data, batch: int = AUTHORS_EVAL_BATCH):
    """Test accuracy as the authors' loop computes it: the held-out set in a fresh random order, in batches of
    ``batch`` (each normalised with its own batch statistics), the mean of the batch accuracies."""
    def hook(epoch, model, rule):
        n = data.x_test.shape[0]
        order = torch.randperm(n, generator=torch.Generator().manual_seed(10_007 + epoch)).to(data.x_test.device)
        was_training = model.training
        model.eval()
        accuracies = []
        with torch.no_grad():
            for b in range(n // batch):
                idx = order[b * batch:(b + 1) * batch]
                out = model(data.x_test[idx])
                accuracies.append((out.argmax(-1) == data.labels_test[idx]).double().mean(1))
        model.train(was_training)
        return {"test_acc_b100": torch.stack(accuracies).mean(0)}
    return hook


def with_authors_evaluation():
    """Our pipeline's metric hooks plus :func:`authors_test_evaluation_hook` for the CIFAR runs."""
    import fa_repro.training.experiment as experiment
    base = experiment.metric_hooks
    experiment.metric_hooks = lambda spec, data, loss: base(spec, data, loss) + (
        [authors_test_evaluation_hook(data)] if data.labels_test is not None else [])


def write_authors_cifar(spec: dict, prepared: Path, folder: Path) -> None:
    """Our images in the authors' CIFAR-10 binary format (``<label byte><3072 bytes, CHW>`` × 10 000 per file):
    data_batch_1…5 hold our held-out split first (their ``validation_data`` = the first 5 000), then our training
    subset (their ``train_data[:data_limit]``), then the rest of our training images; test_batch our test set.
    Checked against the tensors our pipeline trains on."""
    from fa_repro.data import holdout_split, load_prepared, training_subset
    from fa_repro.training_spec import parse_training_spec
    from fa_repro.training.data import build_data

    run = parse_training_spec(spec)
    d = run.data
    data = load_prepared(prepared, expect="cifar10")
    images, labels = data["train_images"], data["train_labels"]
    train, held = holdout_split(len(labels), d.holdout, d.split_seed)
    subset = training_subset(train, d.subset, d.split_seed + 1)
    rest = train[~torch.isin(train, subset)]
    order = torch.cat([held, subset, rest])
    ours, _, _ = build_data(run, prepared, [0], torch.device("cpu"))
    same = (torch.equal(ours.x_train, images[subset].float() / 255) and torch.equal(ours.labels_train, labels[subset])
            and torch.equal(ours.x_test, images[held].float() / 255) and torch.equal(ours.labels_test, labels[held]))
    if not same:
        raise ParityError("the images written for the authors differ from those our pipeline trains on")
    if len(order) != 50_000 or len(data["test_labels"]) < 10_000:
        raise ParityError("the authors' loader needs 50 000 training and 10 000 test images")
    folder.mkdir(parents=True, exist_ok=True)

    def records(idx, imgs, labs):
        rows = np.empty((len(idx), 3073), dtype=np.uint8)
        rows[:, 0] = labs[idx].numpy()
        rows[:, 1:] = imgs[idx].reshape(len(idx), -1).numpy()
        return rows.tobytes()

    for i in range(5):
        (folder / f"data_batch_{i + 1}.bin").write_bytes(records(order[i * 10_000:(i + 1) * 10_000], images, labels))
    (folder / "test_batch.bin").write_bytes(records(torch.arange(10_000), data["test_images"], data["test_labels"]))


def steps_to_compare(epochs: int, steps_per_epoch: int, every: int) -> list[int]:
    return [e * steps_per_epoch for e in range(every, epochs + 1, every)] + (
        [epochs * steps_per_epoch] if epochs % every else [])


CONTROL = "unit_control"  # BP with the loss unit we used before deviation #63: ½‖ŷ − y‖² (5× the gradients)


def cnn_family(family: str, a, prepared: Path) -> None:
    started = time.time()
    method = "normal" if family in ("alignment", CONTROL) else family
    setting, lr = ("alignment", a.alignment_lr) if family == "alignment" else ("ntk", a.lr)
    epochs = a.alignment_epochs if family == "alignment" else a.epochs
    name = f"boopathy2022_cifar10_{setting}_{method}_relu_w{a.width}_lr{lr:g}_e150"
    overrides = {"data": {"subset": a.n_train}, "epochs": epochs, "seeds": list(range(a.seeds)),
                 "record_every": a.compare_every, "checkpoint_every": epochs}
    if family == "alignment":
        overrides.update(record_every=a.alignment_every, alignment_probes=a.probes)
    if family == CONTROL:
        overrides["loss"] = "mse"
    spec = paper_spec(name, overrides)
    steps_per_epoch = a.n_train // spec["batch_size"]
    metrics = dict(CNN_METRICS)
    if family == CONTROL:  # its losses are in another unit (½Σ over classes = 5 × the mean): accuracies only
        metrics = {k: v for k, v in metrics.items() if "acc" in k}
    if family == "alignment":
        n_conv = len(spec["model"]["strides"])
        metrics.update({f"{p}{l}": f"{p}{l}" for p in ("alignment_layer", "alignment_baseline_layer")
                        for l in range(1, n_conv + 1)})
    authors_family = "normal" if family == CONTROL else family
    args = {"family": authors_family, "checkout": str(a.authors), "workdir": str(WORK), "width": a.width, "lr": lr,
            "epochs": epochs, "n_train": a.n_train, "batch_size": spec["batch_size"],
            "strides": spec["model"]["strides"], "seeds": [100 + s for s in range(a.seeds)]}
    if family == "alignment":
        args.update(alignment_epochs=list(range(a.alignment_every, epochs + 1, a.alignment_every)), probes=100,
                    probe_batches=a.probe_batches)
    if a.from_curves:
        curves = saved_curves(family)
    else:
        print(f"parity: ours {name} (subset {a.n_train}, {epochs} epochs, seeds {spec['seeds']}, "
              f"loss {spec['loss']})", file=sys.stderr)
        ours = our_curves(spec, prepared, metrics, name)
        ours_s = time.time() - started
        write_authors_cifar(spec, prepared, WORK / "cifar-10-batches-bin")
        out = WORK / f"{authors_family}_authors.csv"
        reuse = out.with_suffix(".json")
        if family == CONTROL and out.exists() and reuse.exists() and json.loads(reuse.read_text()) == args:
            theirs = pd.read_csv(out)  # the authors' BP curves of the normal family, same arguments
        else:
            theirs = run_authors(RUNNER, a.authors_python, args, out)
            reuse.write_text(json.dumps(args))
        print(f"parity: {family}: ours {ours_s:.0f} s, authors {time.time() - started - ours_s:.0f} s", file=sys.stderr)
        # test_acc_b100 is ours evaluated the authors' way; theirs is their (only) test accuracy
        theirs = pd.concat([theirs, theirs[theirs.metric == "test_acc"].assign(metric="test_acc_b100")],
                           ignore_index=True)
        curves = pd.concat([ours, theirs], ignore_index=True).dropna(subset=["value"])
    curves = curves[curves.metric.isin(metrics.values())]
    if family == "alignment":
        steps = [e * steps_per_epoch for e in args["alignment_epochs"]]
    else:
        steps = steps_to_compare(epochs, steps_per_epoch, a.compare_every)
    points = compare(curves, steps)
    configuration = (f"CIFAR-10, ×{a.width} (7 conv), lr {lr:g}, batch {spec['batch_size']}, {a.n_train} train / "
                     f"{spec['data']['holdout']} held-out, {epochs} epochs")
    label = {"alignment": "alignment score (BP + W*)",
             CONTROL: "control: our BP with the loss unit before #63, ½‖ŷ − y‖² (5× the gradients), vs their BP; "
                      "it diverges (NaN) before its first record, so ours is its initial network"}.get(
        family, CNN_FAMILIES.get(family))
    write_results(f"boopathy_{family}", curves, points, summary_rows(points, PAPER, label, configuration))


def saved_curves(family: str) -> pd.DataFrame:
    """The curves a previous run wrote (``--from-curves``: judge them again without training)."""
    path = RESULTS / f"boopathy_{family}_curves.csv"
    if not path.exists():
        raise ParityError(f"--from-curves: no {path}; run the family first")
    return pd.read_csv(path)


def rnn_family(a) -> None:
    from fa_repro.data import add_task

    started = time.time()
    name = f"boopathy2022_rnn_{a.rnn_method}_w{a.rnn_width}"
    spec = paper_spec(name, {"epochs": a.rnn_epochs, "seeds": list(range(a.seeds)), "record_every": 1,
                             "checkpoint_every": a.rnn_epochs, "metrics": ["train_evaluation"]})
    d = spec["data"]
    if a.from_curves:
        curves = saved_curves("rnn")
    else:
        ours = our_curves(spec, None, {"train_loss": "train_loss", "train_eval_loss": "train_eval_loss",
                                       "test_loss": "test_loss"}, name)
        ours_s = time.time() - started
        x, y = add_task(int(d["n_sequences"]), int(d["length"]), int(d["seed"]))
        WORK.mkdir(parents=True, exist_ok=True)
        np.savez(WORK / "add_task.npz", x=x[..., 0].numpy(), y=y[..., 0].numpy())
        args = {"family": "rnn", "checkout": str(a.authors), "workdir": str(WORK), "method": a.rnn_method,
                "width": a.rnn_width, "lr": spec["optimizer"]["lr"], "epochs": a.rnn_epochs, "n_train": d["n_train"],
                "batch_size": spec["batch_size"], "length": d["length"], "seeds": [100 + s for s in range(a.seeds)],
                "add_data": str(WORK / "add_task.npz")}
        theirs = run_authors(RUNNER, a.authors_python, args, WORK / "rnn_authors.csv")
        print(f"parity: rnn: ours {ours_s:.0f} s, authors {time.time() - started - ours_s:.0f} s", file=sys.stderr)
        curves = pd.concat([ours, theirs], ignore_index=True).dropna(subset=["value"])
    steps = steps_to_compare(a.rnn_epochs, d["n_train"] // spec["batch_size"], a.rnn_compare_every)
    points = compare(curves, steps)
    configuration = (f"Add task (T = {d['length']}), hidden {a.rnn_width}, lr {spec['optimizer']['lr']:g}, batch "
                     f"{spec['batch_size']}, {d['n_train']}/{int(d['n_sequences']) - int(d['n_train'])} sequences, "
                     f"{a.rnn_epochs} epochs")
    write_results("boopathy_rnn", curves, points,
                  summary_rows(points, PAPER, f"RNN {a.rnn_method}", configuration))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--authors", required=True, help=f"a checkout of {REPOSITORY}")
    p.add_argument("--authors-python", required=True, help="a Python with tensorflow (2.x, for tf.compat.v1)")
    p.add_argument("--seeds", type=int, default=3, help="seeds per side (≥ 3)")
    p.add_argument("--families", default=f"normal,{CONTROL},align_ada,dfa,alignment,rnn",
                   help=f"comma-separated: {', '.join(CNN_FAMILIES)}, alignment, rnn, {CONTROL} (a negative control: "
                        "our BP with the loss unit before deviation #63 against their BP; run it after normal)")
    p.add_argument("--width", type=int, default=8, help="CNN width multiplier (the paper's ×8 … ×512)")
    p.add_argument("--lr", type=float, default=5.0, help="learning rate of the rule families (App. F grid)")
    p.add_argument("--n-train", type=int, default=5000, help="training subset (≥ 5000 keeps their test set whole)")
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--compare-every", type=int, default=2, help="compare the curves every this many epochs")
    p.add_argument("--alignment-lr", type=float, default=1.0, help="Table 3's learning rate")
    p.add_argument("--alignment-epochs", type=int, default=6, help="epochs of the alignment family's runs")
    p.add_argument("--alignment-every", type=int, default=3, help="score the alignment every this many epochs")
    p.add_argument("--probes", type=int, default=100, help="our probes per score (theirs: 100 per batch)")
    p.add_argument("--probe-batches", type=int, default=100, help="their probe batches per score (their default)")
    p.add_argument("--rnn-method", default="normal", choices=["normal", "align_ada", "align_zero", "readout_only"])
    p.add_argument("--rnn-width", type=int, default=64)
    p.add_argument("--rnn-epochs", type=int, default=100, help="App. F: 200 (100 separate the curves already)")
    p.add_argument("--rnn-compare-every", type=int, default=20)
    p.add_argument("--from-curves", action="store_true",
                   help="judge the curves a previous run wrote (results/parity/boopathy_<family>_curves.csv) with "
                        "the current verdict rule, without training")
    a = p.parse_args()
    if a.seeds < 3:
        raise ParityError("--seeds must be at least 3 (agreement is judged against the seed-to-seed spread)")
    if a.n_train < 5000 or a.n_train % 100:
        raise ParityError("--n-train must be a multiple of 100 and at least 5000 (their test set is "
                          "validation_data[:data_limit])")
    a.authors = authors_checkout(a.authors, ["train_cifar.py", "alignment_cifar.py", "train_add.py", "setup_cifar.py"],
                                 REPOSITORY)
    families = [f.strip() for f in a.families.split(",") if f.strip()]
    unknown = set(families) - set(CNN_FAMILIES) - {"alignment", "rnn", CONTROL}
    if unknown:
        raise ParityError(f"unknown families {sorted(unknown)}")
    with_authors_evaluation()
    prepared = prepared_dataset("cifar10") if set(families) - {"rnn"} and not a.from_curves else None
    for family in families:
        rnn_family(a) if family == "rnn" else cnn_family(family, a, prepared)


if __name__ == "__main__":
    main()
