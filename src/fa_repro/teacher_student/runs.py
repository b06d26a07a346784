"""Which runs each teacher–student experiment simulates: one :class:`RunSpec` per run, from the experiment's
configuration block (the runs' ``extra`` fields — panel, run index, … — become columns of the tables).

Light on purpose (no SciPy, no pandas): the Snakefile reads it at every parse to size each simulation job
(:func:`parallel_shards`)."""
from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from itertools import product
from typing import Callable

import numpy as np

SHARD_SIZE = 256  # runs per shard; fixed, so that results never depend on the number of workers


@dataclass
class RunSpec:
    """One run of the teacher–student experiment (every field is recorded in the results)."""

    rule: str
    seed: int
    K: int
    eta: float
    activation: str = "erf"
    init: str = "normal"  # "normal" (std sigma0) or "zero"
    sigma0: float = 1e-2
    first_layer_std: float | None = None  # std of the student's first layer; default sigma0
    teacher_w2: str = "ones"  # "ones" or "normal"
    feedback: str = "normal"  # DFA F1: "normal", "orthogonal" (⟂ W̃2) or "positive:<n>"
    input_feedback_std: float = 1.0  # PEPITA/AFA F entries
    input_feedback_teacher_overlap: float = 0.0  # F += c Σ_m W̃1^m, so that f̃_m = W̃1^m·F/N ≈ c
    extra: dict = field(default_factory=dict)


EXPERIMENTS: dict[str, Callable[[dict], list[RunSpec]]] = {}


def experiment(fn):
    EXPERIMENTS[fn.__name__] = fn
    return fn


def run_seed(p: dict, *keys) -> int:
    """A distinct, reproducible seed for each run: the experiment seed combined with the run keys
    (strings enter through a stable CRC32, never Python's salted ``hash``)."""
    entropy = [p["seed"], *[k if isinstance(k, int) else zlib.crc32(str(k).encode()) for k in keys]]
    return int(np.random.SeedSequence(entropy).generate_state(1)[0])


@experiment
def refinetti2021_fig2(p: dict) -> list[RunSpec]:
    """Refinetti Fig. 2: BP K=M (a), DFA K=M (b), DFA K=4M (c); erf and ReLU; 3 runs each."""
    specs = []
    panels = (("a", "bp", 1), ("b", "dfa", 1), ("c", "dfa", p["overparam_factor"]))
    for (panel, rule, factor), act, run in product(panels, p["activations"], range(p["runs"])):
        specs.append(RunSpec(rule=rule, seed=run_seed(p, run, 0 if act == "erf" else 1, factor), K=factor * p["M"],
                             eta=p["eta"], activation=act, sigma0=p["sigma0"], teacher_w2=p["teacher_w2"],
                             extra={"panel": panel, "run": run}))
    return specs


@experiment
def refinetti2021_fig3(p: dict) -> list[RunSpec]:
    """Refinetti Fig. 3a/b: one BP and one DFA student (erf, K=M) from the same initial weights."""
    return [RunSpec(rule=rule, seed=p["seed"], K=p["M"], eta=p["eta"], activation="erf", sigma0=p["sigma0"],
                    teacher_w2="ones", extra={"run": 0}) for rule in ("bp", "dfa")]


@experiment
def refinetti2021_fig4(p: dict) -> list[RunSpec]:
    """Refinetti Fig. 4 and its inset: ReLU students with random DFA feedback vectors, for each K."""
    return [RunSpec(rule="dfa", seed=run_seed(p, K, run), K=K, eta=p["eta"], activation="relu", sigma0=p["sigma0"],
                    teacher_w2="ones", extra={"run": run})
            for K in p["K_values"] for run in range(p["runs_per_K"])]


@experiment
def refinetti2021_fig10(p: dict) -> list[RunSpec]:
    """Refinetti App. Fig. 10: zero initial weights; F1 random vs F1 ⟂ W̃2 (erf, K=M)."""
    return [RunSpec(rule="dfa", seed=p["seed"], K=p["M"], eta=p["eta"], activation="erf", init="zero",
                    teacher_w2="ones", feedback=kind, extra={"feedback_kind": kind, "run": 0})
            for kind in ("normal", "orthogonal")]


@experiment
def srinivasan2024_fig2(p: dict) -> list[RunSpec]:
    """Srinivasan Fig. 2b–c and Fig. 7: PEPITA and its AFA approximation from the same weights."""
    return [RunSpec(rule=rule, seed=p["seed"], K=p["M"], eta=p["eta"], activation="erf", sigma0=p["sigma0"],
                    first_layer_std=p["first_layer_std"], teacher_w2=p["teacher_w2"],
                    input_feedback_std=p["input_feedback_std"],
                    input_feedback_teacher_overlap=p["input_feedback_teacher_overlap"], extra={"run": 0})
            for rule in ("pepita", "afa")]


@experiment
def srinivasan2024_afa_gap(p: dict) -> list[RunSpec]:
    """Beyond the paper: PEPITA and AFA from the same weights for each scale κ of the input feedback, in Fig. 2b's
    setting otherwise. F = κ (ξ + c Σ_m W̃1^m) with ξ ~ N(0, I) and c = ``teacher_overlap_per_kappa``: within a run
    (one seed) every κ scales the same F, student and teacher."""
    c = p["teacher_overlap_per_kappa"]
    return [RunSpec(rule=rule, seed=run_seed(p, run), K=p["M"], eta=p["eta"], activation="erf", sigma0=p["sigma0"],
                    first_layer_std=p["first_layer_std"], teacher_w2=p["teacher_w2"], input_feedback_std=kappa,
                    input_feedback_teacher_overlap=c * kappa, extra={"kappa": kappa, "run": run})
            for kappa in p["kappas"] for run in range(p["runs"]) for rule in ("pepita", "afa")]


def run_specs(name: str, params: dict) -> list[RunSpec]:
    if name not in EXPERIMENTS:
        raise ValueError(f"unknown teacher-student experiment {name!r}; known: {sorted(EXPERIMENTS)}")
    return EXPERIMENTS[name](params)



def groups(specs, key) -> dict:
    """{key(spec): indices of the specs with that key}, in run order."""
    out: dict = {}
    for b, s in enumerate(specs):
        out.setdefault(key(s), []).append(b)
    return out


def parallel_shards(name: str, params: dict) -> int:
    """How many shards of runs an experiment's largest batched simulation has: the number of
    processes it can use (Snakemake's ``threads`` for the job)."""
    specs = run_specs(name, params)
    sizes = [len(index) for index in groups(specs, lambda s: s.activation).values()]
    return max(-(-size // SHARD_SIZE) for size in sizes)
