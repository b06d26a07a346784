"""Configuration validation: bad values stop the run with the key's path and a fix."""
import copy
import re

import pytest
import yaml

from fa_repro.config import ConfigError, resolve

SCHEMA = "workflow/schemas/config.schema.yaml"


@pytest.fixture
def raw(repo_root, monkeypatch):
    monkeypatch.chdir(repo_root)
    return yaml.safe_load((repo_root / "config.yaml").read_text())


@pytest.mark.parametrize("scale", ["quick", "paper", "ci", "paper_reachable"])
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


def _kind_clauses(definition: dict, key: str) -> dict[str, dict]:
    """{kind: its ``then`` clause} of a schema definition whose keys depend on ``key`` (training_model: kind,
    training_rule: name, training_data: task; training_data's clause for a dataset under ``dataset``)."""
    clauses = {}
    for clause in definition["allOf"]:
        condition = clause["if"]
        if "properties" not in condition:  # training_data: {required: [dataset]}
            (name,) = condition["required"]
            clauses[name] = clause["then"]
            continue
        wanted = condition["properties"][key]
        for value in ([wanted["const"]] if "const" in wanted else wanted["enum"]):
            clauses[value] = clause["then"]
    return clauses


def test_each_record_has_the_keys_the_schema_allows_for_its_kind(repo_root):
    """The records of a run (fa_repro.training_spec) and the schema's training_* definitions list the same keys,
    kind by kind, and require the same ones: neither can gain or lose a key alone (issue 25)."""
    from fa_repro.config import load_schema
    from fa_repro.registry import MODEL_MODULES, RULES
    from fa_repro import training_spec as ts

    defs = load_schema(repo_root / SCHEMA)["$defs"]
    experiment = defs["training_experiment"]
    assert ts.TrainingSpec.keys() == set(experiment["properties"])
    assert ts.TrainingSpec.required_keys() == set(experiment["required"])
    for record, schema in ((ts.OptimizerSpec, experiment["properties"]["optimizer"]),
                           (ts.LockstepSpec, experiment["properties"]["lockstep"]),
                           (ts.MirroringSpec, defs["training_rule"]["properties"]["mirroring"])):
        assert record.keys() == set(schema["properties"]), record
        assert record.required_keys() == set(schema.get("required", [])), record

    def check(family: str, key: str, records: dict, known_kinds) -> None:
        definition = defs[family]
        clauses = _kind_clauses(definition, key)
        assert set(records) == set(known_kinds) == set(clauses) - {"dataset"}, family
        for kind, record in records.items():
            assert record.keys() == set(clauses[kind]["propertyNames"]["enum"]), (family, kind)
            assert record.required_keys() - {key} == set(clauses[kind].get("required", [])), (family, kind)
        union = set().union(*(r.keys() for r in records.values()))
        assert union | (ts.DatasetSpec.keys() if family == "training_data" else set()) == set(definition["properties"])

    check("training_model", "kind", ts._MODELS, MODEL_MODULES)
    check("training_rule", "name", ts._RULES, RULES)
    check("training_data", "task", ts._TASKS, defs["training_data"]["properties"]["task"]["enum"])
    dataset = _kind_clauses(defs["training_data"], "task")["dataset"]
    assert ts.DatasetSpec.keys() == set(dataset["propertyNames"]["enum"])
    assert ts.DatasetSpec.required_keys() == {"dataset"}
    assert set(ts.RECORDS) >= {*ts._MODELS.values(), *ts._RULES.values(), *ts._TASKS.values()}


def test_defaults_are_stated_once_in_the_records(repo_root):
    """The schema states no default (the records are the one place; a schema default would be a second, inert
    copy: JSON-schema validation does not apply it); every field says what it is; and the rule and model
    constructors take exactly the records' parameters, their keyword defaults being the records' defaults."""
    import dataclasses
    import importlib
    import inspect

    from fa_repro.config import load_schema
    from fa_repro.registry import MODEL_MODULES, RULES
    from fa_repro import training_spec as ts

    def defaults(node, where=""):
        if isinstance(node, dict):
            return ([where] if "default" in node else []) + [p for k, v in node.items()
                                                              for p in defaults(v, f"{where}/{k}")]
        return [p for i, v in enumerate(node) for p in defaults(v, f"{where}/{i}")] if isinstance(node, list) else []

    assert defaults(load_schema(repo_root / SCHEMA)) == []
    for record in ts.RECORDS:
        for f in dataclasses.fields(record):
            assert len(f.metadata.get("doc", "")) > 10, f"{record.__name__}.{f.name} says nothing"

    def parameters(cls):
        """Named constructor parameters and their defaults, following **kwargs into the base class (PEPITA)."""
        found: dict[str, object] = {}
        for owner in [c for c in cls.__mro__ if "__init__" in vars(c)]:
            if owner.__name__ in ("LearningRule", "Model", "Module", "object"):
                break
            params = list(inspect.signature(owner.__init__).parameters.values())[1:]
            found |= {p.name: p.default for p in params if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}
            if not any(p.kind == p.VAR_KEYWORD for p in params):
                break
        return found

    def record_defaults(record, renamed=None):
        renamed = renamed or {}
        return {renamed.get(f.name, f.name): f.default for f in dataclasses.fields(record)
                if f.name not in ("kind", "name", "task")}

    for name, (module, cls) in RULES.items():
        assert parameters(getattr(importlib.import_module(module), cls)) == record_defaults(ts._RULES[name]), name
    internal = {"sizes", "n_seeds", "generator", "in_channels", "n_out", "n_in"}  # filled in by make_model
    for kind, (module, cls) in MODEL_MODULES.items():
        params = parameters(getattr(importlib.import_module(module), cls))
        expected = record_defaults(ts._MODELS[kind], {"activation": "activation_name"})
        if kind == "cnn":  # positional: in_channels, width, strides (required in the record)
            params |= {"width": dataclasses.MISSING, "strides": dataclasses.MISSING}
        if kind == "mlp":
            params["hidden"] = dataclasses.MISSING  # the middle of ``sizes``
        params = {k: (dataclasses.MISSING if v is inspect.Parameter.empty else v) for k, v in params.items()
                  if k not in internal}
        assert params == expected, kind


