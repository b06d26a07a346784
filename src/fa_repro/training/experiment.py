"""A training experiment from its config block: its data (:mod:`fa_repro.training.data`), batched model and
rule, per-epoch metric hooks (:mod:`fa_repro.training.metric_hooks`), the loop, and the tidy metrics table.

Spec (one ``config.yaml`` block; every key is also a column-free parameter recorded with the results)::

    data:      {dataset: mnist | kmnist | cifar10 | cifar100, downscale: 14 | null, flatten: true,
                holdout: 5000 | null, subset: 45 | null, test_subset: null, label_corruption: 0.0,
                corruption_mode: shuffle, target_offset: 0.0}
               or {task: correlated_regression, n_train, n_test, alpha, beta, input_dim}
               or {task: add, n_sequences: 400, n_train: 300, length: 100}
    model:     {kind: mlp | cnn | rnn, …}   (fa_repro.models.make_model)
    rule:      {name: bp | fa | dfa | …, …} (fa_repro.rules.make_rule)
    loss:      mse | mse_mean | cross_entropy
    optimizer: {kind: sgd | adam, lr, momentum, weight_decay, lr_milestones, lr_gamma}
    epochs, batch_size, drop_last, eval_batch_size, seeds: [..], checkpoint_every,
    metrics:   [weight_alignment, gradient_alignment (Refinetti's, of the hidden error signals δa), update_alignment
               (Chu & Bacho's, of the weight updates), pair_similarity], alignment_batch: 1000
    pairs:     false | true — seeds form consecutive pairs (s0, s1), (s2, s3), …: the two networks of a pair
               share their feedback matrices and corrupted labels but not their initial weights or data order
               (Refinetti Fig. 5); ``pair_similarity`` records the cosine between their stacked weights
    tags:      {name: value} columns added to every row (the grid coordinates of a generated experiment)
    max_steps: stop after this many updates (Chu & Bacho Figs. 2–3)
    init_from_feedback: none | sign | equal — FA only: after drawing the feedback, give each weight with a
               feedback matrix the feedback's signs (|W| kept) or the feedback itself times ``model.init_scale``
               (Chu & Bacho Fig. 4)
    metrics also: update_norm (‖W_l − W_l(0)‖ per layer), feedback_angle (PEPITA/AFA: angle of F with W_totᵀ),
               alignment_score (Boopathy Eqs. 9–13 with a permuted baseline; alignment_probes: 100)
    lockstep:  {partner: rule spec, swap_at: steps, receiver: partner | self, steps: total} — train this rule
               and a partner rule from the same initial weights on the same batches; at ``swap_at`` one network
               takes the other's weights (Chu & Bacho Fig. 5); see fa_repro.training.lockstep
"""

from __future__ import annotations

import json
import os
import warnings
from pathlib import Path

import pandas as pd
import torch

from fa_repro.atomic import write_atomically
from fa_repro.hardware import least_busy_cuda_device, visible_gpu_count
from fa_repro.models import make_loss, make_model
from fa_repro.registry import rule_name
from fa_repro.rules import make_rule
from fa_repro.training.data import build_data, shared_seeds
from fa_repro.training.engine import TrainConfig, Trainer, config_fingerprint
from fa_repro.training.metric_hooks import metric_hooks


def device_for(spec: dict) -> torch.device:
    """``device: auto`` trains on the least busy visible GPU, or on the CPU when there is none. A job given
    GPUs (``CUDA_VISIBLE_DEVICES`` set by a scheduler) that PyTorch cannot use warns and trains on the CPU."""
    want = spec.get("device", "auto")
    if want != "auto":
        return torch.device(want)
    if torch.cuda.is_available():
        return least_busy_cuda_device()
    given = os.environ.get("CUDA_VISIBLE_DEVICES", "")
    if visible_gpu_count() > 0 and given:
        warnings.warn(f"fa-repro: this job was given GPU(s) CUDA_VISIBLE_DEVICES={given}, but PyTorch "
                      f"{torch.__version__} finds no CUDA device (no driver, or a CPU-only build); it trains "
                      "on the CPU", stacklevel=2)
    return torch.device("cpu")


def build_model_and_rule(spec: dict, seeds: list[int], input_shape, n_out: int, device):
    """The batched model and its bound rule. Each seed's initial weights and feedback come from that seed's
    own generators, so a seed trains the same whether alone or batched with others."""
    singles, states = [], []
    for seed, feedback_seed in zip(seeds, shared_seeds(spec, seeds)):
        single = make_model(spec["model"], input_shape=input_shape, n_out=n_out, n_seeds=1,
                            generator=torch.Generator().manual_seed(1_000_003 * seed + 11)).to(device)
        rule = make_rule(spec["rule"])
        rule.bind(single, torch.Generator().manual_seed(7_919 * feedback_seed + 5), input_shape)
        singles.append(single)
        states.append(rule.state_tensors())
    model = make_model(spec["model"], input_shape=input_shape, n_out=n_out, n_seeds=len(seeds),
                       generator=torch.Generator().manual_seed(0)).to(device)
    with torch.no_grad():
        for name, p in model.named_parameters():
            p.copy_(torch.cat([dict(m.named_parameters())[name] for m in singles]))
    rule = make_rule(spec["rule"])
    rule.bind(model, torch.Generator().manual_seed(7_919 * seeds[0] + 5), input_shape)
    rule.load_state_tensors({k: torch.cat([st[k] for st in states]) for k in states[0]})
    init_from_feedback(model, rule, spec.get("init_from_feedback", "none"), float(spec["model"].get("init_scale", 1.0)))
    return model, rule


