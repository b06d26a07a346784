"""The training engine: one loop for every rule and model, batched seeds, checkpoints, tidy metrics."""

from fa_repro.training.engine import TrainConfig, Trainer, TrainingData, evaluate
from fa_repro.training.data import build_data
from fa_repro.training.experiment import run_experiment

__all__ = ["TrainConfig", "Trainer", "TrainingData", "evaluate", "build_data", "run_experiment"]
