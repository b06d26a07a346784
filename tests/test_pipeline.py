"""End to end at ci scale: every leaf builds, its data match the committed references, and
Snakemake reruns exactly what changed. The image datasets are small files written by the test in
torchvision's MNIST layout and as a CIFAR-10 ImageFolder (tests/fake_datasets.py), so the references do not
depend on which dataset copies a machine has.

Regenerate the references after an intended change of results with
``.venv/bin/python -m pytest tests/test_pipeline.py --force-regen`` (then review the diff)."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from pipeline_helpers import CI, OFFLINE_CONFIG, ci_command, parse_planned_jobs, run_snakemake

pytestmark = pytest.mark.pipeline

TEACHER_STUDENT_FIGURES = [
    "refinetti2021_fig2", "refinetti2021_fig3a", "refinetti2021_fig3b", "refinetti2021_fig4",
    "refinetti2021_fig4_plearn", "refinetti2021_fig10", "srinivasan2024_fig2b", "srinivasan2024_fig2c",
    "srinivasan2024_fig7", "srinivasan2024_afa_gap",
]
TRAINING_FIGURES = [
    "refinetti2021_fig5", "refinetti2021_fig6", "refinetti2021_fig7", "refinetti2021_fig8", "refinetti2021_fig9",
    "refinetti2021_fig12", "chu2024_fig1", "chu2024_fig2", "chu2024_fig3", "chu2024_fig4", "chu2024_fig5",
    "srinivasan2024_fig2a", "srinivasan2024_fig3a", "srinivasan2024_fig3b", "srinivasan2024_fig3c",
    "srinivasan2024_fig4", "srinivasan2024_fig8",
    "boopathy2022_fig1", "boopathy2022_fig3", "boopathy2022_fig4", "boopathy2022_fig5", "boopathy2022_fig6",
    "boopathy2022_fig7",
    "boopathy2022_fig8", "boopathy2022_fig9",
]
TABLES = ["srinivasan2024_table1", "srinivasan2024_table3", "boopathy2022_table1", "boopathy2022_table2",
          "boopathy2022_table10"]
# leaves whose data are timings: checked for shape, not values
TIMING = {"boopathy2022_fig7"}
ALL_FIGURES = TEACHER_STUDENT_FIGURES + TRAINING_FIGURES
SNAKEMAKE = [str(Path(sys.executable).with_name("snakemake"))]
# tolerance of the figure-data regression: the simulations are deterministic for a seed, but BLAS
# and LAPACK may round differently on another CPU
TOLERANCE = dict(rtol=1e-5, atol=1e-9)
# trained networks: float32 sums may round differently on another CPU and a few epochs amplify it a little
TRAINING_TOLERANCE = dict(rtol=1e-3, atol=1e-5)


def _snakemake(cwd: Path, *args: str) -> str:
    return run_snakemake(ci_command("all", *args), cwd)


def planned_jobs(cwd: Path) -> set[tuple[str, str]]:
    """(rule, wildcards) of every job a dry run would execute (the 'all' target excluded)."""
    return parse_planned_jobs(_snakemake(cwd, "--dry-run"))


@pytest.fixture(scope="module")
def workdir(ci_build) -> Path:
    return ci_build


def test_every_leaf_is_built(workdir):
    for fig in ALL_FIGURES:
        for path in (f"{CI}figures/{fig}.pdf", f"{CI}figures/{fig}.png", f"{CI}results/figures/{fig}.csv"):
            assert (workdir / path).stat().st_size > 0, path
    for tab in TABLES:
        for path in (f"{CI}figures/{tab}.md", f"{CI}figures/{tab}.csv", f"{CI}results/figures/{tab}.csv"):
            assert (workdir / path).stat().st_size > 0, path


def test_claims_registry_is_evaluated_on_the_built_leaves(workdir):
    claims = pd.read_csv(workdir / CI / "results/claims.csv")
    assert len(claims) >= 16 and set(claims.paper) == {"refinetti2021", "chu2024", "srinivasan2024", "boopathy2022"}
    assert (claims.groupby("paper").size() >= 4).all()
    assert set(claims.status) <= {"pass", "fail", "not built"}
    built = claims[claims.status != "not built"]
    assert len(built) >= 16 and built.our_value.str.len().gt(0).all()
    md = (workdir / "figures/claims.md").read_text()
    assert all(f"| {c} |" in md for c in claims.claim)


def test_html_report_contains_every_leaf_and_the_claims(workdir):
    cmd = SNAKEMAKE + ["--report", "report.html", "--configfile", "config.yaml", "offline-test-data.yaml",
                       "--config", "scale=ci"]
    out = run_snakemake(cmd, workdir)
    assert "(ERROR/" not in out and "(WARNING/" not in out, out  # the captions are valid rST (fa_repro.figures.leaves.rst_text)
    html = (workdir / "report.html").read_text(errors="replace")
    for leaf in ALL_FIGURES + TABLES:
        assert leaf in html, leaf
    assert "Claims" in html and "claims.csv" in html


def test_published_results_copy_the_scales_data_with_their_provenance(workdir, tmp_path):
    """scripts/publish_results.py: the figure data byte for byte, the claims table and a README with the wall time,
    the leaves and the cost of each job family."""
    dest = tmp_path / "published"
    out = subprocess.run([sys.executable, "scripts/publish_results.py", "--scale", "ci", "--wall", "12.5",
                          "--started", "2026-12-02T15:00Z", "--dest", str(dest)], cwd=workdir, capture_output=True,
                         text=True)
    assert out.returncode == 0, out.stderr
    built = sorted((workdir / CI / "results/figures").glob("*.csv"))
    assert len(built) > 30 and sorted(p.name for p in (dest / "data").iterdir()) == [p.name for p in built]
    assert all((dest / "data" / p.name).read_bytes() == p.read_bytes() for p in built)
    assert (dest / "claims.csv").read_bytes() == (workdir / CI / "results/claims.csv").read_bytes()
    readme = (dest / "README.md").read_text()
    assert "12.5 minutes of wall time" in readme and "no commit recorded" in readme
    assert all(f"`{p.stem}`" in readme for p in built) and "| train: srinivasan2024" in readme
    assert len(list((dest / "figures").glob("*.png"))) >= 30


def test_timing_figure_has_one_row_per_method_and_width(workdir):
    df = pd.read_csv(workdir / CI / "results/figures/boopathy2022_fig7.csv")
    assert set(df.method) == {"normal", "align_ada", "align_zero"} and (df.seconds_per_epoch > 0).all()
    assert len(df) == len(df[["method", "width"]].drop_duplicates()) == 3 * df.width.nunique()


def _timing_runs(workdir: Path) -> set[str]:
    """The training runs of compute.training.alone at ci scale (Boopathy App. Fig. 7's timing runs)."""
    from fa_repro.config import load_yaml, resolve
    from fa_repro.experiments import selection_tags
    from fa_repro.figures.leaves import matches

    config = {**load_yaml(workdir / "config.yaml"), "scale": "ci"}
    cfg = resolve(config, workdir / "workflow/schemas/config.schema.yaml", base=load_yaml(workdir / "config.yaml"))
    alone = cfg["compute"]["training"]["alone"]
    return {name for name, tags in selection_tags(cfg["experiments"]).items() if any(matches(s, tags) for s in alone)}


def test_timing_jobs_ran_with_no_other_job_beside_them(workdir):
    """Fig. 7's data are wall times: the build log shows each of its runs started with no other job running and
    no job started before it finished (compute.training.alone: every core)."""
    timing = _timing_runs(workdir)
    assert timing
    seen, running = set(), {}
    for log in sorted((workdir / ".snakemake/log").glob("*.snakemake.log")):
        for line in log.read_text().splitlines():
            if started := re.match(r"Job (\d+): (\w+) (\S+)", line):
                job, rule, what = started.groups()
                others = set(running.values())
                assert not any(r in timing for r in others), f"{what} started while {others & timing} ran"
                if what in timing:
                    assert not others, f"timing run {what} started beside {others}"
                    assert "2 thread(s)" in line, line
                    seen.add(what)
                running[job] = what
            elif finished := re.match(r"Finished jobid: (\d+)", line):
                running.pop(finished.group(1), None)
    assert seen == timing


def test_tables_show_the_paper_beside_ours_and_name_unavailable_datasets(workdir):
    md = (workdir / CI / "figures/srinivasan2024_table1.md").read_text()
    assert "98.72 ± 0.06" in md  # Table 1, BP on MNIST, quoted beside our value
    assert "unavailable" in md and "cifar100 not built (not written by the test)" in md
    shown = pd.read_csv(workdir / CI / "figures/srinivasan2024_table1.csv")
    assert (shown.cifar100_ours == "unavailable").all() and (shown.mnist_ours != "unavailable").all()


@pytest.mark.parametrize("figure", [f for f in ALL_FIGURES + TABLES if f not in TIMING])
def test_figure_data_regression(workdir, figure, dataframe_regression):
    df = pd.read_csv(workdir / CI / "results" / "figures" / f"{figure}.csv")
    for column in df.columns:  # text columns with blanks (e.g. inset rows) compare as empty strings
        if not pd.api.types.is_numeric_dtype(df[column]):
            df[column] = df[column].fillna("").astype(str)
    tolerance = TRAINING_TOLERANCE if figure in TRAINING_FIGURES + TABLES else TOLERANCE
    # a slowness is a curve fit: a 1e-3 change of an accuracy can move it a little more
    fitted = {c: dict(rtol=2e-2, atol=1e-4) for c in ("mean", "std")} if figure == "srinivasan2024_table3" else {}
    dataframe_regression.check(df, basename=figure, default_tolerance=tolerance, tolerances=fitted)


def test_nothing_to_do_after_a_build(workdir):
    assert planned_jobs(workdir) == set()


def test_a_mistyped_dataset_source_stops_before_any_job_and_costs_nothing_to_undo(workdir):
    """Issue 17, item 1: pointing a dataset at a wrong folder used to delete its prepared file (the failed
    re-prepare) and, once undone, rerun every job that reads it."""
    import subprocess

    prepared = workdir / "resources/data/prepared/mnist.pt"
    before = prepared.stat().st_mtime_ns
    (workdir / "wrong-source.yaml").write_text("data:\n  sources:\n    mnist: {kind: torchvision, root: no/such/dir}\n")
    proc = subprocess.run(ci_command("all") + ["wrong-source.yaml"], cwd=workdir, capture_output=True, text=True)
    assert proc.returncode != 0
    assert "data.sources.mnist.root: no folder no/such/dir" in proc.stderr
    assert "nothing was run; prepared datasets are untouched" in proc.stderr
    assert prepared.stat().st_mtime_ns == before
    assert planned_jobs(workdir) == set()  # undoing the mistake: nothing to redo


def test_the_console_names_each_job_and_its_log_lists_the_inputs(workdir):
    """Issue 17, item 8: a job is one line on the console (its rule's message), not its ~30 source files; the
    job's log starts with all of its inputs."""
    out = _snakemake(workdir, "--dry-run", "--forceall")
    assert "Job " in out and "src/fa_repro" not in out
    assert ("train", "refinetti2021_corruption_p0") in parse_planned_jobs(out)
    log = (workdir / CI / "logs/training/refinetti2021_corruption_p0.log").read_text().splitlines()
    assert log[0].startswith("input: ") and "prepared/cifar10.pt" in log[0]
    assert log[1].startswith("code (sha256 ") and "src/fa_repro/training/experiment.py" in log[1]


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
            ("ts_ode", "srinivasan2024_afa_gap"),
            ("figure", "refinetti2021_fig3a"), ("figure", "refinetti2021_fig10"),
            ("figure", "srinivasan2024_fig2b"), ("figure", "srinivasan2024_fig2c"), ("figure", "srinivasan2024_fig7"),
            ("figure", "srinivasan2024_afa_gap"),
            ("claims", ""), ("claims_across_scales", ""),  # Fig. 3a and 2b data feed claims R1, R2, S1, S7
        }
    finally:
        path.write_text(original)


