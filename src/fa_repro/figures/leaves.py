"""The leaves manifest (``leaves.yaml`` beside this module): every figure and table declared once — paper,
number, kind, caption, parameters, the printed numbers it shows beside ours, and its inputs as a selector over the
training runs' tags or as teacher–student tables. The Snakefile derives the figure and table rules from it;
nothing here imports PyTorch or pandas (it is read at every parse)."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

MANIFEST = Path(__file__).resolve().parent / "leaves.yaml"
KINDS = ("figure", "table")
TEACHER_STUDENT_FILES = {"sim": "simulation", "ode": "ode"}
FIELDS = {"paper", "number", "kind", "caption", "runs", "teacher_student", "params", "paper_numbers"}


@dataclass(frozen=True)
class Leaf:
    id: str
    paper: str
    number: str
    kind: str
    caption: str
    runs: tuple[dict, ...] = ()  # selectors: a run is an input when it matches any of them
    teacher_student: dict = field(default_factory=dict)  # input name (sim | ode) -> teacher-student experiment
    params: tuple[str, ...] = ()
    paper_numbers: tuple[str, ...] = ()

    @property
    def module(self) -> str:
        return f"fa_repro.figures.{self.id}"


def teacher_student_table(experiment: str, kind: str) -> str:
    """The result table of a teacher–student experiment: ``sim`` (simulations) or ``ode`` (integrations)."""
    return f"results/teacher_student/{experiment}/{TEACHER_STUDENT_FILES[kind]}.csv"


def load_leaves(path: str | Path = MANIFEST) -> tuple[dict[str, str], dict[str, Leaf]]:
    """(paper id -> citation, leaf id -> Leaf) from the manifest, checked field by field."""
    data = yaml.safe_load(Path(path).read_text())
    papers, leaves = data["papers"], {}
    for leaf_id, d in data["leaves"].items():
        unknown = set(d) - FIELDS
        if unknown:
            raise ValueError(f"{path}: leaf {leaf_id} has unknown field(s) {sorted(unknown)}; known: {sorted(FIELDS)}")
        if d.get("kind") not in KINDS or d.get("paper") not in papers:
            raise ValueError(f"{path}: leaf {leaf_id} needs kind in {KINDS} and paper in {sorted(papers)}")
        runs = d.get("runs") or []
        if isinstance(runs, dict):
            runs = [runs]
        ts = d.get("teacher_student") or {}
        bad = set(ts) - set(TEACHER_STUDENT_FILES)
        if bad:
            raise ValueError(f"{path}: leaf {leaf_id}: teacher_student inputs are {sorted(TEACHER_STUDENT_FILES)}")
        if not runs and not ts:
            raise ValueError(f"{path}: leaf {leaf_id} reads nothing: give it runs or teacher_student tables")
        leaves[leaf_id] = Leaf(leaf_id, d["paper"], str(d["number"]), d["kind"], d["caption"], tuple(runs), dict(ts),
                               tuple(d.get("params") or ()), tuple(d.get("paper_numbers") or ()))
    return papers, leaves


PAPERS, LEAVES = load_leaves()


def matches(selector: dict, tags: dict) -> bool:
    """Whether a run's tags satisfy a selector: every key present, its value one of the wanted ones (a run's
    ``study`` tag is a list: any of its studies)."""
    for key, wanted in selector.items():
        wanted = wanted if isinstance(wanted, list) else [wanted]
        if key not in tags:
            return False
        have = tags[key] if isinstance(tags[key], list) else [tags[key]]
        if not any(h == w for h in have for w in wanted):
            return False
    return True


def check_selector_keys(selectors: list[dict], run_tags: dict[str, dict], where: str) -> None:
    """Every key a selector names is a tag some run has (a misspelt key would silently select nothing)."""
    known = {key for tags in run_tags.values() for key in tags}
    for selector in selectors:
        unknown = set(selector) - known
        if unknown:
            raise ValueError(f"{where}: selector {selector} names tag(s) {sorted(unknown)} that no run has; "
                             f"the runs' tags are {sorted(known)}")


def leaf_runs(leaf: Leaf, run_tags: dict[str, dict]) -> list[str]:
    """The training runs a leaf reads: those matching any of its selectors, by name. A selector naming its
    grid(s) looks only at their runs (the Snakefile asks this for every leaf at each parse)."""
    by_grid: dict[str, list[str]] = {}
    for name, tags in run_tags.items():
        by_grid.setdefault(tags.get("grid"), []).append(name)
    chosen = set()
    for selector in leaf.runs:
        grids = selector.get("grid")
        candidates = (run_tags if grids is None else
                      [n for g in (grids if isinstance(grids, list) else [grids]) for n in by_grid.get(g, ())])
        chosen.update(n for n in candidates if matches(selector, run_tags[n]))
    return sorted(chosen)


def check_figure_params(figures: dict) -> None:
    """Every ``config.yaml: figures.<leaf>.<param>`` names a declared leaf and one of its declared parameters."""
    for leaf_id, params in figures.items():
        if leaf_id not in LEAVES:
            raise ValueError(f"config figures.{leaf_id}: no such leaf (declared in {MANIFEST})")
        unknown = set(params or {}) - set(LEAVES[leaf_id].params)
        if unknown:
            raise ValueError(f"config figures.{leaf_id}: unknown parameter(s) {sorted(unknown)}; "
                             f"{leaf_id} takes {list(LEAVES[leaf_id].params) or 'none'}")


def rst_text(text: str) -> str:
    """``text`` as plain reStructuredText (the report's captions): the characters rST would read as markup — ``|``
    (a substitution, e.g. ``|Δ log eg|``), ``*``, backquotes and backslashes — escaped."""
    for char in ("\\", "|", "*", "`"):
        text = text.replace(char, "\\" + char)
    return text