def test_a_spec_parses_into_records_that_keep_its_identity():
    """The records fill in the defaults, but the run's identity (the config column, the checkpoint fingerprint and
    the workflow's param) is the spec as given, byte for byte; a wrong key or type names its place."""
    import json

    from fa_repro.training.engine import config_fingerprint
    from fa_repro.training_spec import SpecError, parse_training_spec

    spec = _hand_written(rule={"name": "pepita", "mirroring": {"lr": 0.5}}, loss="cross_entropy", tags={"a": 1})
    run = parse_training_spec(spec)
    assert run.identity == json.dumps(spec, sort_keys=True) and run.fingerprint == config_fingerprint(spec)
    assert run.data.subset == 100 and run.data.label_corruption == 0.0 and run.data.flatten is True
    assert run.rule.mirroring.lr == 0.5 and run.rule.mirroring.batch_size == 64 and run.rule.feedback == "normal"
    assert run.optimizer.lr == 0.1 and isinstance(run.optimizer.lr, float) and run.optimizer.momentum == 0.0
    assert run.metrics.names == () and run.compute.device == "auto" and dict(run.tags) == {"a": 1}
    for bad, fragment in (({"data": {"dataset": "mnist", "subsett": 3}}, "spec.data: unknown key(s) ['subsett']"),
                          ({"model": {"kind": "mlp"}}, "spec.model: required key(s) ['hidden'] missing"),
                          ({"rule": {"name": "dfaa"}}, "spec.rule.name: unknown learning rule 'dfaa'"),
                          ({"epochs": "3"}, "spec.epochs: expected an integer"),
                          ({"alignment_batchh": 3}, "unknown key(s) ['alignment_batchh']"),
                          ({"pairs": True, "seeds": [0, 1, 2]}, "pairs: true needs an even number of seeds"),
                          ({"data": {"dataset": "imagenet", "image_size": 16}}, "needs steps_per_epoch, n_test")):
        with pytest.raises(SpecError, match=re.escape(fragment)):
            parse_training_spec(_hand_written(**bad))


def test_a_user_override_wins_over_the_scale_overlay_and_is_reported(raw):
    """An extra configfile's value replaces the scale overlay's, with a note (issue 17, item 5)."""
    from fa_repro.config import _merge

    merged = _merge(raw, {"scale": "quick", "experiments": {"refinetti2021": {"common": {"lr": 10}}}})
    notes = []
    cfg = resolve(merged, SCHEMA, base=raw, notes=notes)
    assert cfg["experiments"]["refinetti2021"]["common"]["lr"] == 10
    assert notes == ["experiments.refinetti2021.common.lr = 10 (your setting) replaces the quick scale's "
                     "experiments.refinetti2021.common.lr = 0.001"]
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


def test_paper_reachable_is_the_paper_scale_with_fewer_seeds(raw):
    """The published paper-scale results (scale paper_reachable) are the paper's runs: every generated training
    spec and teacher–student block equals the paper scale's, but for the deep runs' seeds (the first of the
    paper's) and what a job asks of the machine."""
    from fa_repro.experiments import grids, training_specs

    paper, reachable = (resolve({**raw, "scale": s}, SCHEMA) for s in ("paper", "paper_reachable"))
    assert reachable["leaves"] == "paper_reachable" and paper["leaves"] == "all"
    assert reachable["teacher_student"] == paper["teacher_student"] and reachable["ode"] == paper["ode"]
    specs = {s: training_specs(c["experiments"], grids(c["experiments"])) for s, c in
             (("paper", paper), ("reachable", reachable))}
    names = ["srinivasan2024_mnist_h1_pepita_afa", "srinivasan2024_mnist_h1_pepita_vanilla",
             "srinivasan2024_cifar10_h1_pepita_time_local", "srinivasan2024_cifar10_h1_pepita_time_local_f0"]
    for name in names:
        ours, theirs = dict(specs["reachable"][name]), dict(specs["paper"][name])
        assert len(theirs["seeds"]) == 10 and ours.pop("seeds") == theirs.pop("seeds")[:1], name
        assert ours == theirs, name
