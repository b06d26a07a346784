"""Configuration validation: bad values stop the run with the key's path and a fix."""
import copy

import pytest
import yaml

from fa_repro.config import ConfigError, resolve

SCHEMA = "workflow/schemas/config.schema.yaml"


@pytest.fixture
def raw(repo_root, monkeypatch):
    monkeypatch.chdir(repo_root)
    return yaml.safe_load((repo_root / "config.yaml").read_text())


@pytest.mark.parametrize("scale", ["quick", "paper", "ci"])
def test_every_scale_resolves(raw, scale):
    cfg = resolve({**raw, "scale": scale}, SCHEMA)
    assert "scales" not in cfg and cfg["scale"] == scale


def test_paper_scale_keeps_the_papers_values(raw):
    cfg = resolve({**raw, "scale": "paper"}, SCHEMA)
    fig4 = cfg["teacher_student"]["refinetti2021_fig4"]
    assert fig4["N"] == 500 and fig4["eta"] == 0.1 and fig4["runs_per_K"] >= 50 and max(fig4["K_values"]) >= 8


@pytest.mark.parametrize("mutate,fragment", [
    (lambda c: c["teacher_student"]["refinetti2021_fig2"].update(N=-5), "teacher_student.refinetti2021_fig2.N"),
    (lambda c: c["ode"].update(rtol=0.5), "ode.rtol"),
    (lambda c: c.update(scale="huge"), "at scale"),
    (lambda c: c["teacher_student"]["refinetti2021_fig3"].update(typo=1), "teacher_student.refinetti2021_fig3"),
    (lambda c: c["scales"]["quick"]["teacher_student"]["refinetti2021_fig2"].update(bogus=3), "scales.quick"),
])
def test_bad_values_name_their_key(raw, mutate, fragment):
    cfg = copy.deepcopy(raw)
    mutate(cfg)
    with pytest.raises(ConfigError) as err:
        resolve(cfg, SCHEMA)
    assert fragment in str(err.value)


def _hand_written(**parts):
    spec = {"data": {"dataset": "mnist", "subset": 100}, "model": {"kind": "mlp", "hidden": [10]},
            "rule": {"name": "dfa"}, "optimizer": {"lr": 0.1}, "epochs": 1, "batch_size": 10, "seeds": [0]}
    return {**spec, **parts}


@pytest.mark.parametrize("parts,fragment", [
    ({"data": {"dataset": "mnist", "label_corrupton": 0.5}},
     "training.mine.data: Additional properties are not allowed ('label_corrupton' was unexpected)"),
    ({"model": {"kind": "cnn", "width": 8, "strides": [1], "hidden": [10]}},
     "training.mine.model: 'hidden' is not one of ['kind', 'width'"),
    ({"model": {"kind": "mlp", "hiden": [10]}}, "training.mine.model: 'hiden' is not one of"),
    ({"rule": {"name": "dfa", "feedbak": "normal"}}, "training.mine.rule: 'feedbak' is not one of"),
    ({"rule": {"name": "fa", "spatially_shared": True}}, "training.mine.rule: 'spatially_shared' is not one of"),
    ({"rule": {"name": "pepita", "mirroring": {"lr": 0.1, "premirror_epoch": 5}}},
     "training.mine.rule.mirroring: Additional properties are not allowed ('premirror_epoch' was unexpected)"),
    ({"data": {"task": "add", "n_train": 30, "alpha": 0.5}}, "training.mine.data: 'alpha' is not one of"),
])
def test_typos_inside_a_hand_written_experiment_stop_the_run(raw, parts, fragment):
    """Every nested object of a training experiment is validated before any job runs (issue 17, item 4)."""
    raw["training"] = {"mine": _hand_written(**parts)}
    with pytest.raises(ConfigError) as err:
        resolve({**raw, "scale": "ci"}, SCHEMA)
    assert fragment in str(err.value)


def test_the_schema_allows_exactly_the_parameters_of_each_rule_and_model(repo_root):
    """The schema's per-kind key lists (training_model, training_rule) are the constructors' parameters."""
    import importlib
    import inspect

    from fa_repro.config import load_schema
    from fa_repro.registry import MODEL_MODULES, RULES

    defs = load_schema(repo_root / SCHEMA)["$defs"]

    def allowed(definition, key, value):
        for clause in definition["allOf"]:
            wanted = clause["if"]["properties"][key]
            if wanted.get("const") == value or value in wanted.get("enum", []):
                return set(clause["then"]["propertyNames"]["enum"]) - {key}
        raise AssertionError(f"no clause for {key} {value}")

    def params(cls):
        """Named constructor parameters, following **kwargs into the base class that takes them (PEPITA)."""
        mro = [c for c in cls.__mro__ if "__init__" in vars(c)]
        names: set[str] = set()
        for owner in mro:
            if owner.__name__ in ("LearningRule", "Model", "Module", "object"):
                break
            found = list(inspect.signature(owner.__init__).parameters.values())[1:]
            names |= {p.name for p in found if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}
            if not any(p.kind == p.VAR_KEYWORD for p in found):
                break
        return names

    for name, (module, cls) in RULES.items():
        assert allowed(defs["training_rule"], "name", name) == params(getattr(importlib.import_module(module), cls)), name
    internal = {"sizes", "n_seeds", "generator", "in_channels", "n_out", "n_in"}  # filled in by make_model
    renamed = {"activation_name": "activation", "sizes": "hidden"}
    for kind, (module, cls) in MODEL_MODULES.items():
        expected = {renamed.get(p, p) for p in params(getattr(importlib.import_module(module), cls)) - internal}
        expected |= {"hidden"} if kind == "mlp" else set()
        assert allowed(defs["training_model"], "kind", kind) == expected, kind


def test_a_user_override_wins_over_the_scale_overlay_and_is_reported(raw):
    """An extra configfile's value replaces the scale overlay's, with a note (issue 17, item 5)."""
    from fa_repro.config import _merge

    merged = _merge(raw, {"scale": "quick", "experiments": {"refinetti2021": {"common": {"lr": 10}}}})
    notes = []
    cfg = resolve(merged, SCHEMA, base=raw, notes=notes)
    assert cfg["experiments"]["refinetti2021"]["common"]["lr"] == 10
    assert notes == ["experiments.refinetti2021.common.lr = 10 (your setting) replaces the quick scale's "
                     "experiments.refinetti2021.common.lr = 0.03"]
    # without overrides the result is the plain overlay
    assert resolve({**raw, "scale": "quick"}, SCHEMA, base=raw) == resolve({**raw, "scale": "quick"}, SCHEMA)


def test_nested_command_line_values_are_read_as_yaml_values(raw):
    """``--config 'experiments={refinetti2021: {common: {lr: 0.5}}}'`` reaches the Snakefile as text ("0.5")."""
    from snakemake.cli import parse_config

    from fa_repro.config import _merge

    given = parse_config(["experiments={refinetti2021: {common: {lr: 0.5, epochs: 7}}, chu2024: {common: "
                          "{hidden: [30, 40]}}}"])
    assert given["experiments"]["refinetti2021"]["common"]["lr"] == "0.5"  # what Snakemake passes on
    cfg = resolve(_merge({**raw, "scale": "ci"}, given), SCHEMA, base=raw)
    assert cfg["experiments"]["refinetti2021"]["common"]["lr"] == 0.5
    assert cfg["experiments"]["refinetti2021"]["common"]["epochs"] == 7
    assert cfg["experiments"]["chu2024"]["common"]["hidden"] == [30, 40]
