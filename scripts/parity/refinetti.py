"""Parity of whole runs with Refinetti et al.'s own training script (sdascoli/dfa-dynamics, ``deep/``).

Our side is the paper-scale spec the pipeline generates (config.yaml: App. E.2/E.3 — 4-layer MLPs of width 100 on
standardised 14×14 images, DFA with uniform feedback of scale 1/√(n + 1), no biases, plain SGD with lr 1e-4 per
*summed* batch of 32), trained by the package on a subset of the training set for a few epochs; the authors' side
is their ``main(args)`` with the arguments of their submit scripts (``feedback_init UNIFORM``, ``weight_init
UNIFORM``, ``n_layers 4``, ``hidden_size 100``, ``input_dim 14``, SGD, lr 1e-4, batch 32), on the same examples
(scripts/parity/authors_refinetti.py, run with their Python). Both record every epoch: train loss and accuracy
evaluated on the whole training subset, test loss and accuracy, and for DFA the WA (Eq. 18, per layer and global)
and the GA of each hidden layer (theirs on the current minibatch, ours on a fixed batch of 1000 examples).

    python scripts/parity/refinetti.py --authors ~/dfa-dynamics --authors-python ~/venv-refinetti/bin/python \\
        [--family mnist_relu_dfa cifar10_relu_dfa mnist_tanh_bp regression_relu_dfa] [--seeds 3] [--epochs 10]

Their Python needs torch, torchvision and scikit-image. Results: results/parity/refinetti_<family>_*.csv.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd
import torch

from common import (RESULTS, authors_checkout, compare, our_curves, paper_spec, prepared_dataset, run_authors,
                    summary_rows, write_results)

# family -> (our paper-scale run, their main() arguments)
FAMILIES = {
    "mnist_relu_dfa": ("refinetti2021_degeneracy_mnist_relu_dfa",
                       {"dataset": "MNIST", "activation": "relu", "training_method": "DFA"}),
    "mnist_tanh_bp": ("refinetti2021_degeneracy_mnist_tanh_bp",
                      {"dataset": "MNIST", "activation": "tanh", "training_method": "BP"}),
    "cifar10_relu_dfa": ("refinetti2021_corruption_p0",
                         {"dataset": "CIFAR10", "activation": "relu", "training_method": "DFA"}),
    "regression_relu_dfa": ("refinetti2021_targets_relu_a1_b1",
                            {"dataset": "RANDOM", "activation": "relu", "training_method": "DFA",
                             "task": "REGRESSION", "n_layers": 3, "num_classes": 2}),
}
# their submit scripts' arguments common to every family (submit_angle.py, submit_alphabeta.py) at App. E's values
THEIR_COMMON = {"feedback_init": "UNIFORM", "weight_init": "UNIFORM", "model": "fc", "hidden_size": 100, "n_layers": 4,
                "optimizer": "SGD", "learning_rate": 1e-4, "momentum": 0.0, "batch_size": 32, "test_batch_size": 1000,
                "input_dim": 14, "num_classes": 10, "label_noise": 0.0, "n_saves": 0, "no_gpu": True,
                "task": "CLASSIFICATION", "datasize": None}
# our metrics-table columns -> parity metric names (the authors' runner writes the same names)
METRICS = {"train_eval_loss": "train_loss", "train_eval_acc": "train_acc", "test_loss": "test_loss",
           "test_acc": "test_acc"}


def alignment_metrics(weight_layers: int) -> dict[str, str]:
    """WA of weight layers 2 … L (and global) and GA of hidden layers 1 … L − 1, as both codes name them."""
    names = ["wa_global"] + [f"wa_layer{l}" for l in range(2, weight_layers + 1)] + \
        [f"ga_layer{l}" for l in range(1, weight_layers)]
    return {name: name for name in names}


def our_spec(family: str, seeds: list[int], epochs: int, n_train: int | None) -> dict:
    name, theirs = FAMILIES[family]
    regression = theirs["dataset"] == "RANDOM"
    metrics = ["train_evaluation"] + (["weight_alignment", "gradient_alignment"] if theirs["training_method"] == "DFA"
                                      else [])
    overrides = {"seeds": seeds, "pairs": False, "epochs": epochs, "record_every": 1, "checkpoint_every": epochs,
                 "metrics": metrics}
    if regression:  # the paper's 10³ examples in whole batches (their loader drops the rest); a square input
        n_train = paper_spec(name)["data"]["n_train"]  # dimension (their model takes input_size² inputs)
        overrides["data"] = {"n_train": n_train - n_train % 32, "n_test": 1000, "input_dim": 9}
        overrides["alignment_batch"] = 1000
    else:
        overrides["data"] = {"subset": n_train}
    return paper_spec(name, overrides)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--authors", required=True, help="a checkout of sdascoli/dfa-dynamics")
    parser.add_argument("--authors-python", default=sys.executable,
                        help="the Python with the authors' packages (torch, torchvision, scikit-image)")
    parser.add_argument("--family", nargs="+", default=list(FAMILIES), choices=list(FAMILIES))
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=10, help="epochs of the image families")
    parser.add_argument("--regression-epochs", type=int, default=300,
                        help="epochs of the regression family (31 updates per epoch on the paper's 10³ examples)")
    parser.add_argument("--n-train", type=int, default=10_000, help="training examples (a seeded subset)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--reuse-authors", action="store_true",
                        help="reuse the authors' curves of an earlier run with the same arguments")
    parser.add_argument("--control", action="store_true",
                        help="also run our side with the loss averaged over the batch (the unit before issue 22, 32× "
                             "smaller steps) against the same authors' curves: the comparison must call it 'differ'")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    checkout = authors_checkout(args.authors, ["deep/main.py", "deep/models.py", "deep/tinydfa/dfa.py"],
                                "sdascoli/dfa-dynamics")
    from fa_repro.data import training_subset
    from fa_repro.training_spec import parse_training_spec
    from fa_repro.training.data import synthetic_data
    from fa_repro.training.engine import batches_per_epoch

    seeds = list(range(args.seeds))
    for family in args.family:
        name, theirs = FAMILIES[family]
        epochs = args.regression_epochs if theirs["dataset"] == "RANDOM" else args.epochs
        spec = our_spec(family, seeds, epochs, args.n_train)
        work = RESULTS / "work" / f"refinetti_{family}"
        work.mkdir(parents=True, exist_ok=True)
        regression = theirs["dataset"] == "RANDOM"
        n_train = spec["data"]["n_train"] if regression else args.n_train
        arguments = {"checkout": str(checkout), "dataset": theirs["dataset"], "seeds": seeds,
                     "dataset_path": str(RESULTS / "work" / "datasets"),
                     "batches_per_epoch": batches_per_epoch(n_train, 32, drop_last=False)}
        if regression:
            prepared = None
            data, _, _ = synthetic_data(parse_training_spec(spec).data, "cpu")
            arguments["regression_data"] = str(work / "regression.pt")
            torch.save({"x_train": data.x_train, "y_train": data.y_train, "x_test": data.x_test,
                        "y_test": data.y_test}, arguments["regression_data"])
            arguments["train_indices"] = None
        else:
            prepared = prepared_dataset(spec["data"]["dataset"])
            n_full = len(torch.load(prepared, weights_only=True)["train_labels"])
            subset = training_subset(torch.arange(n_full), args.n_train, parse_training_spec(spec).data.split_seed + 1)
            arguments["train_indices"] = subset.tolist()
            arguments["prepared"] = str(prepared)
            if theirs["dataset"] == "MNIST":  # their FastMNIST reads <root>/FastMNIST/raw: the IDX files we read
                raw = Path(arguments["dataset_path"]) / "FastMNIST" / "raw"
                raw.parent.mkdir(parents=True, exist_ok=True)
                if not raw.exists():
                    raw.symlink_to((Path(prepared_source(prepared)) / "MNIST" / "raw").resolve())
        arguments["args"] = {**THEIR_COMMON, **theirs, "epochs": epochs,
                             "log_every": arguments["batches_per_epoch"]}
        authors_file = work / "authors_curves.csv"
        if args.reuse_authors and authors_file.exists():
            authors = pd.read_csv(authors_file)
        else:
            authors = run_authors(Path(__file__).with_name("authors_refinetti.py"), args.authors_python, arguments,
                                  authors_file)
        weight_layers = len(spec["model"]["hidden"]) + 1
        metrics = {**METRICS, **(alignment_metrics(weight_layers) if theirs["training_method"] == "DFA" else {})}
        if regression:
            metrics = {k: v for k, v in metrics.items() if not k.endswith("_acc")}
        authors = authors[authors.metric.isin(metrics.values())]
        steps = [e * arguments["batches_per_epoch"] for e in range(0, epochs, max(1, epochs // 10))]
        configuration = (f"{name} at paper scale, {n_train} training examples, {epochs} epochs, "
                         f"{args.seeds} seeds each")
        runs = [(family, spec, configuration)]
        if args.control and family == args.family[0]:
            runs.append((f"{family}_unit_control", {**spec, "loss_reduction": "mean"},
                         configuration + "; CONTROL: ours with the batch-mean loss (32× smaller steps)"))
        for key, run_spec, text in runs:
            ours = our_curves(run_spec, prepared, metrics, name=f"parity {key}")
            curves = pd.concat([ours, authors])
            points = compare(curves, steps)
            write_results(f"refinetti_{key}", curves, points, summary_rows(points, "Refinetti et al. 2021", key, text))


def prepared_source(prepared: Path) -> Path:
    """The torchvision root our prepared MNIST was read from (their FastMNIST reads the same IDX files)."""
    meta = torch.load(prepared, weights_only=True)["meta"]
    if meta["source"]["kind"] != "torchvision":
        raise SystemExit(f"parity: {prepared} was not read from torchvision's MNIST files; delete it and rerun")
    return Path(meta["source"]["root"])


if __name__ == "__main__":
    main()
