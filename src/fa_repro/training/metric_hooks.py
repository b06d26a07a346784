"""Per-epoch metrics of a training run, by name (``spec.metrics.names``, the spec's ``metrics``): each name maps to a
factory ``(spec, data, loss) -> hook`` of the run's records (:class:`fa_repro.training_spec.TrainingSpec`); a hook
``(epoch, model, rule) -> {column: per-seed values}`` runs at every recorded epoch
(:class:`fa_repro.training.engine.Trainer`)."""
from __future__ import annotations

from collections.abc import Callable

import torch

from fa_repro.metrics import (cosine, feedback_angle, gradient_alignment, update_alignment, update_norms,
                              weight_alignment)
from fa_repro.metrics.alignment_score import alignment_score
from fa_repro.training_spec import TrainingSpec
from fa_repro.training.engine import TrainingData, evaluate

Hook = Callable  # (epoch, model, rule) -> {column: tensor of one value per seed}


def _probe_batch(spec: TrainingSpec, data: TrainingData):
    """``alignment_batch`` training examples (a fixed uniform sample, :meth:`TrainingData.probe`) and their targets
    (each seed's own when corrupted)."""
    x, y, _ = data.probe(spec.metrics.alignment_batch)
    return x, y


def weight_alignment_hook(spec: TrainingSpec, data: TrainingData, loss) -> Hook:
    """Refinetti Eqs. 18–19: WA of every layer with a feedback matrix, and global."""
    return lambda epoch, model, rule: {f"wa_{k}": v for k, v in weight_alignment(model, rule).items()}


def gradient_alignment_hook(spec: TrainingSpec, data: TrainingData, loss) -> Hook:
    """Refinetti Eqs. 18–19: GA of the hidden error signals δa on the probe batch."""
    x, y = _probe_batch(spec, data)
    return lambda epoch, model, rule: {f"ga_{k}": v for k, v in gradient_alignment(model, rule, x, y, loss).items()}


def update_alignment_hook(spec: TrainingSpec, data: TrainingData, loss) -> Hook:
    """Chu & Bacho's "gradient alignment": cosine of the rule's weight update with BP's, on the probe batch."""
    x, y = _probe_batch(spec, data)
    return lambda epoch, model, rule: {f"update_alignment_{k}": v
                                       for k, v in update_alignment(model, rule, x, y, loss).items()}


def pair_similarity_hook(spec: TrainingSpec, data: TrainingData, loss) -> Hook:
    """Refinetti Fig. 5: cosine between the stacked weights of the two networks of each pair (seeds 2i, 2i+1)."""
    if not spec.pairs:
        raise ValueError("the pair_similarity metric needs pairs: true")

    def pair_similarity(epoch, model, rule):
        weights = [w for w, _ in model.weight_layers()]
        with torch.no_grad():
            c = cosine([w[0::2] for w in weights], [w[1::2] for w in weights])
        return {"pair_cos_sim": c.repeat_interleave(2)}

    return pair_similarity


def update_norm_hook(spec: TrainingSpec, data: TrainingData, loss) -> Hook:
    """Chu & Bacho Fig. 2: ‖W_l − W_l(0)‖ per layer (the first call, at epoch 0, records W(0))."""
    initial: list[torch.Tensor] = []

    def update_norm(epoch, model, rule):
        weights = [w.detach() for w, _ in model.weight_layers()]
        if not initial:  # first call: epoch 0, before any update
            initial.extend(w.clone() for w in weights)
        return {f"update_norm_layer{l + 1}": n for l, n in enumerate(update_norms(initial, weights))}

    return update_norm


def train_evaluation_hook(spec: TrainingSpec, data: TrainingData, loss) -> Hook:
    """Loss and accuracy of the current network on the whole training set, in evaluation mode (the recorded
    ``train_loss``/``train_acc`` are means over the epoch's updates): what the authors' Refinetti code logs, for
    the parity runs (scripts/parity/)."""
    batch = spec.metrics.eval_batch_size

    def train_evaluation(epoch, model, rule):
        loss_value, acc = evaluate(model, loss, data.x_train, data.y_train, data.labels_train, batch,
                                   per_seed=data.per_seed_targets)
        return {"train_eval_loss": loss_value, "train_eval_acc": acc}

    return train_evaluation


def feedback_angle_hook(spec: TrainingSpec, data: TrainingData, loss) -> Hook:
    """Srinivasan Fig. 3c: angle between PEPITA's F and W_totᵀ."""
    return lambda epoch, model, rule: {"feedback_angle": feedback_angle(model, rule.F)}




def alignment_score_hook(spec: TrainingSpec, data: TrainingData, loss=None) -> Hook:
    """Boopathy & Fiete's alignment score (Eqs. 9–13) of every hidden weight layer, and its baseline for
    "networks with randomly permuted weights" (Fig. 8): the entries of W_t shuffled, then W_0 subtracted, as the
    authors' alignment scripts do. Needs ``rule: {name: bp, linearised_companion: true}``."""
    if not (spec.rule.name == "bp" and spec.rule.linearised_companion):
        raise ValueError("the alignment_score metric needs rule {name: bp, linearised_companion: true}")
    n_probes, probe_seed = spec.metrics.alignment_probes, spec.metrics.alignment_probe_seed
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


METRIC_HOOKS: dict[str, Callable[..., Hook]] = {  # spec metrics: name -> factory(spec, data, loss)
    "weight_alignment": weight_alignment_hook,
    "gradient_alignment": gradient_alignment_hook,
    "update_alignment": update_alignment_hook,
    "pair_similarity": pair_similarity_hook,
    "update_norm": update_norm_hook,
    "feedback_angle": feedback_angle_hook,
    "alignment_score": alignment_score_hook,
    "train_evaluation": train_evaluation_hook,
}


def metric_hooks(spec: TrainingSpec, data: TrainingData, loss) -> list[Hook]:
    """The per-epoch metric hooks a spec's ``metrics`` list names, in the table's order."""
    names = spec.metrics.names
    unknown = set(names) - set(METRIC_HOOKS)
    if unknown:
        raise ValueError(f"unknown per-epoch metrics {sorted(unknown)}; known: {sorted(METRIC_HOOKS)}")
    return [factory(spec, data, loss) for name, factory in METRIC_HOOKS.items() if name in names]
