"""The teacher–student experiments behind the figures: which runs each one simulates, and how
simulations and ODE integrations are turned into tidy tables (one row per run and time).

Each experiment is a function of its configuration block returning a list of :class:`RunSpec`; the
runs' ``extra`` fields (panel, run index, …) become columns of the tables.
"""
from __future__ import annotations

import zlib
from itertools import product
from typing import Callable

import numpy as np
import pandas as pd

from .initial import RunSpec, make_initial_state
from .ode import ALGORITHMS as ODE_RULES
from .ode import OrderParameters, TeacherStudentODE
from .simulation import SHARD_SIZE, simulate, time_grid

EXPERIMENTS: dict[str, Callable[[dict], list[RunSpec]]] = {}


def experiment(fn):
    EXPERIMENTS[fn.__name__] = fn
    return fn


def _seed(p: dict, *keys) -> int:
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
        specs.append(RunSpec(rule=rule, seed=_seed(p, run, 0 if act == "erf" else 1, factor), K=factor * p["M"],
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
    return [RunSpec(rule="dfa", seed=_seed(p, K, run), K=K, eta=p["eta"], activation="relu", sigma0=p["sigma0"],
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


def run_specs(name: str, params: dict) -> list[RunSpec]:
    if name not in EXPERIMENTS:
        raise ValueError(f"unknown teacher-student experiment {name!r}; known: {sorted(EXPERIMENTS)}")
    return EXPERIMENTS[name](params)


# ------------------------------------------------------------------------------------ tables
def _run_columns(spec: RunSpec, index: int, M: int, N: int, F1: np.ndarray) -> dict:
    cols = {"run_id": index, "rule": spec.rule, "activation": spec.activation, "K": spec.K, "M": M, "N": N,
            "eta": spec.eta, "seed": spec.seed, "init": spec.init, "sigma0": spec.sigma0,
            "feedback": spec.feedback, "n_positive": int(np.sum(F1[:spec.K] > 0))}
    cols.update({f"F1_{k + 1}": F1[k] for k in range(spec.K)})
    cols.update(spec.extra)
    return cols


def _long_table(specs, index, t, Q, R, W2, f, eg, teacher_w2, F1, M, N, source) -> pd.DataFrame:
    frames = []
    for j, b in enumerate(index):
        s = specs[b]
        K = s.K
        data = {"t": t, "eg": eg[:, j]}
        for k, l in product(range(K), range(K)):
            data[f"Q_{k + 1}_{l + 1}"] = Q[:, j, k, l]
        for k, m in product(range(K), range(M)):
            data[f"R_{k + 1}_{m + 1}"] = R[:, j, k, m]
        for k in range(K):
            data[f"W2_{k + 1}"] = W2[:, j, k]
            data[f"f_{k + 1}"] = f[:, j, k]
        for m in range(M):
            data[f"teacher_W2_{m + 1}"] = teacher_w2[j, m]
        df = pd.DataFrame(data)
        for key, value in _run_columns(s, b, M, N, F1[j]).items():
            df[key] = value
        df["source"] = source
        frames.append(df)
    return pd.concat(frames, ignore_index=True)


def _groups(specs, key):
    groups: dict = {}
    for b, s in enumerate(specs):
        groups.setdefault(key(s), []).append(b)
    return groups


def parallel_shards(name: str, params: dict) -> int:
    """How many shards of runs an experiment's largest batched simulation has: the number of
    processes it can use (Snakemake's ``threads`` for the job)."""
    specs = run_specs(name, params)
    sizes = [len(index) for index in _groups(specs, lambda s: s.activation).values()]
    return max(-(-size // SHARD_SIZE) for size in sizes)


def run_simulations(name: str, params: dict, backend: str = "projected", progress: bool = True,
                    workers: int = 1) -> pd.DataFrame:
    """Simulate every run of an experiment (one batched simulation per activation, its shards spread
    over ``workers`` processes)."""
    specs = run_specs(name, params)
    N, M = params["N"], params["M"]
    steps = time_grid(params["t_max"], params["n_times"], N)
    frames = []
    for act, index in _groups(specs, lambda s: s.activation).items():
        group = [specs[b] for b in index]
        state = make_initial_state(group, M=M, N=N)
        out = simulate(state, act, steps, seed=_seed(params, "simulation", act), backend=backend, progress=progress,
                       workers=workers)
        frames.append(_long_table(specs, index, out["t"], out["Q"], out["R"], out["W2"], out["f"], out["eg"],
                                  state.teacher_W2, state.F1, M, N, "sim"))
    return pd.concat(frames, ignore_index=True)


def initial_order_parameters(specs: list[RunSpec], M: int, N: int) -> OrderParameters:
    """Order parameters of the runs' actual (finite-N) initial weights."""
    state = make_initial_state(specs, M=M, N=N)
    K = state.W1.shape[1]
    C = state.gram()
    return OrderParameters(Q=C[:, :K, :K], R=C[:, :K, K:K + M], W2=state.W2, T=C[:, K:K + M, K:K + M],
                           teacher_w2=state.teacher_W2, feedback=state.F1, f=C[:, :K, K + M],
                           f_teacher=C[:, K:K + M, K + M], q_f=C[:, K + M, K + M])


def run_odes(name: str, params: dict, rtol: float, atol: float) -> pd.DataFrame:
    """Integrate the ODEs from each run's own initial order parameters, for the rules that have
    ODEs (BP, DFA, AFA) and the rules listed in the experiment's ``ode_rules``."""
    specs = run_specs(name, params)
    N, M = params["N"], params["M"]
    t = time_grid(params["t_max"], params["n_times"], N)[1:] / N
    wanted = set(params.get("ode_rules", ODE_RULES))
    frames = []
    for (act, rule, K), index in _groups(specs, lambda s: (s.activation, s.rule, s.K)).items():
        if rule not in wanted or rule not in ODE_RULES:
            continue
        group = [specs[b] for b in index]
        op = initial_order_parameters(group, M, N)
        res = TeacherStudentODE(rule, act, group[0].eta, op).integrate(t, rtol=rtol, atol=atol)
        frames.append(_long_table(specs, index, res["t"], res["Q"], res["R"], res["W2"], res["f"], res["eg"],
                                  op.teacher_w2, op.feedback, M, N, "ode"))
    if not frames:
        raise ValueError(f"experiment {name!r} has no run with an ODE among rules {sorted(wanted)}")
    return pd.concat(frames, ignore_index=True)
