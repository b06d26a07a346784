"""The teacher–student experiments behind the figures: their runs (:mod:`fa_repro.teacher_student.runs`)
simulated and integrated, and turned into tidy tables (one row per run and time; the runs' ``extra`` fields —
panel, run index, … — become columns).
"""
from __future__ import annotations

from itertools import product

import numpy as np
import pandas as pd

from .initial import make_initial_state
from .ode import ALGORITHMS as ODE_RULES
from .ode import QUADRATURE_POINTS, OrderParameters, TeacherStudentODE
from .runs import RunSpec, groups, run_seed, run_specs
from .simulation import simulate, time_grid

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


def run_simulations(name: str, params: dict, backend: str = "projected", progress: bool = True,
                    workers: int = 1) -> pd.DataFrame:
    """Simulate every run of an experiment (one batched simulation per activation, its shards spread
    over ``workers`` processes)."""
    specs = run_specs(name, params)
    N, M = params["N"], params["M"]
    steps = time_grid(params["t_max"], params["n_times"], N)
    frames = []
    for act, index in groups(specs, lambda s: s.activation).items():
        group = [specs[b] for b in index]
        state = make_initial_state(group, M=M, N=N)
        out = simulate(state, act, steps, seed=run_seed(params, "simulation", act), backend=backend, progress=progress,
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


def run_odes(name: str, params: dict, rtol: float, atol: float,
             quadrature_points: int = QUADRATURE_POINTS) -> pd.DataFrame:
    """Integrate the ODEs from each run's own initial order parameters, for the rules that have
    ODEs (BP, DFA, AFA, PEPITA) and the rules listed in the experiment's ``ode_rules``;
    ``quadrature_points``: the Gauss–Hermite rule of the PEPITA ODE (:mod:`.pepita_ode`)."""
    specs = run_specs(name, params)
    N, M = params["N"], params["M"]
    t = time_grid(params["t_max"], params["n_times"], N)[1:] / N
    wanted = set(params.get("ode_rules", ODE_RULES))
    frames = []
    for (act, rule, K), index in groups(specs, lambda s: (s.activation, s.rule, s.K)).items():
        if rule not in wanted or rule not in ODE_RULES:
            continue
        group = [specs[b] for b in index]
        op = initial_order_parameters(group, M, N)
        res = TeacherStudentODE(rule, act, group[0].eta, op, quadrature_points).integrate(t, rtol=rtol, atol=atol)
        frames.append(_long_table(specs, index, res["t"], res["Q"], res["R"], res["W2"], res["f"], res["eg"],
                                  op.teacher_w2, op.feedback, M, N, "ode"))
    if not frames:
        raise ValueError(f"experiment {name!r} has no run with an ODE among rules {sorted(wanted)}")
    return pd.concat(frames, ignore_index=True)
