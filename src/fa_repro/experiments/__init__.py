"""Deep-network experiment grids of the papers, expanded from their ``config.yaml`` block into training
experiments (one per grid point, each a ``training`` spec of :mod:`fa_repro.training.experiment`).

``config.yaml: experiments.<paper>`` holds the paper's values; the paper's module builds its
:class:`~fa_repro.experiments.grid.Runs` (``grid(block)``): ``{experiment name: spec}`` and the studies that use
each experiment. Names are stable, so Snakemake reruns only the grid points whose spec changed. Leaves select
their experiments by these tags (:mod:`fa_repro.leaves`).
"""

from __future__ import annotations

import importlib

from .grid import Runs

PAPERS = ("refinetti2021", "chu2024", "srinivasan2024", "boopathy2022")


def grids(experiments: dict) -> list[Runs]:
    """The experiments of every configured paper."""
    out = []
    for paper, block in experiments.items():
        if paper not in PAPERS:
            raise ValueError(f"no experiment grid for {paper!r}; known: {PAPERS}")
        out.append(importlib.import_module(f"fa_repro.experiments.{paper}").grid(block))
    return out


def training_specs(experiments: dict, runs: list[Runs] | None = None) -> dict[str, dict]:
    """{experiment: training spec} of every generated experiment."""
    return {name: spec for r in (runs if runs is not None else grids(experiments)) for name, spec in r.specs.items()}


def selection_tags(experiments: dict, runs: list[Runs] | None = None) -> dict[str, dict]:
    """{experiment: the tags a leaf selects it by} (grid, study and the spec's tags)."""
    return {name: tags for r in (runs if runs is not None else grids(experiments))
            for name, tags in r.selection_tags().items()}
