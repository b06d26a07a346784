"""Training throughput of the engine, in epochs per second (full training sets).

* Refinetti's setting: 10 seeds of the 4-layer, 100-unit tanh MLP on 14×14 CIFAR-10 (DFA, batch 32),
  trained as one batched model vs one seed after another;
* PEPITA 1×1024 on MNIST (batch 64, dropout 10 %, Srinivasan App. Table 4), one seed.

Needs the prepared datasets (snakemake resources/data/prepared/{cifar10,mnist}.pt, offline with
--configfile config.yaml workflow/offline-shared-datasets.yaml).
Times are the engine's per-epoch wall time of the training steps (evaluation and data loading excluded).
Usage: .venv/bin/python benchmarks/training_throughput.py [--epochs 1] [--device auto]
"""
from __future__ import annotations

import argparse
import json

import torch

from fa_repro.training import run_experiment

CIFAR = {
    "data": {"dataset": "cifar10", "downscale": 14},
    "model": {"kind": "mlp", "hidden": [100, 100, 100], "activation": "tanh"},
    "rule": {"name": "dfa", "feedback": "uniform", "fan_scaling": "inv_sqrt_plus_one"},
    "loss": "cross_entropy",
    "optimizer": {"lr": 1e-4},
    "batch_size": 32,
    "eval_batch_size": 10000,
}
PEPITA = {
    "data": {"dataset": "mnist"},
    "model": {"kind": "mlp", "hidden": [1024], "activation": "relu", "bias": False, "init": "he_normal",
              "dropout": 0.1},
    "rule": {"name": "pepita"},
    "loss": "cross_entropy",
    "optimizer": {"lr": 0.1, "momentum": 0.9},
    "batch_size": 64,
    "drop_last": True,
    "eval_batch_size": 10000,
}


def timed(spec, data, epochs, device):
    """Seconds of training steps (data loading and evaluation excluded), from the engine's epoch timer."""
    df = run_experiment({**spec, "epochs": epochs, "device": device}, data, progress=False)
    return float(df[df.epoch > 0].groupby("epoch").epoch_time_s.first().sum())


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--data-root", default="resources/data/prepared")
    args = parser.parse_args()
    cifar, mnist = f"{args.data_root}/cifar10.pt", f"{args.data_root}/mnist.pt"
    e = args.epochs
    batched = timed({**CIFAR, "seeds": list(range(10))}, cifar, e, args.device)
    one_by_one = sum(timed({**CIFAR, "seeds": [s]}, cifar, e, args.device) for s in range(10))
    pepita = timed({**PEPITA, "seeds": [0]}, mnist, e, args.device)
    result = {
        "device": torch.cuda.get_device_name() if torch.cuda.is_available() and args.device != "cpu" else "cpu",
        "threads": torch.get_num_threads(),
        "cifar10_mlp_10_seeds_batched_epochs_per_s": e / batched,
        "cifar10_mlp_10_seeds_one_after_another_epochs_per_s": e / one_by_one,
        "batched_speedup": one_by_one / batched,
        "pepita_1x1024_mnist_epochs_per_s": e / pepita,
    }
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
