"""Deep-network experiment grids of the papers, expanded from their ``config.yaml`` block into training
experiments (one per grid point, each a ``training`` spec of :mod:`fa_repro.training.experiment`).

``config.yaml: experiments.<paper>`` holds the paper's values; :func:`training_specs` turns it into
``{experiment name: spec}``. Names are stable, so Snakemake reruns only the grid points whose spec changed.
"""

from __future__ import annotations

import importlib

PAPERS = ("refinetti2021", "chu2024", "srinivasan2024", "boopathy2022")


def training_specs(experiments: dict) -> dict[str, dict]:
    """All generated training experiments of the configured papers."""
    specs: dict[str, dict] = {}
    for paper, block in experiments.items():
        if paper not in PAPERS:
            raise ValueError(f"no experiment grid for {paper!r}; known: {PAPERS}")
        specs.update(importlib.import_module(f"fa_repro.experiments.{paper}").training_specs(block))
    return specs


def figure_experiments(experiments: dict) -> dict[str, list[str]]:
    """{leaf id: experiment names} declared by the papers' grid modules that list their figures' inputs."""
    out: dict[str, list[str]] = {}
    for paper, block in experiments.items():
        module = importlib.import_module(f"fa_repro.experiments.{paper}")
        if hasattr(module, "figure_experiments"):
            out.update(module.figure_experiments(block))
    return out
