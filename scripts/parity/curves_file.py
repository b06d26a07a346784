"""The curves file every authors_*.py writes and common.py reads: one row per (side, seed, step, metric). Standard
library only, so that the authors' own Python (their packages, not ours) can import it beside their script."""
from __future__ import annotations

import csv
from pathlib import Path

COLUMNS = ["side", "seed", "step", "metric", "value"]


def write_curves(path: str | Path, rows: list[dict]) -> None:
    """Write ``rows`` ({side, seed, step, metric, value}) as CSV at ``path``, creating its folder."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
