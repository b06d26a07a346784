"""The leaves manifest (src/fa_repro/figures/leaves.yaml): one declaration per leaf, selectors over the runs'
tags that pick what each figure of the papers reads, and the papers' printed numbers as data files."""
from __future__ import annotations

import ast
import importlib
import os
import re
from pathlib import Path

import pytest
import yaml

from fa_repro.config import resolve
from fa_repro.experiments import selection_tags, training_specs
from fa_repro.experiments.grid import Runs, value_label
from fa_repro.figures.leaves import LEAVES, check_figure_params, leaf_runs, load_leaves, matches
from fa_repro.paper_numbers import load as paper_numbers
from fa_repro.paper_numbers import path as paper_numbers_file

SCALES = ("ci", "quick", "paper")
# declared leaves whose row in the catalogue (../shared/FIGURES.md) is not written yet; each stays here only until
# the catalogue lists it
PENDING_CATALOGUE = {"srinivasan2024_afa_gap"}  # issue 22: the AFA–PEPITA gap of Srinivasan et al.


@pytest.fixture(scope="module", params=SCALES)
def experiments(request, repo_root):
    raw = yaml.safe_load((repo_root / "config.yaml").read_text())
    raw["scale"] = request.param
    return resolve(raw, repo_root / "workflow/schemas/config.schema.yaml")["experiments"]