def test_editing_a_package_module_reruns_the_stages_that_import_it(workdir):
    path = workdir / "src/fa_repro/figures/_teacher_student.py"
    original = _edit(path, "\n# a cosmetic edit\n")
    try:
        assert planned_jobs(workdir) == {("figure", f) for f in
                                         ("refinetti2021_fig3a", "refinetti2021_fig3b", "refinetti2021_fig10",
                                          "srinivasan2024_fig2b", "srinivasan2024_fig2c", "srinivasan2024_fig7",
                                          "srinivasan2024_afa_gap")} | {("claims", ""), ("claims_across_scales", "")}
    finally:
        path.write_text(original)
        _snakemake(workdir)
    path = workdir / "src/fa_repro/teacher_student/integrals.py"
    original = _edit(path, "\n# a cosmetic edit\n")
    try:
        jobs = planned_jobs(workdir)
        stages = {j for j in jobs if j[0] not in ("figure", "claims", "claims_across_scales")}
        assert stages == {(rule, exp) for rule in ("ts_simulate", "ts_ode") for exp in
                          ("refinetti2021_fig2", "refinetti2021_fig3", "refinetti2021_fig4",
                           "refinetti2021_fig10", "srinivasan2024_fig2", "srinivasan2024_afa_gap")} - {
            ("ts_ode", "refinetti2021_fig2"), ("ts_ode", "refinetti2021_fig4")}
    finally:
        path.write_text(original)


