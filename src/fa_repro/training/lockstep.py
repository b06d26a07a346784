"""Two rules trained in lock step (Chu & Bacho 2024, Fig. 5): a network trained with ``rule`` and a copy trained
with ``partner`` start from the same weights and see the same batches; after ``swap_at`` updates one of them
takes the other's weights. Recorded every ``record_every_steps`` updates: the alignment (cosine) between the two
networks' weights per layer and both test accuracies. Uses the rules' ordinary ``step`` and the engine's
``evaluate``; the seeds of the batched model are independent repetitions."""

from __future__ import annotations

import copy

import torch

from fa_repro.metrics import cosine
from fa_repro.progress import ProgressBar
from fa_repro.training.engine import TrainingData, evaluate


def run_lockstep(model, rule, partner, loss, data: TrainingData, *, lr: float, batch_size: int, steps: int,
                 swap_at: int, receiver: str, record_every_steps: int, seeds: list[int], eval_batch_size: int,
                 input_shape, progress: bool = True, desc: str = "lockstep") -> list[dict]:
    other = copy.deepcopy(model)
    partner.bind(other, torch.Generator().manual_seed(7_919 * seeds[0] + 11), input_shape)
    opt_self = torch.optim.SGD(model.parameters(), lr=lr)
    opt_other = torch.optim.SGD(other.parameters(), lr=lr)
    device = next(model.parameters()).device
    orders = [torch.Generator().manual_seed(104_729 * seed + 3) for seed in seeds]
    rows: list[dict] = []

    def record(step):
        acc_self = evaluate(model, loss, data.x_test, data.y_test, data.labels_test, eval_batch_size)[1]
        acc_other = evaluate(other, loss, data.x_test, data.y_test, data.labels_test, eval_batch_size)[1]
        with torch.no_grad():
            layers = [cosine(a, b) for (a, _), (b, _) in zip(model.weight_layers(), other.weight_layers())]
        for s, seed in enumerate(seeds):
            row = {"step": step, "seed": seed, "accuracy_self": float(acc_self[s]),
                   "accuracy_partner": float(acc_other[s]), "swapped": step >= swap_at}
            row.update({f"alignment_layer{l + 1}": float(c[s]) for l, c in enumerate(layers)})
            rows.append(row)

    record(0)
    per_epoch = data.n_train // batch_size
    order = None
    for step in ProgressBar(range(1, steps + 1), desc=desc, unit="step", disable=not progress, mininterval=1.0):
        b = (step - 1) % per_epoch
        if b == 0:
            order = torch.stack([torch.randperm(data.n_train, generator=g) for g in orders]).to(device)
        idx = order[:, b * batch_size:(b + 1) * batch_size]
        xb, yb = data.x_train[idx], data.y_train[idx]
        rule.step(model, xb, yb, loss, opt_self)
        partner.step(other, xb, yb, loss, opt_other)
        if step == swap_at:
            source, target = (model, other) if receiver == "partner" else (other, model)
            with torch.no_grad():
                for p_target, p_source in zip(target.parameters(), source.parameters()):
                    p_target.copy_(p_source)
        if step % record_every_steps == 0 or step == steps:
            record(step)
    return rows
