"""Numbers printed in the papers, kept as tidy data files beside this module and read by one loader, so that
tables, figures and claims can show them *beside* ours. Nothing here is plotted as a result: every result comes
from the pipeline's own runs.

Each file ``<paper>_<what>.csv`` has the columns ``paper, source`` (the table or figure it is copied from),
its key columns, ``mean``, ``std`` (empty where the paper prints none) and ``unit`` (``%`` for accuracies as
printed, ``1`` otherwise)."""
from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

FOLDER = Path(__file__).resolve().parent
VALUE_COLUMNS = ("mean", "std", "unit")


def path(name: str, root: str | Path | None = None) -> Path:
    """The data file of one table of printed numbers (a rule input, so that editing it reruns its readers),
    relative to ``root`` when given."""
    p = FOLDER / f"{name}.csv"
    if not p.exists():
        known = sorted(f.stem for f in FOLDER.glob("*.csv"))
        raise FileNotFoundError(f"no printed numbers named {name!r} ({p}); known: {known}")
    return p.relative_to(Path(root).resolve()) if root is not None else p


def _typed(text: str):
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


@cache
def load(name: str) -> dict:
    """{key: mean} — or {key: (mean, std)} when the paper prints a spread — where key is the tuple of the
    file's key columns (a bare value when there is one key column)."""
    with open(path(name), newline="") as f:
        rows = list(csv.DictReader(f))
    keys = [c for c in rows[0] if c not in ("paper", "source", *VALUE_COLUMNS)] if rows else []
    with_std = any(r["std"] for r in rows)
    out = {}
    for r in rows:
        key = tuple(_typed(r[k]) for k in keys)
        mean = float(r["mean"])
        out[key if len(key) > 1 else key[0]] = (mean, float(r["std"])) if with_std else mean
    return out
