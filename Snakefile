# fa-repro: regenerate the figures of four papers on learning without backpropagation.
# This file and workflow/rules/*.smk only wire files together; the science is in src/fa_repro.
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(workflow.basedir) / "src"))
from fa_repro.config import load_yaml, resolve, scale_root  # noqa: E402
from fa_repro.provenance import module_files  # noqa: E402

configfile: "config.yaml"
report: "workflow/report/workflow.rst"  # snakemake --report report.html (figures, tables, claims; README)

SCHEMA = "workflow/schemas/config.schema.yaml"
_NOTES = []
# validated before any job runs; scale overlay applied; what you set on top of config.yaml (--configfile, --config)
# wins over the scale overlay
CFG = resolve(config, SCHEMA, base=load_yaml("config.yaml") if Path("config.yaml").exists() else None, notes=_NOTES)
for _note in _NOTES:
    print(f"fa-repro: {_note}", file=sys.stderr)


PY = sys.executable  # the interpreter running Snakemake runs the jobs too
# where this scale's results, figures, logs and job benchmarks go: "" for quick (the catalogue's paths),
# scales/<scale>/ for the others (fa_repro.config.scale_root); prepared datasets (resources/) are shared
OUT = scale_root(CFG["scale"])


def code(*modules):
    """Package source files a rule runs (transitively), so that editing them reruns it."""
    return ["src/fa_repro/cli.py"] + module_files(*modules, root=workflow.basedir)


include: "workflow/rules/data.smk"
include: "workflow/rules/training.smk"
include: "workflow/rules/teacher_student.smk"
include: "workflow/rules/figures.smk"
include: "workflow/rules/claims.smk"


rule all:
    input:
        [f"{OUT}figures/{fig}.{ext}" for fig in FIGURES for ext in ("pdf", "png")],
        [f"{OUT}results/figures/{fig}.csv" for fig in FIGURES],
        [f"{OUT}{folder}/{tab}.{ext}" for tab in TABLES for folder, ext in (("figures", "md"), ("figures", "csv"),
                                                                            ("results/figures", "csv"))],
        OUT + "results/claims.csv",
        CLAIMS_ACROSS_SCALES,
