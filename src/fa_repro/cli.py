"""Command-line entry points that the Snakemake rules call (``python -m fa_repro.cli …``).

Each subcommand imports only what it runs, so that the provenance of a rule (the package files it
lists as inputs) stays exact."""
from __future__ import annotations

import argparse
import json
import sys
import textwrap
from pathlib import Path


def _write_csv(df, path: str) -> None:
    from fa_repro.atomic import write_atomically

    write_atomically(path, lambda tmp: df.to_csv(tmp, index=False, float_format="%.10g"))


def ts_simulate(args) -> None:
    from fa_repro.teacher_student.experiments import run_simulations

    df = run_simulations(args.experiment, json.loads(args.params), backend=args.backend,
                         progress=not args.no_progress, workers=args.workers)
    _write_csv(df, args.out)


def ts_ode(args) -> None:
    from fa_repro.teacher_student.experiments import run_odes

    df = run_odes(args.experiment, json.loads(args.params), rtol=args.rtol, atol=args.atol,
                  quadrature_points=args.quadrature_points)
    _write_csv(df, args.out)


def download_data(args) -> None:
    from fa_repro.data.sources import DatasetError, download

    try:
        files = download(args.dataset, args.root)
    except DatasetError as err:
        sys.exit(f"error: {err}")
    Path(args.record).parent.mkdir(parents=True, exist_ok=True)
    Path(args.record).write_text(json.dumps({"dataset": args.dataset, "root": args.root, "files": files}, indent=1))


def prepare_data(args) -> None:
    from fa_repro.data.sources import DatasetError, prepare

    try:
        meta = prepare(args.dataset, json.loads(args.source), args.out, download_root=args.download_root)
    except DatasetError as err:
        sys.exit(f"error: {err}")
    print(json.dumps(meta), file=sys.stderr)


def train(args) -> None:
    import torch

    from fa_repro.data.sources import DatasetError
    from fa_repro.training.experiment import run_experiment

    torch.set_num_threads(max(1, args.threads))
    try:
        run_experiment(json.loads(args.spec), args.data, out=args.out, checkpoint=args.checkpoint,
                       progress=not args.no_progress, name=args.name, workers=args.threads)
    except DatasetError as err:
        sys.exit(f"error: {err}")


def _read_inputs(items: list[str]) -> dict:
    """``NAME=PATH`` arguments → {NAME: the table at PATH}."""
    import pandas as pd

    inputs = {}
    for item in items:
        name, _, path = item.partition("=")
        inputs[name] = pd.read_csv(path)
    return inputs


def figure(args) -> None:
    import importlib

    from fa_repro.figures.leaves import LEAVES
    from fa_repro.plotting import save_figure

    module = importlib.import_module(f"fa_repro.figures.{args.figure}")
    inputs = _read_inputs(args.input)
    missing = set(LEAVES[args.figure].teacher_student) - set(inputs)
    if missing:
        sys.exit(f"figure {args.figure} needs inputs {sorted(missing)} (declared in src/fa_repro/figures/leaves.yaml)")
    params = json.loads(args.params)
    table = module.table(inputs, params)
    # the pipeline scale (quick | paper | ci); Chu & Bacho's tables use "scale" for the initial weight scale
    table.insert(0, "pipeline_scale" if "scale" in table.columns else "scale", params.get("scale", ""))
    note = _mark_divergence(table, inputs)
    _write_csv(table, args.csv)
    fig = module.draw(table, params)
    if note:
        fig.text(0.5, -0.02, "\n".join(textwrap.wrap(note, 150)), ha="center", va="top", fontsize=7, color="tab:red")
    save_figure(fig, args.pdf, args.png)


def _mark_divergence(data, inputs) -> str:
    """Add the leaf's count of diverged runs to its data (training leaves) and return the note that lists them."""
    from fa_repro.figures.divergence import COLUMN, divergence_note, diverged_runs

    found = diverged_runs(inputs)
    if found is None:
        return ""
    diverged, n_runs = found
    data.insert(1, COLUMN, len(diverged))
    return divergence_note(diverged, n_runs)


def table(args) -> None:
    """A table leaf: tidy data (``--csv``), and its rendering as Markdown (``--md``) and as a CSV (``--display``)."""
    import importlib

    module = importlib.import_module(f"fa_repro.figures.{args.table}")
    params = json.loads(args.params)
    inputs = _read_inputs(args.input)
    data = module.table(inputs, params)
    data.insert(0, "scale", params.get("scale", ""))
    note = _mark_divergence(data, inputs)
    _write_csv(data, args.csv)
    markdown, display = module.render(data, params)
    if note:
        markdown += f"\n**Diverged runs.** {note}.\n"
    Path(args.md).parent.mkdir(parents=True, exist_ok=True)
    Path(args.md).write_text(markdown)
    _write_csv(display, args.display)


