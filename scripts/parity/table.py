"""The README's parity table from every results/parity/*_summary.csv the parity scripts wrote:
``python scripts/parity/table.py`` prints one row per compared family (its headline metric, and the verdict over
every metric it compares); ``--full`` one row per family and metric."""
from __future__ import annotations

import argparse

import pandas as pd

from common import RESULTS

COLUMNS = {"paper": "paper", "family": "family", "configuration": "configuration", "steps_compared": "steps compared",
           "metric": "metric", "ours": "ours (mean ± std)", "authors": "authors' (mean ± std)", "verdict": "verdict"}
HEADLINE = ("test_acc", "test_loss", "relative accuracy", "accuracy minus last-layer-only", "accuracy")


def compact(table: pd.DataFrame) -> pd.DataFrame:
    """One row per (paper, family): the headline metric's values and the verdict over all its metrics."""
    rows = []
    for _, g in table.groupby(["paper", "family", "configuration"], sort=False):
        head = next((g[g.metric == m].iloc[0] for m in HEADLINE if (g.metric == m).any()), g.iloc[0])
        differ = g[g.verdict != "agree"]
        others = len(g) - 1
        verdict = (f"agree ({len(g)} metric{'s' if len(g) > 1 else ''})" if differ.empty else
                   "; ".join(f"{r.metric}: {r.verdict}" for r in differ.itertuples())
                   + f"; the other {len(g) - len(differ)} agree")
        rows.append({**head.to_dict(), "metric": head.metric + (f" (+ {others} more)" if others else ""),
                     "verdict": verdict})
    return pd.DataFrame(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--full", action="store_true", help="a row per family and metric")
    args = parser.parse_args()
    files = sorted(RESULTS.glob("*_summary.csv"))
    if not files:
        raise SystemExit(f"parity: no summaries in {RESULTS}; run the parity scripts first")
    table = pd.concat([pd.read_csv(f) for f in files])
    table = (table if args.full else compact(table))[list(COLUMNS)].rename(columns=COLUMNS)
    print("| " + " | ".join(table.columns) + " |")
    print("|" + "---|" * len(table.columns))
    for row in table.itertuples(index=False):
        print("| " + " | ".join(str(v).replace("|", "\\|") for v in row) + " |")


if __name__ == "__main__":
    main()
