"""What every paper's grid module builds: its training experiments, each with the *studies* (the paper's
experiment sections, one config block each) that use it, and the names' value labels."""
from __future__ import annotations


def value_label(value: float) -> str:
    """A number as it appears in an experiment name: 0.1 → ``0p1``, −1 → ``m1``, 1e-05 → ``1em05``."""
    return f"{value:g}".replace("-", "m").replace(".", "p")


class Runs:
    """The experiments of one paper's grid. An experiment that several studies use (the same spec: one job) is
    stored once and carries every study that uses it; leaves select experiments by grid, study and tags
    (:mod:`fa_repro.leaves`). Studies are not part of the spec, so regrouping a figure never retrains."""

    def __init__(self, grid: str):
        self.grid = grid
        self.specs: dict[str, dict] = {}
        self.studies: dict[str, list[str]] = {}

    def put(self, name: str, spec: dict, study: str) -> str:
        if name in self.specs and self.specs[name] != spec:
            raise AssertionError(f"two different specs named {name}")
        self.specs[name] = spec
        studies = self.studies.setdefault(name, [])
        if study not in studies:
            studies.append(study)
        return name

    def selection_tags(self) -> dict[str, dict]:
        """{experiment: tags a leaf can select it by}: ``grid``, ``study`` (a list) and the spec's own tags."""
        return {name: {"grid": self.grid, "study": list(self.studies[name]), **spec["tags"]}
                for name, spec in self.specs.items()}
