"""What a training experiment costs: the updates it makes (:func:`planned_steps`), the settings that decide the
time of one update (:func:`step_signature`), and that time measured on a device (:func:`measure_step`), from
which ``benchmarks/paper_scale_cost.py`` projects a scale's device-hours.

A step is one update of every seed of the batched model (the engine's inner loop: gather the batch, the rule's
step, the loss and accuracy sums). Evaluation, metric hooks and checkpoints at record times are not in it.
"""
from __future__ import annotations

import dataclasses
import json
import math
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import torch

from fa_repro.data import one_hot
from fa_repro.data.sources import DATASETS, FORMAT_VERSION, _save_prepared
from fa_repro.training_spec import DataSpec, DatasetSpec, TrainingSpec, TaskSpec
from fa_repro.training.data import build_data
from fa_repro.training.engine import Trainer, TrainingData, batches_per_epoch, evaluate
from fa_repro.training.experiment import build_model_and_rule, loss_of, train_config

# data keys that change the shape of an example (hence the cost of a step); the others only select examples
_SHAPE_KEYS = ("dataset", "task", "downscale", "flatten", "image_size", "length", "input_dim")


def training_examples(data: DataSpec) -> int:
    """Training examples of a data record: the dataset's training split less the held-out part, or the subset."""
    if isinstance(data, TaskSpec):
        return data.n_train
    if data.streamed:
        return data.steps_per_epoch  # streamed: an "epoch" is steps_per_epoch batches
    n = DATASETS[data.dataset].n_train - (data.holdout or 0)
    return min(n, data.subset) if data.subset else n


def planned_steps(spec: TrainingSpec) -> int:
    """Updates a training run makes: epochs × batches per epoch, or ``max_steps`` when it stops earlier;
    a lock-step pair (Chu & Bacho Fig. 5) makes ``lockstep.steps`` updates of each of its two networks."""
    if spec.lockstep is not None:
        return 2 * spec.lockstep.steps
    n = training_examples(spec.data)
    streamed = isinstance(spec.data, DatasetSpec) and spec.data.streamed
    per_epoch = n if streamed else batches_per_epoch(n, spec.batch_size, spec.drop_last)
    steps = spec.epochs * per_epoch
    return min(steps, spec.max_steps) if spec.max_steps else steps


def step_signature(spec: TrainingSpec) -> str:
    """What the time of one update depends on: the example's shape, the model (initialisation aside), the rule,
    the loss, the optimiser's kind, the batch size and the number of seeds trained together."""
    data = {k: v for k, v in dataclasses.asdict(spec.data).items() if k in _SHAPE_KEYS and v is not None}
    model = {k: v for k, v in dataclasses.asdict(spec.model).items() if k not in ("init", "init_scale")}
    return json.dumps({
        "data": data,
        "model": model, "rule": spec.rule.name, "loss": spec.loss,
        "optimizer": [spec.optimizer.kind, bool(spec.optimizer.momentum)],
        "batch_size": spec.batch_size, "seeds": len(spec.seeds),
    }, sort_keys=True)


@dataclass
class StepCost:
    seconds_per_step: float
    steps_timed: int
    peak_mb: float  # CUDA: peak allocated (training steps and one evaluation batch); CPU: resident tensors
    flops_per_step: float = math.nan  # floating-point operations of one update (all seeds), counted from the shapes


def matmul_peak_flops(device: torch.device, n: int = 2048, repeats: int = 10) -> float:
    """This device's dense float32 matrix-multiply rate (FLOP/s): the best of ``repeats`` n×n products, 2n³ each,
    with PyTorch's current threads: the arithmetic ceiling a training step is measured against."""
    a, b = torch.randn(n, n, device=device), torch.randn(n, n, device=device)
    a @ b  # warm-up
    best = math.inf
    for _ in range(repeats):
        _sync(device)
        started = time.perf_counter()
        a @ b
        _sync(device)
        best = min(best, time.perf_counter() - started)
    return 2 * n**3 / best


def _synthetic_prepared(dataset: str, folder: Path, n_train: int) -> Path:
    """A prepared file of ``n_train`` random training images (and the test split) in the dataset's real shapes."""
    ds = DATASETS[dataset]
    g = torch.Generator().manual_seed(0)
    n_test = min(ds.n_test, 10_000)
    content = {
        "train_images": torch.randint(0, 256, (n_train, ds.channels, ds.size, ds.size), dtype=torch.uint8, generator=g),
        "train_labels": torch.randint(0, ds.n_classes, (n_train,), generator=g),
        "test_images": torch.randint(0, 256, (n_test, ds.channels, ds.size, ds.size), dtype=torch.uint8, generator=g),
        "test_labels": torch.randint(0, ds.n_classes, (n_test,), generator=g),
    }
    meta = {"format_version": FORMAT_VERSION, "dataset": dataset, "n_classes": ds.n_classes, "n_train": n_train,
            "n_test": n_test, "source": {"kind": "synthetic"}}
    path = folder / f"{dataset}-{n_train}.pt"
    if not path.exists():
        _save_prepared(meta, content, path)
    return path


