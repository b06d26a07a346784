"""A training experiment from its config block: data handling, model, rule, loop, tidy metrics table.

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
from pathlib import Path

import pandas as pd
import torch

from fa_repro.atomic import write_atomically
from fa_repro.data import (
    add_task,
    correlated_target_regression,
    corrupt_labels,
    downscale,
    holdout_split,
    load_prepared,
    one_hot,
    to_unit_interval,
    training_subset,
)
from fa_repro.hardware import least_busy_cuda_device
from fa_repro.metrics.alignment_score import alignment_score
from fa_repro.metrics import (cosine, feedback_angle, gradient_alignment, update_alignment, update_norms,
                              weight_alignment)
from fa_repro.models import make_loss, make_model
from fa_repro.rules import make_rule
from fa_repro.training.engine import TrainConfig, Trainer, TrainingData, config_fingerprint
from fa_repro.training.streaming import streamed_data


def device_for(spec: dict) -> torch.device:
    """``device: auto`` trains on the least busy visible GPU, or on the CPU when there is none."""
    want = spec.get("device", "auto")
    if want == "auto":
        return least_busy_cuda_device() if torch.cuda.is_available() else torch.device("cpu")
    return torch.device(want)


def shared_seeds(spec: dict, seeds: list[int]) -> list[int]:
    """The seed of each network's feedback and label corruption: its own, or its pair's first seed."""
    if not spec.get("pairs", False):
        return list(seeds)
    if len(seeds) % 2:
        raise ValueError(f"pairs: true needs an even number of seeds, got {len(seeds)}")
    return [seeds[i - i % 2] for i in range(len(seeds))]


def build_data(spec: dict, prepared: str | Path | None, seeds: list[int], device,
               workers: int = 1) -> tuple[TrainingData, tuple, int]:
    """Training/test tensors on ``device``, the input shape of one example and the number of outputs. An
    indexed dataset (ImageNet) is streamed: its images are decoded by ``workers`` processes as training goes."""
    d = spec["data"]
    if "task" in d:
        return _synthetic(d, device)
    data = load_prepared(prepared, expect=d["dataset"])
    if data["meta"].get("kind") == "index":
        return streamed_data(data, d, device, max(1, workers))
    n_classes = data["meta"]["n_classes"]

    def images(t):
        x = to_unit_interval(t)
        if d.get("downscale"):
            x = downscale(x, int(d["downscale"]))
        return x.flatten(start_dim=1) if d.get("flatten", True) else x

    # select examples on the stored uint8 tensors first; only the selected ones are converted to floats
    x_train, labels_train = data["train_images"], data["train_labels"]
    x_test, labels_test = data["test_images"], data["test_labels"]
    split_seed = int(d.get("split_seed", 0))
    idx = torch.arange(len(labels_train))
    if d.get("holdout"):  # Boopathy: train on 45k/55k, evaluate on the held-out 5k ("test" in their code)
        idx, held = holdout_split(len(labels_train), int(d["holdout"]), split_seed)
        x_test, labels_test = x_train[held], labels_train[held]
    idx = training_subset(idx, d.get("subset"), split_seed + 1)
    if d.get("test_subset"):  # a seeded subset of the test set, to evaluate cheaply at reduced scales
        keep = training_subset(torch.arange(len(labels_test)), int(d["test_subset"]), split_seed + 2)
        x_test, labels_test = x_test[keep], labels_test[keep]
    x_train, labels_train = images(x_train[idx]), labels_train[idx]
    x_test = images(x_test)
    offset = float(d.get("target_offset", 0.0))
    p = float(d.get("label_corruption", 0.0))
    per_seed = p > 0
    if per_seed:  # corruption seeded by the run's seed: identical for every rule trained with that seed
        corrupted = [corrupt_labels(labels_train, p, n_classes, seed, d.get("corruption_mode", "shuffle"))[0]
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


def _synthetic(d: dict, device):
    if d["task"] == "correlated_regression":  # Refinetti Eq. 20
        seed = int(d.get("seed", 0))
        x, y = correlated_target_regression(d["n_train"] + d["n_test"], d["alpha"], d["beta"], seed,
                                            int(d.get("input_dim", 10)))
        n = d["n_train"]
        td = TrainingData(x[:n].to(device), y[:n].to(device), x[n:].to(device), y[n:].to(device))
        return td, (x.shape[1],), 2
    if d["task"] == "add":  # Boopathy Eq. 59
        x, y = add_task(int(d.get("n_sequences", 400)), int(d.get("length", 100)), int(d.get("seed", 0)))
        n = int(d.get("n_train", 300))
        td = TrainingData(x[:n].to(device), y[:n].to(device), x[n:].to(device), y[n:].to(device))
        return td, tuple(x.shape[1:]), 1
    raise ValueError(f"unknown synthetic task {d['task']!r} (correlated_regression | add)")


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


def alignment_hooks(spec: dict, data: TrainingData, loss) -> list:
    names = spec.get("metrics", [])
    n = min(int(spec.get("alignment_batch", 1000)), data.n_train)
    x = data.x_train[:n]
    y = data.y_train[:, :n] if data.per_seed_targets else data.y_train[:n]
    hooks = []
    if "weight_alignment" in names:
        hooks.append(lambda epoch, model, rule: {f"wa_{k}": v for k, v in weight_alignment(model, rule).items()})
    if "gradient_alignment" in names:
        hooks.append(lambda epoch, model, rule: {f"ga_{k}": v for k, v in gradient_alignment(model, rule, x, y, loss).items()})
    if "update_alignment" in names:  # Chu & Bacho's "gradient alignment" of the weight updates
        hooks.append(lambda epoch, model, rule: {f"update_alignment_{k}": v
                                                 for k, v in update_alignment(model, rule, x, y, loss).items()})
    if "pair_similarity" in names:
        if not spec.get("pairs", False):
            raise ValueError("the pair_similarity metric needs pairs: true")

        def pair_similarity(epoch, model, rule):
            weights = [w for w, _ in model.weight_layers()]
            first = [w[0::2] for w in weights]
            second = [w[1::2] for w in weights]
            with torch.no_grad():
                c = cosine(first, second)
            return {"pair_cos_sim": c.repeat_interleave(2)}

        hooks.append(pair_similarity)
    if "update_norm" in names:
        initial: list[torch.Tensor] = []

        def update_norm(epoch, model, rule):
            weights = [w.detach() for w, _ in model.weight_layers()]
            if not initial:  # first call: epoch 0, before any update
                initial.extend(w.clone() for w in weights)
            norms = update_norms(initial, weights)
            return {f"update_norm_layer{l + 1}": n for l, n in enumerate(norms)}

        hooks.append(update_norm)
    if "feedback_angle" in names:  # Srinivasan Fig. 3c: angle between PEPITA's F and W_totᵀ
        hooks.append(lambda epoch, model, rule: {"feedback_angle": feedback_angle(model, rule.F)})
    if "alignment_score" in names:
        hooks.append(alignment_score_hook(spec, data))
    unknown = set(names) - {"weight_alignment", "gradient_alignment", "update_alignment", "pair_similarity", "update_norm",
                            "feedback_angle", "alignment_score"}
    if unknown:
        raise ValueError(f"unknown per-epoch metrics {sorted(unknown)}")
    return hooks


def alignment_score_hook(spec: dict, data: TrainingData):
    """Boopathy & Fiete's alignment score (Eqs. 9–13) of every hidden weight layer, and its baseline for
    "networks with randomly permuted weights" (Fig. 8): the entries of W_t shuffled, then W_0 subtracted, as the
    authors' alignment scripts do. Needs ``rule: {name: bp, linearised_companion: true}``."""
    rule_spec = spec["rule"]
    if not (rule_spec.get("name") == "bp" and rule_spec.get("linearised_companion")):
        raise ValueError("the alignment_score metric needs rule {name: bp, linearised_companion: true}")
    n_probes = int(spec.get("alignment_probes", 100))
    probe_seed = int(spec.get("alignment_probe_seed", 99))  # App. F: "the random seed is set to 99"
    shapes: list[tuple[int, ...]] = []

    def hook(epoch, model, rule):
        weights = [w for w, _ in model.weight_layers()]
        initial = [w for w, _ in rule.initial.weight_layers()]
        if not shapes:
            with torch.no_grad():
                trace = rule.initial.trace(data.x_train[:2])
            shapes.extend(tuple(h.shape[2:]) for h in trace.inputs)
        gen = torch.Generator().manual_seed(probe_seed)
        out = {}
        for layer in range(len(weights) - 1):  # the hidden layers (Tables 3–5: "intermediate layers")
            delta = (weights[layer] - initial[layer]).detach()
            star = rule.companion_change(layer)
            score = alignment_score(model, layer, delta, star, shapes[layer], n_probes, gen)
            baseline_delta = permuted_baseline_change(weights[layer].detach(), initial[layer].detach(), gen)
            baseline = alignment_score(model, layer, baseline_delta, star, shapes[layer], n_probes, gen)
            out[f"alignment_layer{layer + 1}"] = score
            out[f"alignment_baseline_layer{layer + 1}"] = baseline
        return out

    return hook


