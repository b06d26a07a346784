"""Datasets: torchvision downloads, offline sources, prepared tensor files and the papers' data handling."""

from fa_repro.data.sources import (
    DATASETS,
    DatasetError,
    download,
    load_prepared,
    prepare,
)
from fa_repro.data.tasks import add_task, correlated_target_regression
from fa_repro.data.transforms import (
    corrupt_labels,
    downscale,
    holdout_split,
    pixel_moments,
    standardise,
    one_hot,
    to_unit_interval,
    training_subset,
)

__all__ = [
    "DATASETS",
    "DatasetError",
    "pixel_moments",
    "standardise",
    "download",
    "load_prepared",
    "prepare",
    "add_task",
    "correlated_target_regression",
    "corrupt_labels",
    "downscale",
    "holdout_split",
    "one_hot",
    "to_unit_interval",
    "training_subset",
]