def _streamed_stand_in(spec: TrainingSpec, device) -> tuple[TrainingData, tuple, int]:
    """ImageNet's shapes without ImageNet: two batches of random decoded images (decoding is not timed)."""
    size, batch = spec.data.image_size, spec.batch_size
    g = torch.Generator().manual_seed(0)
    x = torch.rand(2 * batch, 3, size, size, generator=g)
    labels = torch.randint(0, 1000, (2 * batch,), generator=g)
    y = one_hot(labels, 1000, spec.data.target_offset)
    td = TrainingData(x.to(device), y.to(device), x[:batch].to(device), y[:batch].to(device), labels.to(device),
                      labels[:batch].to(device))
    return td, (3, size, size), 1000


def _sync(device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def measure_step(spec: TrainingSpec, device: torch.device, *, steps: int = 50, warmup: int = 2,
                 max_seconds: float = 5.0, data_folder: str | Path | None = None) -> StepCost:
    """Seconds per update of ``spec`` on ``device``: the engine's loop on random data of the spec's shapes, after
    ``warmup`` updates, timed over ``steps`` updates, or fewer where the warm-up says they would take longer than
    ``max_seconds`` (at least one)."""
    spec = dataclasses.replace(spec, lockstep=None)  # a lock-step pair: the time of one network's step
    seeds = list(spec.seeds)
    if device.type == "cuda":
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats(device)
    with tempfile.TemporaryDirectory() as scratch:
        data_spec = spec.data
        if isinstance(data_spec, DatasetSpec) and data_spec.streamed:
            data, input_shape, n_out = _streamed_stand_in(spec, device)
        else:
            prepared = None
            if isinstance(data_spec, DatasetSpec):  # random images: nothing to corrupt
                folder = Path(data_folder) if data_folder else Path(scratch)
                prepared = _synthetic_prepared(data_spec.dataset, folder, DATASETS[data_spec.dataset].n_train)
                spec = dataclasses.replace(spec, data=dataclasses.replace(data_spec, label_corruption=0.0))
            data, input_shape, n_out = build_data(spec, prepared, seeds, device)
    model, rule = build_model_and_rule(spec, seeds, input_shape, n_out, device)
    config = train_config(spec)
    trainer = Trainer(model, rule, loss_of(spec), data, config, seeds=seeds,
                      progress=False)
    n_batches = data.batches_per_epoch(config.batch_size, config.drop_last)
    rule.before_training(model, n_batches)
    guess = math.inf
    while trainer.steps < warmup:  # warm-up: allocations, kernel selection (one step if slow)
        started = time.perf_counter()
        config.max_steps = trainer.steps + 1
        trainer.train_epoch(n_batches)
        _sync(device)
        guess = time.perf_counter() - started
        if guess > max_seconds:
            break
    target = trainer.steps + max(1, min(steps, int(max_seconds / max(guess, 1e-9))))
    first, started = trainer.steps, time.perf_counter()
    while trainer.steps < target:  # several epochs where an epoch has fewer batches
        config.max_steps = target
        trainer.train_epoch(n_batches)
    _sync(device)
    timed = trainer.steps - first
    seconds = (time.perf_counter() - started) / timed
    from torch.utils.flop_counter import FlopCounterMode

    with FlopCounterMode(display=False) as counter:  # one more update, its matmuls and convolutions counted by shape
        config.max_steps = trainer.steps + 1
        trainer.train_epoch(n_batches)
    flops = float(counter.get_total_flops())
    if device.type == "cuda":
        n_eval = min(config.eval_batch_size, data.x_test.shape[0])
        evaluate(model, trainer.loss, data.x_test[:n_eval], data.y_test[:n_eval], data.labels_test[:n_eval]
                 if data.labels_test is not None else None, n_eval)
        peak = torch.cuda.max_memory_allocated(device)
    else:
        tensors = [data.x_train, data.y_train, data.x_test, data.y_test, *model.parameters(),
                   *rule.state_tensors().values()]
        tensors += [t for st in trainer.optimizer.state.values() for t in st.values() if torch.is_tensor(t)]
        peak = sum(t.numel() * t.element_size() for t in tensors if torch.is_tensor(t))
    return StepCost(seconds, timed, peak / 2**20, flops)