def permuted_baseline_change(weight: torch.Tensor, initial: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """The weight change of Boopathy & Fiete's "randomly permuted weights" baseline (Fig. 8), as their alignment
    scripts compute it: all entries of each seed's trained weight W_t (S, …) shuffled, then W_0 subtracted."""
    flat = weight.reshape(weight.shape[0], -1)
    rows = [row[torch.randperm(row.numel(), generator=generator).to(row.device)] for row in flat]
    return torch.stack(rows).reshape(weight.shape) - initial


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
    opt = spec.get("optimizer", {})
    config = TrainConfig(epochs=int(spec["epochs"]), batch_size=int(spec["batch_size"]), lr=float(opt["lr"]),
                         optimizer=opt.get("kind", "sgd"),
                         momentum=float(opt.get("momentum", 0.0)), weight_decay=float(opt.get("weight_decay", 0.0)),
                         lr_milestones=list(opt.get("lr_milestones", [])), lr_gamma=float(opt.get("lr_gamma", 0.1)),
                         drop_last=bool(spec.get("drop_last", False)),
                         eval_batch_size=int(spec.get("eval_batch_size", 1000)),
                         record_every=int(spec.get("record_every", 1)),
                         max_steps=int(spec["max_steps"]) if spec.get("max_steps") else None,
                         checkpoint_every=int(spec.get("checkpoint_every", 1)))
    trainer = Trainer(model, rule, loss, data, config, seeds=seeds, fingerprint=config_fingerprint(spec),
                      hooks=alignment_hooks(spec, data, loss), checkpoint=checkpoint, progress=progress, desc=name)
    rows = trainer.run()
    table = pd.DataFrame(rows)
    table["diverged_epoch"] = table["diverged_epoch"].astype("Int64")
    table.insert(0, "experiment", name)
    table["rule"] = spec["rule"]["name"] if isinstance(spec["rule"], dict) else spec["rule"]
    for key, value in spec.get("tags", {}).items():
        table[key] = value
    table["device"] = device.type
    table["config"] = json.dumps(spec, sort_keys=True)
    if out is not None:
        write_table(table, out)
        trainer.finish()
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
    table = pd.DataFrame(rows)
    table.insert(0, "experiment", name)
    table["rule"] = spec["rule"]["name"]
    table["partner"] = ls["partner"]["name"]
    for key, value in spec.get("tags", {}).items():
        table[key] = value
    table["config"] = json.dumps(spec, sort_keys=True)
    if out is not None:
        write_table(table, out)
    return table
