"""Resuming from a checkpoint, checked on the trainer's state (the CPU tests in test_training.py and the CUDA one in
test_gpu.py): a rerun that ignored its checkpoint would train every epoch again from the initial weights and, being
deterministic, end with the same rows, so equal rows alone do not show that it resumed."""
from __future__ import annotations

import torch

from fa_repro.models import make_loss
from fa_repro.training.data import build_data
from fa_repro.training.engine import Trainer
from fa_repro.training.experiment import build_model_and_rule, train_config
from fa_repro.training_spec import parse_training_spec


def spec_trainer(spec: dict, device: torch.device):
    """``make(epochs, checkpoint)``: a Trainer of ``spec`` for that many epochs. The fingerprint is the same for
    every length, so a shorter run's checkpoint stands for a longer job stopped there."""
    seeds = [int(s) for s in spec["seeds"]]

    def make(epochs: int, checkpoint):
        run_spec = parse_training_spec({**spec, "epochs": epochs})
        data, shape, n_out = build_data(run_spec, None, seeds, device)
        model, rule = build_model_and_rule(run_spec, seeds, shape, n_out, device)
        return Trainer(model, rule, make_loss(run_spec.loss), data, train_config(run_spec), seeds=seeds,
                       fingerprint="same", checkpoint=checkpoint, progress=False)

    return make


def trainer_state(trainer: Trainer) -> dict:
    """Everything the next epoch starts from: weights, optimiser buffers, the rule's tensors and the generators of
    the data order, the dropout masks and the rule, and the count of updates."""
    optimizer = trainer.optimizer.state_dict()["state"]
    return {
        "steps": trainer.steps,
        "model": {k: v.detach().clone() for k, v in trainer.model.state_dict().items()},
        "optimizer": {(p, k): v.clone() for p, st in optimizer.items() for k, v in st.items() if torch.is_tensor(v)},
        "rule": {k: v.detach().clone() for k, v in trainer.rule.state_tensors().items()},
        "generators": [g.get_state() for g in
                       [*trainer.order_generators, trainer.dropout_generator, trainer.rule.generator]],
    }


def assert_same_state(got: dict, expected: dict) -> None:
    assert got["steps"] == expected["steps"], f"starts after {got['steps']} updates, not {expected['steps']}"
    for part in ("model", "optimizer", "rule"):
        assert got[part].keys() == expected[part].keys(), part
        for key, value in expected[part].items():
            assert torch.equal(got[part][key], value), f"{part} {key} is not the checkpoint's"
    assert all(torch.equal(a, b) for a, b in zip(got["generators"], expected["generators"])), "generators"


def run_resumed(make, checkpoint, stop: int, epochs: int) -> list[dict]:
    """Train ``stop`` epochs leaving ``checkpoint`` behind, rerun to ``epochs`` from it, and assert that the rerun
    trains only epochs stop + 1 … epochs, the first of them from exactly the state the first run ended in (its
    checkpoint). Returns the rerun's rows."""
    first = make(stop, checkpoint)
    first.run()
    saved = trainer_state(first)
    resumed = make(epochs, checkpoint)
    starts = []
    train_epoch = resumed.train_epoch

    def recorded(n_batches):
        starts.append(trainer_state(resumed))
        return train_epoch(n_batches)

    resumed.train_epoch = recorded
    rows = resumed.run()
    assert len(starts) == epochs - stop, f"the rerun trained {len(starts)} epochs, not the {epochs - stop} after {stop}"
    assert_same_state(starts[0], saved)
    return rows
