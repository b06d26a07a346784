"""One training loop for every learning rule and model.

Seeds are trained together as one batched model (leading seed axis): each seed has its own initialisation,
feedback, data order and dropout masks, drawn from its own seeded streams. CUDA is used when present.
The loop checkpoints every ``checkpoint_every`` epochs; rerun after an interruption it resumes from the last
checkpoint and ends with exactly the metrics of an uninterrupted run (on CPU). A seed whose loss becomes NaN
or infinite is recorded as diverged at that epoch and left out from then on; the other seeds go on.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import time
import warnings
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import torch

from fa_repro.atomic import write_atomically
from fa_repro.progress import ProgressBar
from fa_repro.rules.base import LearningRule


def batches_per_epoch(n_train: int, batch_size: int, drop_last: bool) -> int:
    """Batches of an epoch over ``n_train`` examples: the last, smaller one dropped or kept."""
    return n_train // batch_size if drop_last else math.ceil(n_train / batch_size)


@dataclass
class TrainingData:
    """Tensors on the training device. Targets are (N, n_out) or per seed (S, N, n_out) (label corruption
    drawn per seed); labels (N,) or (S, N) give the accuracy (None for regression)."""

    x_train: torch.Tensor
    y_train: torch.Tensor
    x_test: torch.Tensor
    y_test: torch.Tensor
    labels_train: torch.Tensor | None = None
    labels_test: torch.Tensor | None = None
    per_seed_targets: bool = False  # y_train (S, N, …) and labels_train (S, N)

    @property
    def n_train(self) -> int:
        return self.x_train.shape[0]

    def batches_per_epoch(self, batch_size: int, drop_last: bool) -> int:
        return batches_per_epoch(self.n_train, batch_size, drop_last)

    def probe(self, n: int):
        """(x, targets, labels) of a fixed sample of ``n`` training examples, drawn uniformly from the whole set (a
        prepared dataset may be stored class by class, so the first n would be one or two classes): what the
        per-epoch metrics and the epoch-0 evaluation see, the same at every record, for every rule and seed."""
        k = min(n, self.n_train)
        idx = torch.randperm(self.n_train, generator=torch.Generator().manual_seed(0))[:k].sort().values
        idx = idx.to(self.x_train.device)
        labels = None if self.labels_train is None else self.labels_train[..., idx]
        y = self.y_train[:, idx] if self.per_seed_targets else self.y_train[idx]
        return self.x_train[idx], y, labels

    def epoch_batches(self, generators: list[torch.Generator], batch_size: int, n_batches: int):
        """(x, targets, labels) of each batch of an epoch, (S, B, …) per seed: each seed's own permutation of the
        training set, drawn from its generator (labels None for regression)."""
        device = self.x_train.device
        order = torch.stack([torch.randperm(self.n_train, generator=g) for g in generators]).to(device)
        for b in range(n_batches):
            idx = order[:, b * batch_size:(b + 1) * batch_size]
            labels = None if self.labels_train is None else _gather(self.labels_train, idx, self.per_seed_targets)
            yield self.x_train[idx], _gather(self.y_train, idx, self.per_seed_targets), labels


@dataclass
class TrainConfig:
    """The loop's settings, each given: :func:`fa_repro.training.experiment.train_config` takes them from a run's
    records (:class:`fa_repro.training_spec.TrainingSpec`, where their meanings and defaults are)."""

    epochs: int
    batch_size: int
    lr: float
    optimizer: str  # sgd | adam
    momentum: float
    weight_decay: float
    lr_milestones: list[int]  # epochs after which lr ×= lr_gamma
    lr_gamma: float
    drop_last: bool
    eval_batch_size: int
    record_every: int  # evaluate and record a row every this many epochs (and at the last epoch)
    max_steps: int | None  # stop after this many updates, recording then (None: every epoch)
    checkpoint_every: int


MetricHook = Callable[[int, torch.nn.Module, LearningRule], dict[str, torch.Tensor]]


def _gather(t: torch.Tensor, idx: torch.Tensor, per_seed: bool) -> torch.Tensor:
    """Rows ``idx`` (S, B) of ``t``: (N, …) shared by all seeds or (S, N, …) per seed → (S, B, …)."""
    if per_seed:
        return torch.stack([t[s, idx[s]] for s in range(idx.shape[0])])
    return t[idx]


def evaluate(model, loss, x, y, labels, batch_size: int, per_seed: bool = False) -> tuple[torch.Tensor, torch.Tensor]:
    """(S,) mean loss and accuracy (NaN without labels) over a dataset, in evaluation mode; ``per_seed``: the
    targets and labels carry a leading seed axis."""
    was_training = model.training
    model.eval()
    n_seeds = model.n_seeds
    total_loss = torch.zeros(n_seeds, device=x.device, dtype=torch.float64)
    correct = torch.zeros(n_seeds, device=x.device, dtype=torch.float64)
    n = x.shape[0]
    with torch.no_grad():
        for start in range(0, n, batch_size):
            sl = slice(start, min(n, start + batch_size))
            xb = x[sl]
            yb = y[:, sl] if per_seed else y[sl]
            out = model(xb)
            target = yb.expand_as(out) if yb.dim() < out.dim() else yb
            total_loss += loss.per_example(out, target).sum(1).double()
            if labels is not None:
                lb = labels[:, sl] if per_seed else labels[sl].unsqueeze(0)
                correct += (out.argmax(-1) == lb).sum(1).double()
    model.train(was_training)
    acc = correct / n if labels is not None else torch.full_like(correct, float("nan"))
    return total_loss / n, acc


def config_fingerprint(obj) -> str:
    return hashlib.sha256(json.dumps(obj, sort_keys=True, default=str).encode()).hexdigest()[:16]


class Trainer:
    def __init__(self, model, rule: LearningRule, loss, data: TrainingData, config: TrainConfig, *,
                 seeds: list[int], fingerprint: str = "", hooks: list[MetricHook] | None = None,
                 checkpoint: str | Path | None = None, progress: bool = True, desc: str = "training"):
        if len(seeds) != model.n_seeds:
            raise ValueError(f"{len(seeds)} seeds for a model of {model.n_seeds}")
        if config.batch_size > data.n_train:
            raise ValueError(f"batch size {config.batch_size} exceeds the {data.n_train} training examples")
        self.model, self.rule, self.loss, self.data, self.config = model, rule, loss, data, config
        self.seeds, self.hooks, self.progress, self.desc = list(seeds), hooks or [], progress, desc
        self.fingerprint = fingerprint or config_fingerprint(asdict(config))
        self.checkpoint = Path(checkpoint) if checkpoint else None
        if config.optimizer == "sgd":
            # foreach: one multi-tensor update for all parameters (PyTorch's choice on CUDA; on the CPU the same
            # element-wise arithmetic as its per-parameter loop, without the loop)
            self.optimizer = torch.optim.SGD(model.parameters(), lr=config.lr, momentum=config.momentum,
                                             weight_decay=config.weight_decay, foreach=True)
        elif config.optimizer == "adam":  # per-parameter statistics: each seed's slice is updated independently
            self.optimizer = torch.optim.Adam(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
        else:
            raise ValueError(f"optimizer {config.optimizer!r} is not sgd | adam")
        self.scheduler = torch.optim.lr_scheduler.MultiStepLR(self.optimizer, milestones=config.lr_milestones,
                                                              gamma=config.lr_gamma)
        # data order: one generator per seed (a seed sees the same batches alone or batched); dropout masks:
        # one generator for the batched model
        self.order_generators = [torch.Generator().manual_seed(104_729 * seed + 3) for seed in seeds]
        self.dropout_generator = torch.Generator(device=self._device).manual_seed(15_485_863 + sum(seeds))
        self.rows: list[dict] = []
        self.diverged_at = [None] * model.n_seeds
        self.start_epoch = 1
        self.steps = 0  # updates applied so far

    @property
    def _device(self):
        return next(self.model.parameters()).device

    # -- checkpoints ---------------------------------------------------------------------------------
    def _save(self, epoch: int) -> None:
        if self.checkpoint is None:
            return
        state = {
            "fingerprint": self.fingerprint,
            "epoch": epoch,
            "model": self.model.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "scheduler": self.scheduler.state_dict(),
            "rule": self.rule.state_tensors(),
            "rule_generator": self.rule.generator.get_state(),
            "order_generators": [g.get_state() for g in self.order_generators],
            "dropout_generator": self.dropout_generator.get_state(),
            "rows": self.rows,
            "steps": self.steps,
            "diverged_at": self.diverged_at,
        }
        write_atomically(self.checkpoint, lambda tmp: torch.save(state, tmp))

    def _resume(self) -> bool:
        if self.checkpoint is None or not self.checkpoint.exists():
            return False
        try:
            state = torch.load(self.checkpoint, map_location=self._device, weights_only=False)
        except Exception as err:  # a truncated or overwritten file: set it aside, never fail every rerun
            aside = self.checkpoint.with_name(self.checkpoint.name + ".corrupt")
            os.replace(self.checkpoint, aside)
            warnings.warn(f"fa-repro: checkpoint {self.checkpoint} is unreadable ({type(err).__name__}: {err}); "
                          f"moved to {aside.name}, this job starts from scratch", stacklevel=2)
            return False
        if not isinstance(state, dict) or state.get("fingerprint") != self.fingerprint:
            return False  # a checkpoint of another configuration: start afresh (it is overwritten)
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.scheduler.load_state_dict(state["scheduler"])
        self.rule.load_state_tensors(state["rule"])
        self.rule.generator.set_state(state["rule_generator"].cpu())
        for g, st in zip(self.order_generators, state["order_generators"]):
            g.set_state(st.cpu())
        self.dropout_generator.set_state(state["dropout_generator"].cpu())
        self.rows = state["rows"]
        self.steps = state["steps"]
        self.diverged_at = state["diverged_at"]
        self.start_epoch = state["epoch"] + 1
        return True

    # -- the loop ------------------------------------------------------------------------------------
    def _record(self, epoch: int, train_loss, train_acc, lr: float | None = None, seconds: float = 0.0) -> dict:
        d = self.data
        test_loss, test_acc = evaluate(self.model, self.loss, d.x_test, d.y_test, d.labels_test, self.config.eval_batch_size)
        extra = {}
        for hook in self.hooks:
            extra.update({k: v.detach().double().cpu() for k, v in hook(epoch, self.model, self.rule).items()})
        summary = {}
        for s, seed in enumerate(self.seeds):
            diverged = self.diverged_at[s] is not None and self.diverged_at[s] <= epoch
            row = {"epoch": epoch, "step": self.steps, "seed": seed, "train_loss": float(train_loss[s]), "train_acc": float(train_acc[s]),
                   "test_loss": float(test_loss[s]), "test_acc": float(test_acc[s]),
                   "lr": lr if lr is not None else self.optimizer.param_groups[0]["lr"], "diverged": diverged,
                   "diverged_epoch": self.diverged_at[s], "epoch_time_s": seconds}
            row.update({k: float(v[s]) for k, v in extra.items()})
            if diverged:
                for k in list(row):
                    if k not in ("epoch", "step", "seed", "lr", "diverged", "diverged_epoch", "epoch_time_s"):
                        row[k] = float("nan")
            self.rows.append(row)
        live = [s for s in range(len(self.seeds)) if self.diverged_at[s] is None]
        if live:
            summary = {"loss": float(test_loss[live].mean()), "acc": float(test_acc[live].mean())}
        return summary

    def train_epoch(self, n_batches: int) -> tuple[torch.Tensor, torch.Tensor, int]:
        """The updates of one epoch (each seed's own permutation of the training set), stopping early at
        ``max_steps``: (S,) summed loss and correct count on the device, and the examples seen."""
        model, cfg, n_seeds = self.model, self.config, self.model.n_seeds
        model.train()
        loss_sum = torch.zeros(n_seeds, dtype=torch.float64, device=self._device)
        correct = torch.zeros(n_seeds, dtype=torch.float64, device=self._device)
        seen = 0
        for xb, yb, lb in self.data.epoch_batches(self.order_generators, cfg.batch_size, n_batches):
            if cfg.max_steps is not None and self.steps >= cfg.max_steps:
                break
            result = self.rule.step(model, xb, yb, self.loss, self.optimizer, self.dropout_generator)
            # into the float64 sums without temporaries (the same values: the product with the batch size and the
            # integer counts are exact in float64)
            loss_sum.add_(result.loss, alpha=xb.shape[1])
            if lb is not None:
                correct.add_((result.output.argmax(-1) == lb).sum(1))
            seen += xb.shape[1]
            self.steps += 1
        return loss_sum, correct, seen

    def run(self) -> list[dict]:
        model, cfg, d = self.model, self.config, self.data
        resumed = self._resume()
        n_seeds = model.n_seeds
        n_batches = d.batches_per_epoch(cfg.batch_size, cfg.drop_last)
        if not resumed:
            self.rule.before_training(model, n_batches)
            # epoch 0: the initial network, on the test set and a fixed sample of eval_batch_size training examples
            x0, y0, l0 = d.probe(cfg.eval_batch_size)
            tl, ta = evaluate(model, self.loss, x0, y0, l0, cfg.eval_batch_size, per_seed=d.per_seed_targets)
            self._record(0, tl, ta)
            self._save(0)
        if cfg.max_steps is not None and self.steps >= cfg.max_steps:
            return self.rows  # resumed after the last update: everything is recorded
        bar = ProgressBar(range(self.start_epoch, cfg.epochs + 1), desc=self.desc, unit="epoch", disable=not self.progress,
                   initial=self.start_epoch - 1, total=cfg.epochs, mininterval=1.0)
        for epoch in bar:
            started = time.perf_counter()
            loss_sum, correct, seen = self.train_epoch(n_batches)
            if self._device.type == "cuda":
                torch.cuda.synchronize()
            seconds = time.perf_counter() - started  # the training steps of this epoch, evaluation excluded
            lr = self.optimizer.param_groups[0]["lr"]  # the rate this epoch ran with
            self.scheduler.step()
            train_loss = loss_sum / seen
            train_acc = correct / seen if d.labels_train is not None else torch.full_like(correct, float("nan"))
            for s in range(n_seeds):
                if self.diverged_at[s] is None and not math.isfinite(float(train_loss[s])):
                    self.diverged_at[s] = epoch
            summary = {}
            stop = all(e is not None for e in self.diverged_at) or (
                cfg.max_steps is not None and self.steps >= cfg.max_steps)
            if epoch % cfg.record_every == 0 or epoch == cfg.epochs or stop:
                summary = self._record(epoch, train_loss.cpu(), train_acc.cpu(), lr, seconds)
            if summary:
                bar.set_postfix(test_loss=f"{summary['loss']:.4f}", test_acc=f"{summary['acc']:.4f}")
            if epoch % cfg.checkpoint_every == 0 or epoch == cfg.epochs or stop:
                self._save(epoch)
            if stop:
                break
        bar.close()
        return self.rows

    def finish(self) -> None:
        """Remove the checkpoint once the results are safely written."""
        if self.checkpoint is not None and self.checkpoint.exists():
            self.checkpoint.unlink()
