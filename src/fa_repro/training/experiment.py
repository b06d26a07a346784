"""A training run from its spec: the spec parsed into records once (:mod:`fa_repro.training_spec`, where every key,
its meaning and its default are listed), its data (:mod:`fa_repro.training.data`), the batched model and bound
rule, per-epoch metric hooks (:mod:`fa_repro.training.metric_hooks`), the loop (:mod:`fa_repro.training.engine`)
or a lock-step pair (:mod:`fa_repro.training.lockstep`), and the tidy metrics table, one row per (epoch, seed),
with the spec as given (its identity) in the ``config`` column.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Mapping
from pathlib import Path

import pandas as pd
import torch

from fa_repro.atomic import write_atomically
from fa_repro.hardware import least_busy_cuda_device, visible_gpu_count
from fa_repro.models import make_loss, make_model
from fa_repro.rules import make_rule
from fa_repro.training_spec import ComputeSpec, TrainingSpec, parse_training_spec
from fa_repro.training.data import build_data, shared_seeds
from fa_repro.training.engine import TrainConfig, Trainer
from fa_repro.training.metric_hooks import metric_hooks


def device_for(compute: ComputeSpec) -> torch.device:
    """``device: auto`` trains on the least busy visible GPU, or on the CPU when there is none. A job given
    GPUs (``CUDA_VISIBLE_DEVICES`` set by a scheduler) that PyTorch cannot use warns and trains on the CPU."""
    if compute.device != "auto":
        return torch.device(compute.device)
    if torch.cuda.is_available():
        return least_busy_cuda_device()
    given = os.environ.get("CUDA_VISIBLE_DEVICES", "")
    if visible_gpu_count() > 0 and given:
        warnings.warn(f"fa-repro: this job was given GPU(s) CUDA_VISIBLE_DEVICES={given}, but PyTorch "
                      f"{torch.__version__} finds no CUDA device (no driver, or a CPU-only build); it trains "
                      "on the CPU", stacklevel=2)
    return torch.device("cpu")


def build_model_and_rule(spec: TrainingSpec, seeds: list[int], input_shape, n_out: int, device):
    """The batched model and its bound rule. Each seed's initial weights and feedback come from that seed's
    own generators, so a seed trains the same whether alone or batched with others."""
    singles, states = [], []
    for seed, feedback_seed in zip(seeds, shared_seeds(spec, seeds)):
        single = make_model(spec.model, input_shape=input_shape, n_out=n_out, n_seeds=1,
                            generator=torch.Generator().manual_seed(1_000_003 * seed + 11)).to(device)
        rule = make_rule(spec.rule)
        rule.bind(single, torch.Generator().manual_seed(7_919 * feedback_seed + 5), input_shape)
        singles.append(single)
        states.append(rule.state_tensors())
    model = make_model(spec.model, input_shape=input_shape, n_out=n_out, n_seeds=len(seeds),
                       generator=torch.Generator().manual_seed(0)).to(device)
    with torch.no_grad():
        for name, p in model.named_parameters():
            p.copy_(torch.cat([dict(m.named_parameters())[name] for m in singles]))
    rule = make_rule(spec.rule)
    rule.bind(model, torch.Generator().manual_seed(7_919 * seeds[0] + 5), input_shape)
    rule.load_state_tensors({k: torch.cat([st[k] for st in states]) for k in states[0]})
    if spec.init_from_feedback != "none":  # FA only (the records check it), on an MLP or CNN (the rule checks it)
        init_from_feedback(model, rule, spec.init_from_feedback, spec.model.init_scale)
    return model, rule


def init_from_feedback(model, rule, mode: str, scale: float) -> None:
    """Chu & Bacho Fig. 4: initial weights with the signs of the FA feedback (``sign``) or equal to it times
    ``scale`` (``equal``), for every layer that has a feedback matrix."""
    images = rule.feedback_images(model)
    weights = [w for w, _ in model.weight_layers()]
    with torch.no_grad():
        for layer, feedback in images:
            if mode == "sign":
                weights[layer].copy_(weights[layer].abs() * torch.sign(feedback))
            elif mode == "equal":
                weights[layer].copy_(scale * feedback)
            else:
                raise ValueError(f"init_from_feedback {mode!r} is not none | sign | equal")


def loss_of(spec: TrainingSpec):
    """The run's loss: its per-example unit (``loss``) and its batch reduction (``loss_reduction``)."""
    return make_loss(spec.loss, spec.loss_reduction)


