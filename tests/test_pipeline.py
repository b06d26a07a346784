"""End to end at ci scale: every leaf builds, its data match the committed references, and
Snakemake reruns exactly what changed.

Regenerate the references after an intended change of results with
``.venv/bin/python -m pytest tests/test_pipeline.py --force-regen`` (then review the diff)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from pipeline_helpers import copy_repository, parse_planned_jobs

pytestmark = pytest.mark.pipeline

TEACHER_STUDENT_FIGURES = [
    "refinetti2021_fig2", "refinetti2021_fig3a", "refinetti2021_fig3b", "refinetti2021_fig4",
    "refinetti2021_fig4_plearn", "refinetti2021_fig10", "srinivasan2024_fig2b", "srinivasan2024_fig2c",
    "srinivasan2024_fig7",
]
SNAKEMAKE = [str(Path(sys.executable).with_name("snakemake"))]
# tolerance of the figure-data regression: the simulations are deterministic for a seed, but BLAS
# and LAPACK may round differently on another CPU
TOLERANCE = dict(rtol=1e-5, atol=1e-9)


def _snakemake(cwd: Path, *args: str) -> str:
    cmd = SNAKEMAKE + ["--profile", "workflow/profiles/default", "--cores", "2", "all", *args, "--config", "scale=ci"]
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)} failed:\n{proc.stdout[-4000:]}\n{proc.stderr[-8000:]}")
    return proc.stdout + proc.stderr


def planned_jobs(cwd: Path) -> set[tuple[str, str]]:
    """(rule, wildcards) of every job a dry run would execute (the 'all' target excluded)."""
    return parse_planned_jobs(_snakemake(cwd, "--dry-run"))


@pytest.fixture(scope="module")
def workdir(tmp_path_factory, repo_root) -> Path:
    """A copy of the repository's files (tracked and untracked, not ignored), built at ci scale."""
    dst = copy_repository(repo_root, tmp_path_factory.mktemp("pipeline") / "repo")
    _snakemake(dst)
    return dst


def test_every_leaf_is_built(workdir):
    for fig in TEACHER_STUDENT_FIGURES:
        for path in (f"figures/{fig}.pdf", f"figures/{fig}.png", f"results/figures/{fig}.csv"):
            assert (workdir / path).stat().st_size > 0, path


@pytest.mark.parametrize("figure", TEACHER_STUDENT_FIGURES)
def test_figure_data_regression(workdir, figure, dataframe_regression):
    df = pd.read_csv(workdir / "results" / "figures" / f"{figure}.csv")
    for column in df.columns:  # text columns with blanks (e.g. inset rows) compare as empty strings
        if not pd.api.types.is_numeric_dtype(df[column]):
            df[column] = df[column].fillna("").astype(str)
    dataframe_regression.check(df, basename=figure, default_tolerance=TOLERANCE)


def test_nothing_to_do_after_a_build(workdir):
    assert planned_jobs(workdir) == set()


def _edit(path: Path, text: str) -> str:
    original = path.read_text()
    path.write_text(original + text)
    return original


def test_editing_one_figure_module_reruns_only_that_leaf(workdir):
    path = workdir / "src/fa_repro/figures/refinetti2021_fig2.py"
    original = _edit(path, "\n# a cosmetic edit\n")
    try:
        assert planned_jobs(workdir) == {("figure", "refinetti2021_fig2")}
    finally:
        path.write_text(original)
        _snakemake(workdir)


def test_changing_an_ode_parameter_reruns_only_the_ode_stages(workdir):
    path = workdir / "config.yaml"
    original = path.read_text()
    path.write_text(original.replace("rtol: 1.0e-8", "rtol: 1.0e-9"))
    try:
        assert planned_jobs(workdir) == {
            ("ts_ode", "refinetti2021_fig3"), ("ts_ode", "refinetti2021_fig10"), ("ts_ode", "srinivasan2024_fig2"),
            ("figure", "refinetti2021_fig3a"), ("figure", "refinetti2021_fig10"),
            ("figure", "srinivasan2024_fig2b"), ("figure", "srinivasan2024_fig2c"), ("figure", "srinivasan2024_fig7"),
        }
    finally:
        path.write_text(original)


def test_editing_a_package_module_reruns_the_stages_that_import_it(workdir):
    path = workdir / "src/fa_repro/figures/_teacher_student.py"
    original = _edit(path, "\n# a cosmetic edit\n")
    try:
        assert planned_jobs(workdir) == {("figure", f) for f in
                                         ("refinetti2021_fig3b", "srinivasan2024_fig2c", "srinivasan2024_fig7")}
    finally:
        path.write_text(original)
        _snakemake(workdir)
    path = workdir / "src/fa_repro/teacher_student/integrals.py"
    original = _edit(path, "\n# a cosmetic edit\n")
    try:
        jobs = planned_jobs(workdir)
        stages = {j for j in jobs if j[0] != "figure"}
        assert stages == {(rule, exp) for rule in ("ts_simulate", "ts_ode") for exp in
                          ("refinetti2021_fig2", "refinetti2021_fig3", "refinetti2021_fig4",
                           "refinetti2021_fig10", "srinivasan2024_fig2")} - {
            ("ts_ode", "refinetti2021_fig2"), ("ts_ode", "refinetti2021_fig4")}
    finally:
        path.write_text(original)
