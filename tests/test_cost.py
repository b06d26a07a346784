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
from fa_repro.training_spec import parse_data, parse_training_spec as parsed

TINY = {
    "data": {"task": "correlated_regression", "n_train": 100, "n_test": 20, "alpha": 1.0, "beta": 1.0, "seed": 1},
    "model": {"kind": "mlp", "hidden": [8], "activation": "relu"}, "rule": {"name": "dfa"}, "loss": "mse",
    "optimizer": {"lr": 0.01}, "epochs": 3, "batch_size": 32, "seeds": [0, 1], "device": "cpu",
}


# updates of TINY (100 examples, 3 epochs, batch 32) counted by hand: 4 batches per epoch (32, 32, 32, 4), 3 without
# the last smaller one; a batch of 25 divides 100 (4 either way); a batch of all 100 examples: one per epoch
@pytest.mark.parametrize("change, updates", [({}, 3 * 4), ({"drop_last": True}, 3 * 3), ({"max_steps": 5}, 5),
                                             ({"epochs": 1, "batch_size": 100}, 1),
                                             ({"batch_size": 25, "drop_last": True}, 3 * 4),
                                             ({"batch_size": 25}, 3 * 4)])
def test_planned_steps_are_the_updates_the_engine_makes(change, updates):
    spec = {**TINY, **change}
    table = run_experiment(spec, progress=False)
    assert table.step.max() == planned_steps(parsed(spec)) == updates


def test_a_lockstep_pair_plans_both_networks_updates():
    lockstep = {"partner": {"name": "bp"}, "swap_at": 10, "receiver": "partner", "steps": 40, "record_every_steps": 10}
    assert planned_steps(parsed({**TINY, "lockstep": lockstep})) == 80


def test_training_examples_of_a_dataset_follow_its_holdout_and_subset(tmp_path):
    """MNIST's 60 000 training images less a held-out 5 000, or a subset; the updates of 2 epochs at batch 64
    counted by hand (55 000 = 859 × 64 + 24: 860 batches per epoch, 859 without the last)."""
    prepared = _synthetic_prepared("mnist", tmp_path, DATASETS["mnist"].n_train)
    for data, examples in (({"dataset": "mnist"}, 60_000), ({"dataset": "mnist", "holdout": 5000}, 55_000),
                           ({"dataset": "mnist", "subset": 300}, 300), ({"dataset": "mnist", "downscale": 14}, 60_000)):
        built, _, _ = build_data(parsed({**TINY, "data": data}), prepared, [0], torch.device("cpu"))
        assert built.n_train == training_examples(parse_data(data)) == examples, data
    held_out = {**TINY, "data": {"dataset": "mnist", "holdout": 5000}, "epochs": 2, "batch_size": 64}
    assert planned_steps(parsed(held_out)) == 2 * 860
    assert planned_steps(parsed({**held_out, "drop_last": True})) == 2 * 859
    streamed = {**TINY, "data": {"dataset": "imagenet", "image_size": 64, "steps_per_epoch": 7, "n_test": 10},
                "epochs": 3, "batch_size": 256}
    assert planned_steps(parsed(streamed)) == 3 * 7  # an ImageNet "epoch" is steps_per_epoch batches


def test_runs_differing_only_in_what_a_step_does_not_depend_on_share_a_signature():
    base = step_signature(parsed(TINY))
    same = [{"optimizer": {"lr": 0.5}}, {"seeds": [7, 8]}, {"epochs": 100}, {"tags": {"a": 1}},
            {"data": {**TINY["data"], "alpha": 0.2, "seed": 3}},
            {"model": {**TINY["model"], "init": "he_normal", "init_scale": 0.1}}]
    different = [{"batch_size": 64}, {"seeds": [0, 1, 2]}, {"rule": {"name": "fa"}},
                 {"model": {**TINY["model"], "hidden": [16]}}, {"optimizer": {"lr": 0.01, "momentum": 0.9}},
                 {"data": {**TINY["data"], "input_dim": 20}}]
    assert all(step_signature(parsed({**TINY, **c})) == base for c in same)
    assert len({base, *(step_signature(parsed({**TINY, **c})) for c in different)}) == len(different) + 1
    # an omitted key and its default spelled out are the same run to the cost model (the records fill it in)
    assert step_signature(parsed({**TINY, "optimizer": {"lr": 0.01, "kind": "sgd"}, "loss": "mse"})) == base


def test_a_measured_step_runs_the_engine_on_the_specs_shapes(tmp_path):
    cost = measure_step(parsed(TINY), torch.device("cpu"), steps=10, max_seconds=5)
    assert cost.steps_timed == 10 and 0 < cost.seconds_per_step < 1
    # resident tensors: at least the training inputs (100 × 10 float32) and targets
    assert cost.peak_mb * 2**20 >= 100 * 10 * 4
    slow = measure_step(parsed({**TINY, "data": {"dataset": "mnist"}, "batch_size": 1000, "seeds": [0]}),
                        torch.device("cpu"), steps=50, max_seconds=0.0, data_folder=tmp_path)
    assert slow.steps_timed == 1  # the warm-up says one step already exceeds the budget


def test_a_steps_arithmetic_is_counted_from_the_shapes():
    """FLOPs of one update (benchmarks/paper_scale_cost.py --families), against a count by hand for a batched MLP
    10 → 64 → 64 → 2, batch B = 32, S = 3 seeds (a product of m×n by n×p: 2mnp). BP: forward, the weights'
    gradients and the inputs' gradients of every layer but the first; DFA: forward, the weights' gradients and one
    projection B_l e (2 → 64) per hidden layer, no backward chain."""
    spec = {**TINY, "data": {**TINY["data"], "n_train": 128, "input_dim": 10}, "model": {**TINY["model"],
            "hidden": [64, 64]}, "seeds": [0, 1, 2]}
    B, S, layers = 32, 3, [(10, 64), (64, 64), (64, 2)]
    products = sum(a * b for a, b in layers)
    expected = {"bp": 2 * B * S * (3 * products - 10 * 64), "dfa": 2 * B * S * (2 * products + 2 * (64 + 64))}
    for rule, flops in expected.items():
        cost = measure_step(parsed({**spec, "rule": {"name": rule}}), torch.device("cpu"), steps=2, max_seconds=1)
        assert cost.flops_per_step == flops, rule