def train_config(spec: TrainingSpec) -> TrainConfig:
    """The loop's settings from a run's records (epochs, batches, optimiser, recording)."""
    opt = spec.optimizer
    return TrainConfig(epochs=spec.epochs, batch_size=spec.batch_size, lr=opt.lr, optimizer=opt.kind,
                       momentum=opt.momentum, weight_decay=opt.weight_decay, lr_milestones=list(opt.lr_milestones),
                       lr_gamma=opt.lr_gamma, drop_last=spec.drop_last, eval_batch_size=spec.metrics.eval_batch_size,
                       record_every=spec.metrics.record_every, max_steps=spec.max_steps,
                       checkpoint_every=spec.compute.checkpoint_every)


def run_experiment(spec: Mapping | TrainingSpec, prepared: str | Path | None = None, *,
                   out: str | Path | None = None, checkpoint: str | Path | None = None, progress: bool = True,
                   name: str = "training", workers: int = 1) -> pd.DataFrame:
    """Train every seed of ``spec`` (batched) and return the per-epoch metrics, one row per (epoch, seed),
    with the spec as a JSON column. ``spec``: the validated config dict, parsed here into its records
    (:func:`fa_repro.training_spec.parse_training_spec`), or the records. With ``out``, the table is written there
    (CSV) and only then is the checkpoint removed."""
    spec = spec if isinstance(spec, TrainingSpec) else parse_training_spec(spec)
    device = device_for(spec.compute)
    seeds = list(spec.seeds)
    data, input_shape, n_out = build_data(spec, prepared, seeds, device, workers)
    model, rule = build_model_and_rule(spec, seeds, input_shape, n_out, device)
    if spec.lockstep is not None:
        return _lockstep(spec, model, rule, data, input_shape, out, progress, name)
    loss = loss_of(spec)
    trainer = Trainer(model, rule, loss, data, train_config(spec), seeds=seeds, fingerprint=spec.fingerprint,
                      hooks=metric_hooks(spec, data, loss), checkpoint=checkpoint, progress=progress, desc=name)
    table = pd.DataFrame(trainer.run())
    table["diverged_epoch"] = table["diverged_epoch"].astype("Int64")
    table = labelled(table, spec, name, after_tags={"device": device.type})
    if out is not None:
        write_table(table, out)
        trainer.finish()
    return table


def labelled(table: pd.DataFrame, spec: TrainingSpec, name: str, before_tags: dict | None = None,
             after_tags: dict | None = None) -> pd.DataFrame:
    """The metrics rows with what produced them: the experiment's name first, then its rule, the spec's tags
    (the grid coordinates) and the spec itself as JSON (its identity: config and seeds) last."""
    table.insert(0, "experiment", name)
    table["rule"] = spec.rule.name
    for key, value in {**(before_tags or {}), **spec.tags, **(after_tags or {})}.items():
        table[key] = value
    table["config"] = spec.identity
    return table


def write_table(table: pd.DataFrame, out: str | Path) -> None:
    """Write atomically: an interrupted job never leaves a half-written table."""
    write_atomically(out, lambda tmp: table.to_csv(tmp, index=False))


def _lockstep(spec: TrainingSpec, model, rule, data, input_shape, out, progress, name) -> pd.DataFrame:
    from fa_repro.training.lockstep import run_lockstep

    ls = spec.lockstep
    rows = run_lockstep(model, rule, make_rule(ls.partner), loss_of(spec), data, lr=spec.optimizer.lr,
                        batch_size=spec.batch_size, steps=ls.steps, swap_at=ls.swap_at, receiver=ls.receiver,
                        record_every_steps=ls.record_every_steps, seeds=list(spec.seeds),
                        eval_batch_size=spec.metrics.eval_batch_size, input_shape=input_shape,
                        progress=progress, desc=name)
    table = labelled(pd.DataFrame(rows), spec, name, before_tags={"partner": ls.partner.name})
    if out is not None:
        write_table(table, out)
    return table