def test_editing_the_training_figure_helpers_reruns_only_those_figures(workdir):
    path = workdir / "src/fa_repro/figures/_training.py"
    original = _edit(path, "\n# a cosmetic edit\n")
    try:
        jobs = planned_jobs(workdir)
        assert jobs <= {("figure", f) for f in TRAINING_FIGURES} | {("table", t) for t in TABLES} | {
            ("claims", ""), ("claims_across_scales", "")}
        assert {("figure", "refinetti2021_fig5"), ("figure", "chu2024_fig1"), ("table", "srinivasan2024_table1"),
                ("figure", "boopathy2022_fig1")} <= jobs
        assert ("figure", "boopathy2022_fig7") not in jobs  # does not import the helpers
    finally:
        path.write_text(original)


def test_scales_build_side_by_side_and_switching_back_reruns_nothing(workdir):
    """A second scale builds into its own folder (quick at the top, where the catalogue puts it; ci under
    scales/ci/), never touching the first; the claims table gains the second scale's column; afterwards neither
    scale has anything to redo. The quick build here is one leaf (config leaves), as a partial paper build is."""
    quick = [SNAKEMAKE[0], "all", "--profile", "workflow/profiles/default", "--cores", "2", "--config", "scale=quick",
             "leaves=[refinetti2021_fig10]", "--configfile", "config.yaml", OFFLINE_CONFIG]
    ci_figure = workdir / CI / "figures/refinetti2021_fig10.png"
    before = ci_figure.stat().st_mtime_ns
    run_snakemake(quick, workdir)
    assert (workdir / "figures/refinetti2021_fig10.png").stat().st_size > 0 and ci_figure.stat().st_mtime_ns == before
    ci_data = pd.read_csv(workdir / CI / "results/figures/refinetti2021_fig10.csv")
    quick_data = pd.read_csv(workdir / "results/figures/refinetti2021_fig10.csv")
    assert set(ci_data.scale) == {"ci"} and set(quick_data.scale) == {"quick"} and quick_data.N.max() > ci_data.N.max()
    assert planned_jobs(workdir) == set()  # back to ci: nothing reruns
    assert parse_planned_jobs(run_snakemake(quick + ["--dry-run"], workdir)) == set()  # nor at quick
    md = (workdir / "figures/claims.md").read_text()
    assert "| ci scale | quick scale |" in md
    r1 = next(line for line in md.splitlines() if line.startswith("| R1 "))
    assert "not among this build's leaves" in r1 and "(ci)" in r1  # quick built no Fig. 3a: ci's verdict stands
    quick_claims = pd.read_csv(workdir / "results/claims.csv")
    assert set(quick_claims.status) == {"not built"}  # Fig. 10 bears no claim