def init_from_feedback(model, rule, mode: str, scale: float) -> None:
    """Chu & Bacho Fig. 4: initial weights with the signs of the FA feedback (``sign``) or equal to it times
    ``scale`` (``equal``), for every layer that has a feedback matrix; ``none`` leaves them as drawn."""
    if mode == "none":
        return
    if rule.name != "fa":
        raise ValueError("init_from_feedback needs the fa rule")
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


def train_config(spec: dict) -> TrainConfig:
    """The loop's settings from a spec (epochs, batches, optimiser, recording)."""
    opt = spec.get("optimizer", {})
    return TrainConfig(epochs=int(spec["epochs"]), batch_size=int(spec["batch_size"]), lr=float(opt["lr"]),
                       optimizer=opt.get("kind", "sgd"),
                       momentum=float(opt.get("momentum", 0.0)), weight_decay=float(opt.get("weight_decay", 0.0)),
                       lr_milestones=list(opt.get("lr_milestones", [])), lr_gamma=float(opt.get("lr_gamma", 0.1)),
                       drop_last=bool(spec.get("drop_last", False)),
                       eval_batch_size=int(spec.get("eval_batch_size", 1000)),
                       record_every=int(spec.get("record_every", 1)),
                       max_steps=int(spec["max_steps"]) if spec.get("max_steps") else None,
                       checkpoint_every=int(spec.get("checkpoint_every", 1)))


def run_experiment(spec: dict, prepared: str | Path | None = None, *, out: str | Path | None = None,
                   checkpoint: str | Path | None = None, progress: bool = True, name: str = "training",
                   workers: int = 1) -> pd.DataFrame:
    """Train every seed of ``spec`` (batched) and return the per-epoch metrics, one row per (epoch, seed),
    with the spec as a JSON column. With ``out``, the table is written there (CSV) and only then is the
    checkpoint removed."""
    device = device_for(spec)
    seeds = [int(s) for s in spec["seeds"]]
    data, input_shape, n_out = build_data(spec, prepared, seeds, device, workers)
    model, rule = build_model_and_rule(spec, seeds, input_shape, n_out, device)
    if "lockstep" in spec:
        return _lockstep(spec, model, rule, data, input_shape, out, progress, name)
    loss = make_loss(spec.get("loss", "cross_entropy"))
    trainer = Trainer(model, rule, loss, data, train_config(spec), seeds=seeds, fingerprint=config_fingerprint(spec),
                      hooks=metric_hooks(spec, data, loss), checkpoint=checkpoint, progress=progress, desc=name)
    table = pd.DataFrame(trainer.run())
    table["diverged_epoch"] = table["diverged_epoch"].astype("Int64")
    table = labelled(table, spec, name, after_tags={"device": device.type})
    if out is not None:
        write_table(table, out)
        trainer.finish()
    return table


def labelled(table: pd.DataFrame, spec: dict, name: str, before_tags: dict | None = None,
             after_tags: dict | None = None) -> pd.DataFrame:
    """The metrics rows with what produced them: the experiment's name first, then its rule, the spec's tags
    (the grid coordinates) and the spec itself as JSON (config and seeds) last."""
    table.insert(0, "experiment", name)
    table["rule"] = rule_name(spec)
    for key, value in {**(before_tags or {}), **spec.get("tags", {}), **(after_tags or {})}.items():
        table[key] = value
    table["config"] = json.dumps(spec, sort_keys=True)
    return table


def write_table(table: pd.DataFrame, out: str | Path) -> None:
    """Write atomically: an interrupted job never leaves a half-written table."""
    write_atomically(out, lambda tmp: table.to_csv(tmp, index=False))


def _lockstep(spec, model, rule, data, input_shape, out, progress, name) -> pd.DataFrame:
    from fa_repro.training.lockstep import run_lockstep

    ls = spec["lockstep"]
    rows = run_lockstep(model, rule, make_rule(ls["partner"]), make_loss(spec.get("loss", "cross_entropy")), data,
                        lr=float(spec["optimizer"]["lr"]), batch_size=int(spec["batch_size"]), steps=int(ls["steps"]),
                        swap_at=int(ls["swap_at"]), receiver=ls["receiver"],
                        record_every_steps=int(ls["record_every_steps"]), seeds=[int(s) for s in spec["seeds"]],
                        eval_batch_size=int(spec.get("eval_batch_size", 1000)), input_shape=input_shape,
                        progress=progress, desc=name)
    table = labelled(pd.DataFrame(rows), spec, name, before_tags={"partner": ls["partner"]["name"]})
    if out is not None:
        write_table(table, out)
    return table