def running_under_ci() -> bool:
    """CI sets CI (``CI=true .ci/run``); there the catalogue must be present, never skipped."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def test_every_catalogued_leaf_is_declared_once_with_its_module(repo_root):
    catalogue = (repo_root.parent / "shared" / "FIGURES.md")
    if not catalogue.exists():
        if running_under_ci():
            pytest.fail(f"CI is set but the figure catalogue {catalogue} is missing: check out ../shared beside "
                        "the repository")
        pytest.skip("../shared/FIGURES.md is not beside this checkout")
    ids = set(re.findall(r"^\| (?:★ )?`([a-z0-9_]+)` \|", catalogue.read_text(), flags=re.M))
    assert ids <= set(LEAVES), f"catalogued but not declared in leaves.yaml: {sorted(ids - set(LEAVES))}"
    assert set(LEAVES) - ids <= PENDING_CATALOGUE, \
        f"declared but not in the catalogue: {sorted(set(LEAVES) - ids - PENDING_CATALOGUE)}"
    assert not ids & PENDING_CATALOGUE, f"catalogued now, drop them from PENDING_CATALOGUE: {ids & PENDING_CATALOGUE}"
    for leaf in LEAVES.values():
        module = importlib.import_module(leaf.module)
        assert hasattr(module, "table") and hasattr(module, "render" if leaf.kind == "table" else "draw"), leaf.id
        assert not hasattr(module, "INPUTS"), f"{leaf.id}: inputs are declared in leaves.yaml only"


def test_every_selector_picks_runs_at_every_scale(experiments):
    tags = selection_tags(experiments)
    for leaf in LEAVES.values():
        if leaf.runs:
            assert leaf_runs(leaf, tags), f"{leaf.id}: its selector {leaf.runs} picks no run"


def test_selectors_pick_the_runs_of_their_figure(repo_root):
    raw = yaml.safe_load((repo_root / "config.yaml").read_text())
    raw["scale"] = "paper"
    experiments = resolve(raw, repo_root / "workflow/schemas/config.schema.yaml")["experiments"]
    specs, tags = training_specs(experiments), selection_tags(experiments)
    runs = {leaf: leaf_runs(LEAVES[leaf], tags) for leaf in LEAVES if LEAVES[leaf].runs}
    assert all(specs[n]["rule"]["name"] == "dfa" for n in runs["refinetti2021_fig6"])
    assert len(runs["refinetti2021_fig6"]) == len(runs["refinetti2021_fig5"]) // 2
    # Fig. 7 times the three rules on CIFAR-10: a subset of the rule grid of Fig. 4, the same jobs
    assert set(runs["boopathy2022_fig7"]) < set(runs["boopathy2022_fig4"])
    assert {specs[n]["tags"]["method"] for n in runs["boopathy2022_fig7"]} == {"normal", "align_ada", "align_zero"}
    # Fig. 3c: PEPITA with and without mirroring, every dataset; Table 3: one hidden layer only
    assert {specs[n]["tags"]["variant"] for n in runs["srinivasan2024_fig3c"]} == {"plain", "wm", "wd_wm", "wm_prem"}
    assert {specs[n]["tags"]["n_hidden"] for n in runs["srinivasan2024_table3"]} == {1}
    assert len(runs["srinivasan2024_table3"]) == 3 * 6
    # Chu Fig. 3 reads both phases of the perturbed-BP study
    assert {specs[n]["tags"]["phase"] for n in runs["chu2024_fig3"]} == {"epoch", "early"}


def test_selector_semantics():
    tags = {"grid": "g", "study": ["rules", "timing"], "method": "fa", "width": 8}
    assert matches({"study": "timing"}, tags) and matches({"study": ["lr_sweep", "rules"], "width": 8}, tags)
    assert not matches({"study": "lr_sweep"}, tags) and not matches({"variant": "plain"}, tags)
    assert not matches({"method": ["bp", "dfa"]}, tags)


def test_a_run_shared_by_two_studies_is_one_job_with_both():
    runs = Runs("g")
    spec = {"epochs": 1, "tags": {"method": "fa"}}
    runs.put("g_fa", spec, "rules")
    runs.put("g_fa", dict(spec), "timing")
    assert runs.specs == {"g_fa": spec}
    assert runs.selection_tags()["g_fa"] == {"grid": "g", "study": ["rules", "timing"], "method": "fa"}
    with pytest.raises(AssertionError, match="two different specs named g_fa"):
        runs.put("g_fa", {"epochs": 2}, "rules")


def test_value_labels_in_experiment_names():
    assert [value_label(v) for v in (0.1, -1.0, 1e-05, 256, 0.0)] == ["0p1", "m1", "1em05", "256", "0"]


def test_manifest_errors_name_the_leaf(tmp_path):
    bad = tmp_path / "leaves.yaml"
    bad.write_text("papers: {p: P}\nleaves:\n  p_fig1: {paper: p, number: Fig. 1, kind: figure, caption: c, "
                   "runs: {grid: p}, inputz: []}\n")
    with pytest.raises(ValueError, match=r"p_fig1 has unknown field\(s\) \['inputz'\]"):
        load_leaves(bad)
    bad.write_text("papers: {p: P}\nleaves:\n  p_fig1: {paper: p, number: Fig. 1, kind: figure, caption: c}\n")
    with pytest.raises(ValueError, match="p_fig1 reads nothing"):
        load_leaves(bad)


def test_figure_parameters_must_be_declared():
    check_figure_params({"refinetti2021_fig7": {"corruption": 0.1}})
    with pytest.raises(ValueError, match=r"figures.refinetti2021_fig7: unknown parameter\(s\) \['corruptoin'\]"):
        check_figure_params({"refinetti2021_fig7": {"corruptoin": 0.1}})
    with pytest.raises(ValueError, match="figures.refinetti2021_fig77: no such leaf"):
        check_figure_params({"refinetti2021_fig77": {}})


def test_a_leaf_declares_the_printed_numbers_its_module_reads(repo_root):
    """The manifest's paper_numbers are the leaf's rule inputs: a module reading an undeclared file would not rerun
    when that file is corrected."""
    for leaf in LEAVES.values():
        source = Path(importlib.import_module(leaf.module).__file__).read_text()
        read = {node.args[0].value for node in ast.walk(ast.parse(source))
                if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "paper_numbers"}
        assert read == set(leaf.paper_numbers), leaf.id


def test_printed_numbers_load_with_their_key_types():
    accuracy = paper_numbers("srinivasan2024_accuracy")
    assert accuracy[("pepita", "plain", "cifar10", 1)] == (52.45, 0.25)  # Table 1: mean ± std
    alignment = paper_numbers("boopathy2022_alignment")
    assert alignment[("cifar10", "relu", 512, 1)] == 0.749  # Table 3: no spread printed
    assert paper_numbers("boopathy2022_seeds")["normal"] == (63.1, 0.4)  # one key column: a bare key
    assert paper_numbers_file("boopathy2022_prop").suffix == ".csv"
    with pytest.raises(FileNotFoundError, match="no printed numbers named 'boopathy2022_tabel1'"):
        paper_numbers("boopathy2022_tabel1")


def test_workflow_selects_no_runs_by_name(repo_root):
    for path in [repo_root / "Snakefile", *sorted((repo_root / "workflow" / "rules").glob("*.smk"))]:
        text = path.read_text()
        assert "startswith(" not in text and "endswith(" not in text, path


def test_a_selector_naming_a_tag_no_run_has_is_refused():
    from fa_repro.figures.leaves import check_selector_keys

    tags = {"run_a": {"grid": "boopathy2022", "width": 512}, "run_b": {"grid": "chu2024", "study": ["x"]}}
    check_selector_keys([{"grid": "boopathy2022", "width": [256, 512]}, {"study": "x"}], tags, "here")
    with pytest.raises(ValueError, match=r"here: selector .* names tag\(s\) \['widht'\] that no run has"):
        check_selector_keys([{"grid": "boopathy2022", "widht": 512}], tags, "here")


def test_report_captions_are_plain_restructured_text():
    """The report's captions are rST: a caption quoting |Δ log eg| must not become an undefined substitution
    (`snakemake --report` printed errors), and the escaped text must read back as the original."""
    import io

    import docutils.core

    from fa_repro.claims import CLAIMS
    from fa_repro.figures.leaves import LEAVES, rst_text

    assert rst_text("q90 of |Δ log eg| < 0.5, *not* `code`") == r"q90 of \|Δ log eg\| < 0.5, \*not\* \`code\`"
    texts = [leaf.caption for leaf in LEAVES.values()] + [c.statement for c in CLAIMS]
    assert any("|" in t for t in texts)  # the case that broke the report
    for text in texts:
        problems = io.StringIO()
        doctree = docutils.core.publish_doctree(rst_text(text), settings_overrides={"warning_stream": problems})
        assert not problems.getvalue(), (text, problems.getvalue())
        assert doctree.astext() == text
