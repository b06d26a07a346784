"""Diverged runs of a leaf (a seed whose training loss became NaN or infinite; the engine records ``diverged``
from that epoch on and leaves the seed's metrics NaN): counted in every training leaf's data, written under its
figure or table, and reported by the claims that read it."""
from __future__ import annotations

import pandas as pd

COLUMN = "diverged_runs"  # leaf data: how many of the leaf's runs diverged


def diverged_runs(inputs: dict[str, pd.DataFrame]) -> tuple[pd.DataFrame, int] | None:
    """(the diverged runs — experiment, seed, diverged_epoch — and the number of runs) of a leaf's training
    inputs; None for a leaf without training runs (teacher–student)."""
    tables = [t for t in inputs.values() if "diverged" in t.columns]
    if not tables:
        return None
    runs = pd.concat([t[["experiment", "seed", "diverged", "diverged_epoch"]] for t in tables], ignore_index=True)
    per_run = runs.groupby(["experiment", "seed"], sort=True).agg(diverged=("diverged", "any"),
                                                                 diverged_epoch=("diverged_epoch", "min"))
    return per_run[per_run.diverged].reset_index()[["experiment", "seed", "diverged_epoch"]], len(per_run)


def divergence_note(diverged: pd.DataFrame, n_runs: int, most: int = 4) -> str:
    """'2 of 12 runs diverged: <experiment> seed 0 at epoch 5, …', or '' when none did."""
    if diverged.empty:
        return ""
    listed = [f"{r.experiment} seed {r.seed} at epoch {'?' if pd.isna(r.diverged_epoch) else int(r.diverged_epoch)}"
              for r in diverged.head(most).itertuples()]
    more = f", and {len(diverged) - most} more" if len(diverged) > most else ""
    return (f"{len(diverged)} of {n_runs} run{'s' if n_runs != 1 else ''} diverged (loss not finite; their "
            f"metrics are NaN from then on): " + ", ".join(listed) + more)
