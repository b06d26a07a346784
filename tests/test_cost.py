"""The cost model behind benchmarks/paper_scale_cost.py: the updates a spec plans equal the updates the engine
makes, runs that differ only in what does not change a step's time share a signature, and a measured step is
the engine's own loop."""
from __future__ import annotations

import pytest
import torch

from fa_repro.data.sources import DATASETS
from fa_repro.training import run_experiment
from fa_repro.training.cost import _synthetic_prepared, measure_step, planned_steps, step_signature, training_examples
from fa_repro.training.data import build_data

TINY = {
    "data": {"task": "correlated_regression", "n_train": 100, "n_test": 20, "alpha": 1.0, "beta": 1.0, "seed": 1},
    "model": {"kind": "mlp", "hidden": [8], "activation": "relu"}, "rule": {"name": "dfa"}, "loss": "mse",
    "optimizer": {"lr": 0.01}, "epochs": 3, "batch_size": 32, "seeds": [0, 1], "device": "cpu",
}


@pytest.mark.parametrize("change", [{}, {"drop_last": True}, {"max_steps": 5}, {"epochs": 1, "batch_size": 100}])
def test_planned_steps_are_the_updates_the_engine_makes(change):
    spec = {**TINY, **change}
    table = run_experiment(spec, progress=False)
    assert table.step.max() == planned_steps(spec)


def test_a_lockstep_pair_plans_both_networks_updates():
    assert planned_steps({**TINY, "lockstep": {"steps": 40}}) == 80


def test_training_examples_of_a_dataset_follow_its_holdout_and_subset(tmp_path):
    prepared = _synthetic_prepared("mnist", tmp_path, DATASETS["mnist"].n_train)
    for data in ({"dataset": "mnist"}, {"dataset": "mnist", "holdout": 5000}, {"dataset": "mnist", "subset": 300},
                 {"dataset": "mnist", "downscale": 14}):
        built, _, _ = build_data({**TINY, "data": data}, prepared, [0], torch.device("cpu"))
        assert built.n_train == training_examples(data), data


def test_runs_differing_only_in_what_a_step_does_not_depend_on_share_a_signature():
    base = step_signature(TINY)
    same = [{"optimizer": {"lr": 0.5}}, {"seeds": [7, 8]}, {"epochs": 100}, {"tags": {"a": 1}},
            {"data": {**TINY["data"], "alpha": 0.2, "seed": 3}},
            {"model": {**TINY["model"], "init": "he_normal", "init_scale": 0.1}}]
    different = [{"batch_size": 64}, {"seeds": [0, 1, 2]}, {"rule": {"name": "fa"}},
                 {"model": {**TINY["model"], "hidden": [16]}}, {"optimizer": {"lr": 0.01, "momentum": 0.9}},
                 {"data": {**TINY["data"], "input_dim": 20}}]
    assert all(step_signature({**TINY, **c}) == base for c in same)
    assert len({base, *(step_signature({**TINY, **c}) for c in different)}) == len(different) + 1


def test_a_measured_step_runs_the_engine_on_the_specs_shapes(tmp_path):
    cost = measure_step(TINY, torch.device("cpu"), steps=10, max_seconds=5)
    assert cost.steps_timed == 10 and 0 < cost.seconds_per_step < 1
    # resident tensors: at least the training inputs (100 × 10 float32) and targets
    assert cost.peak_mb * 2**20 >= 100 * 10 * 4
    slow = measure_step({**TINY, "data": {"dataset": "mnist"}, "batch_size": 1000, "seeds": [0]},
                        torch.device("cpu"), steps=50, max_seconds=0.0, data_folder=tmp_path)
    assert slow.steps_timed == 1  # the warm-up says one step already exceeds the budget
