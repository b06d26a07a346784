"""The tensors a training run trains on, from its data record (:mod:`fa_repro.training_spec`): a prepared dataset
(selected, downscaled, corrupted on the stored uint8 images), a streamed one (ImageNet), or a synthetic task."""
from __future__ import annotations

from pathlib import Path

import torch

from fa_repro.data import (
    add_task,
    correlated_target_regression,
    corrupt_labels,
    downscale,
    holdout_split,
    load_prepared,
    one_hot,
    pixel_moments,
    standardise,
    to_unit_interval,
    training_subset,
)
from fa_repro.training_spec import AddTaskSpec, CorrelatedRegressionSpec, TrainingSpec, TaskSpec
from fa_repro.training.engine import TrainingData
from fa_repro.training.streaming import streamed_data


def shared_seeds(spec: TrainingSpec, seeds: list[int]) -> list[int]:
    """The seed of each network's feedback and label corruption: its own, or its pair's first seed (``pairs``:
    the records check that the seeds pair up)."""
    if not spec.pairs:
        return list(seeds)
    return [seeds[i - i % 2] for i in range(len(seeds))]


def build_data(spec: TrainingSpec, prepared: str | Path | None, seeds: list[int], device,
               workers: int = 1) -> tuple[TrainingData, tuple, int]:
    """Training/test tensors on ``device``, the input shape of one example and the number of outputs. An
    indexed dataset (ImageNet) is streamed: its images are decoded by ``workers`` processes as training goes."""
    d = spec.data
    if isinstance(d, TaskSpec):
        return synthetic_data(d, device)
    data = load_prepared(prepared, expect=d.dataset)
    if data["meta"].get("kind") == "index":
        return streamed_data(data, d, device, max(1, workers))
    n_classes = data["meta"]["n_classes"]
    if d.standardise == "global":  # one mean and std over every training pixel (Refinetti's code)
        moments = pixel_moments(data["train_images"])

    def images(t):
        x = to_unit_interval(t)
        if d.standardise == "global":
            x = standardise(x, *moments)
        if d.downscale:
            x = downscale(x, d.downscale)
        return x.flatten(start_dim=1) if d.flatten else x

    # select examples on the stored uint8 tensors first; only the selected ones are converted to floats
    x_train, labels_train = data["train_images"], data["train_labels"]
    x_test, labels_test = data["test_images"], data["test_labels"]
    idx = torch.arange(len(labels_train))
    if d.holdout:  # Boopathy: train on 45k/55k, evaluate on the held-out 5k ("test" in their code)
        idx, held = holdout_split(len(labels_train), d.holdout, d.split_seed)
        x_test, labels_test = x_train[held], labels_train[held]
    idx = training_subset(idx, d.subset, d.split_seed + 1)
    if d.test_subset:  # a seeded subset of the test set, to evaluate cheaply at reduced scales
        keep = training_subset(torch.arange(len(labels_test)), d.test_subset, d.split_seed + 2)
        x_test, labels_test = x_test[keep], labels_test[keep]
    x_train, labels_train = images(x_train[idx]), labels_train[idx]
    x_test = images(x_test)
    offset = d.target_offset
    per_seed = d.label_corruption > 0
    if per_seed:  # corruption seeded by the run's seed: identical for every rule trained with that seed
        corrupted = [corrupt_labels(labels_train, d.label_corruption, n_classes, seed, d.corruption_mode)[0]
                     for seed in shared_seeds(spec, seeds)]
        labels = torch.stack(corrupted)
        y_train = one_hot(labels, n_classes, offset)
    else:
        labels = labels_train
        y_train = one_hot(labels_train, n_classes, offset)
    td = TrainingData(x_train.to(device), y_train.to(device), x_test.to(device),
                      one_hot(labels_test, n_classes, offset).to(device), labels.to(device), labels_test.to(device),
                      per_seed_targets=per_seed)
    return td, tuple(x_train.shape[1:]), n_classes


def synthetic_data(d: TaskSpec, device):
    """The synthetic tasks: Refinetti's correlated-target regression (Eq. 20) and Boopathy's Add task (Eq. 59)."""
    if isinstance(d, CorrelatedRegressionSpec):  # Refinetti Eq. 20
        x, y = correlated_target_regression(d.n_train + d.n_test, d.alpha, d.beta, d.seed, d.input_dim)
        n = d.n_train
        td = TrainingData(x[:n].to(device), y[:n].to(device), x[n:].to(device), y[n:].to(device))
        return td, (x.shape[1],), 2
    if isinstance(d, AddTaskSpec):  # Boopathy Eq. 59
        x, y = add_task(d.n_sequences, d.length, d.seed)
        n = d.n_train
        td = TrainingData(x[:n].to(device), y[:n].to(device), x[n:].to(device), y[n:].to(device))
        return td, tuple(x.shape[1:]), 1
    raise ValueError(f"unknown synthetic task {d.task!r} (correlated_regression | add)")
