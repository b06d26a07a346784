"""Rules list the package files they run: the transitive closure of module-level imports."""
from fa_repro.provenance import module_files


def test_transitive_imports_are_listed(repo_root):
    files = module_files("fa_repro.teacher_student.experiments", root=repo_root)
    for name in ("experiments", "simulation", "ode", "integrals", "initial", "activations", "__init__"):
        assert f"src/fa_repro/teacher_student/{name}.py" in files
    assert "src/fa_repro/plotting/__init__.py" not in files


def test_figure_modules_depend_only_on_what_they_import(repo_root):
    plain = module_files("fa_repro.figures.refinetti2021_fig2", root=repo_root)
    shared = module_files("fa_repro.figures.refinetti2021_fig3b", root=repo_root)
    assert "src/fa_repro/figures/_teacher_student.py" in shared
    assert "src/fa_repro/figures/_teacher_student.py" not in plain
    assert not any("teacher_student/simulation.py" in f for f in plain)


def test_each_source_file_is_parsed_once_per_process(repo_root):
    """The Snakefile asks for the code of every job (thousands at paper scale): the import graph is read once."""
    from fa_repro import provenance

    provenance.module_files("fa_repro.training.experiment", "fa_repro.rules.dfa", root=repo_root)
    parsed = provenance._imports.cache_info().misses
    again = provenance.module_files("fa_repro.training.experiment", "fa_repro.rules.fa", root=repo_root)
    assert provenance._imports.cache_info().misses - parsed <= 1  # only fa.py is new
    assert "src/fa_repro/rules/fa.py" in again and "src/fa_repro/rules/dfa.py" not in again