def claims(args) -> None:
    """Evaluate the claims registry on the built leaves' data."""
    from fa_repro.claims import evaluate, render

    tables = _read_inputs(args.input)
    params = json.loads(args.params)
    result = evaluate(tables, params.get("scale", ""), params.get("missing", {}))
    _write_csv(result, args.csv)
    if args.md:
        Path(args.md).parent.mkdir(parents=True, exist_ok=True)
        Path(args.md).write_text(render(result))


def claims_across_scales(args) -> None:
    """Every claim at every scale built, side by side (figures/claims.md)."""
    from fa_repro.claims import render_across_scales

    tables = _read_inputs(args.input)
    Path(args.md).parent.mkdir(parents=True, exist_ok=True)
    Path(args.md).write_text(render_across_scales(tables))


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m fa_repro.cli", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("ts-simulate", help="batched online-SGD simulations of a teacher-student experiment")
    p.add_argument("experiment")
    p.add_argument("--params", required=True, help="the experiment's resolved config block, as JSON")
    p.add_argument("--backend", default="projected", choices=["projected", "full"])
    p.add_argument("--no-progress", action="store_true")
    p.add_argument("--workers", type=int, default=1, help="processes for the shards of the batch")
    p.add_argument("--out", required=True)
    p.set_defaults(func=ts_simulate)

    p = sub.add_parser("ts-ode", help="integrate the ODEs of a teacher-student experiment")
    p.add_argument("experiment")
    p.add_argument("--params", required=True)
    p.add_argument("--rtol", type=float, required=True)
    p.add_argument("--atol", type=float, required=True)
    p.add_argument("--quadrature-points", type=int, required=True,
                   help="Gauss–Hermite points per dimension of the PEPITA ODE's averages")
    p.add_argument("--out", required=True)
    p.set_defaults(func=ts_ode)

    p = sub.add_parser("download-data", help="download a dataset through torchvision (checksums verified)")
    p.add_argument("dataset")
    p.add_argument("--root", required=True)
    p.add_argument("--record", required=True, help="JSON record of the downloaded files (the rule's output)")
    p.set_defaults(func=download_data)

    p = sub.add_parser("prepare-data", help="write the prepared tensor file of a dataset")
    p.add_argument("dataset")
    p.add_argument("--source", required=True, help="the data.sources entry, as JSON")
    p.add_argument("--download-root", default=None)
    p.add_argument("--out", required=True)
    p.set_defaults(func=prepare_data)

    p = sub.add_parser("train", help="train the seeds of one experiment (batched) and write per-epoch metrics")
    p.add_argument("--spec", required=True, help="the experiment's resolved config block, as JSON")
    p.add_argument("--data", default=None, help="prepared dataset file (not needed for synthetic tasks)")
    p.add_argument("--name", default="training")
    p.add_argument("--checkpoint", default=None, help="checkpoint file; an interrupted run resumes from it")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--no-progress", action="store_true")
    p.add_argument("--out", required=True)
    p.set_defaults(func=train)

    p = sub.add_parser("figure", help="aggregate results into a figure's table and draw it")
    p.add_argument("figure")
    p.add_argument("--input", action="append", default=[], help="NAME=PATH of a result table")
    p.add_argument("--params", default="{}")
    p.add_argument("--csv", required=True)
    p.add_argument("--pdf", required=True)
    p.add_argument("--png", required=True)
    p.set_defaults(func=figure)

    p = sub.add_parser("table", help="aggregate results into a table leaf and render it as Markdown and CSV")
    p.add_argument("table")
    p.add_argument("--input", action="append", default=[], help="NAME=PATH of a result table")
    p.add_argument("--params", default="{}")
    p.add_argument("--csv", required=True, help="the tidy data (results/figures/<id>.csv)")
    p.add_argument("--md", required=True, help="the rendered table (figures/<id>.md)")
    p.add_argument("--display", required=True, help="the rendered table as CSV (figures/<id>.csv)")
    p.set_defaults(func=table)

    p = sub.add_parser("claims", help="check the papers' claims on the built leaves")
    p.add_argument("--input", action="append", default=[], help="LEAF=PATH of a leaf's data")
    p.add_argument("--params", default="{}")
    p.add_argument("--csv", required=True, help="this scale's claims table (results/claims.csv)")
    p.add_argument("--md", help="also the table rendered as Markdown")
    p.set_defaults(func=claims)

    p = sub.add_parser("claims-across-scales", help="every claim at every scale built, side by side")
    p.add_argument("--input", action="append", default=[], help="SCALE=PATH of a scale's claims table")
    p.add_argument("--md", required=True, help="figures/claims.md")
    p.set_defaults(func=claims_across_scales)

    args = parser.parse_args(argv)
    _warnings_on_the_console()
    args.func(args)


def _warnings_on_the_console() -> None:
    """A job's stderr goes to its log; its warnings are also printed on stdout (Snakemake's console), one line
    each, so that a user watching a build sees them."""
    import warnings

    shown = warnings.showwarning

    def show(message, category, filename, lineno, file=None, line=None):
        shown(message, category, filename, lineno, file, line)
        print(f"fa-repro warning: {category.__name__}: {message}", flush=True)

    warnings.showwarning = show


if __name__ == "__main__":
    main()
