"""Throughput of the teacher–student simulator: run-steps per second.

* naive: the straightforward one-run-at-a-time NumPy loop over N-dimensional weights and inputs
  (DFA, erf, K = M = 2, N = 500), the baseline of issue #2 (DFA, erf, M = 2 in every case);
* batched (projected): fa_repro's simulator advancing many runs together (the exact Gram-matrix
  chain), for the batch shapes the figures use;
* batched (full): the same batched code keeping N-dimensional vectors.

Usage: .venv/bin/python benchmarks/simulator_throughput.py [--json benchmarks/simulator_throughput.json]
"""
from __future__ import annotations

import argparse
import json
import time

import numpy as np
from scipy.special import erf

from fa_repro.teacher_student.initial import RunSpec, make_initial_state
from fa_repro.teacher_student.simulation import simulate

N = 500


def naive_loop(steps: int, seed: int = 0) -> float:
    """One run, one sample at a time: returns run-steps per second."""
    rng = np.random.default_rng(seed)
    K, M, eta = 2, 2, 0.1
    W1, W2 = 0.01 * rng.standard_normal((K, N)), 0.01 * rng.standard_normal(K)
    tW1, tW2, F1 = rng.standard_normal((M, N)), np.ones(M), rng.standard_normal(K)
    start = time.perf_counter()
    for _ in range(steps):
        x = rng.standard_normal(N)
        lam, nu = W1 @ x / np.sqrt(N), tW1 @ x / np.sqrt(N)
        g = erf(lam / np.sqrt(2))
        e = W2 @ g - tW2 @ erf(nu / np.sqrt(2))
        W1 -= eta / np.sqrt(N) * np.outer(F1 * np.sqrt(2 / np.pi) * np.exp(-lam**2 / 2) * e, x)
        W2 -= eta / N * e * g
    return steps / (time.perf_counter() - start)


def batched(n_runs: int, K: int, steps: int, backend: str, workers: int) -> float:
    specs = [RunSpec(rule="dfa", seed=i, K=K, eta=0.1, activation="erf") for i in range(n_runs)]
    state = make_initial_state(specs, M=2, N=N)
    start = time.perf_counter()
    simulate(state, "erf", np.array([0, steps]), seed=0, backend=backend, progress=False, workers=workers)
    return n_runs * steps / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--json")
    parser.add_argument("--steps", type=int, default=20000)
    args = parser.parse_args()
    rows = [{"method": "naive NumPy loop, 1 run, N-dim", "runs": 1, "K": 2, "run_steps_per_s": naive_loop(args.steps)}]
    cases = ((2, 2, "projected", 1), (256, 2, "projected", 1), (1024, 2, "projected", 2),
             (350, 8, "projected", 2), (36, 8, "full", 1))
    for runs, K, backend, workers in cases:
        steps = args.steps if backend == "projected" else args.steps // 20
        rows.append({"method": f"fa_repro batched, {backend}, {workers} proc.", "runs": runs, "K": K,
                     "run_steps_per_s": batched(runs, K, steps, backend, workers)})
    base = rows[0]["run_steps_per_s"]
    for row in rows:
        row["speedup_vs_naive"] = row["run_steps_per_s"] / base
        print(f"{row['method']:<40} runs={row['runs']:<4} K={row['K']}  {row['run_steps_per_s']:>12,.0f} run-steps/s"
              f"  ×{row['speedup_vs_naive']:.1f}")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump({"N": N, "rows": rows}, fh, indent=2)


if __name__ == "__main__":
    main()
