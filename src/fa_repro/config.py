"""Configuration: the scale overlay and JSON-schema validation of ``config.yaml``.

``config.yaml`` holds the papers' values; ``scales.<scale>`` holds overrides for the reduced scales.
:func:`resolve` applies the overlay of the selected ``scale`` and validates the result against
``workflow/schemas/config.schema.yaml`` before any job runs: an unknown key or an out-of-range value
stops the run with the key's path in the message.
"""
from __future__ import annotations

import copy
import functools
import json
from pathlib import Path

import jsonschema
import yaml

SCALES = ("quick", "paper", "ci", "paper_reachable")
# smallest first: a claim's verdict of record is that of the largest built. paper_reachable is the paper's
# configuration restricted to what one CPU machine reaches (its leaves, fewer seeds): below the full paper scale
SCALES_BY_SIZE = ("ci", "quick", "paper_reachable", "paper")
DEFAULT_SCALE = "quick"


def scale_root(scale: str) -> str:
    """The folder prefix of everything a scale builds (results, figures, logs, job benchmarks): the default quick
    scale at the top, where the figure catalogue names its files (``figures/<id>.pdf``, ``results/figures/<id>.csv``),
    every other scale under ``scales/<scale>/`` beside it, so that building one scale never overwrites or reruns
    another's. The prepared datasets (``resources/``) do not depend on the scale and are shared."""
    if scale not in SCALES:
        raise ConfigError(f"unknown scale {scale!r}; choose one of {list(SCALES)}")
    return "" if scale == DEFAULT_SCALE else f"scales/{scale}/"


def selected_leaves(config: dict, declared) -> list[str]:
    """The leaves this build makes (config ``leaves``): ``all`` (every declared leaf), the name of a set in
    ``leaf_sets`` (e.g. ``paper_reachable``), or a list of leaf ids; unknown ids are refused with the known ones."""
    choice = config["leaves"]
    if choice == "all":
        return list(declared)
    if isinstance(choice, str):
        if choice not in config["leaf_sets"]:
            raise ConfigError(f"config leaves: {choice!r} is neither 'all' nor a set of leaf_sets "
                              f"({sorted(config['leaf_sets'])}); or give a list of leaf ids")
        choice = config["leaf_sets"][choice]
    unknown = sorted(set(choice) - set(declared))
    if unknown:
        raise ConfigError(f"config leaves: unknown leaf id(s) {unknown}; declared leaves are in "
                          f"src/fa_repro/figures/leaves.yaml ({len(declared)} of them)")
    return [leaf for leaf in declared if leaf in set(choice)]


class ConfigError(ValueError):
    """A configuration value is missing, unknown or out of range."""


def _path(parts) -> str:
    return ".".join(str(p) for p in parts) or "<top level>"


def _merge(base: dict, override: dict, overlay_path: list | None = None) -> dict:
    """``base`` with ``override`` merged in, nested dicts key by key. A scale overlay (``overlay_path``: where it is,
    e.g. ``["scales", "ci"]``) may only name keys the base config has."""
    out = copy.deepcopy(base)
    for key, value in override.items():
        where = None if overlay_path is None else overlay_path + [key]
        if where is not None and key not in base:
            raise ConfigError(f"config error at {_path(where)}: unknown key in the "
                              f"'{where[1] if len(where) > 2 else ''}' scale overlay; it must name a key of the base "
                              "config")
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            out[key] = _merge(base[key], value, where)
        else:
            out[key] = copy.deepcopy(value)
    return out


_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when PyYAML has it: 10× faster


def load_yaml(path: str | Path) -> dict:
    return yaml.load(Path(path).read_text(), Loader=_YAML_LOADER)


@functools.lru_cache(maxsize=4)
def _schema(path: str, mtime_ns: int) -> dict:
    return load_yaml(path)


def load_schema(schema_path: str | Path) -> dict:
    """The JSON schema, read once per process (every cluster job parses the Snakefile again)."""
    path = Path(schema_path)
    return _schema(str(path.resolve()), path.stat().st_mtime_ns)


def validate(config: dict, schema_path: str | Path) -> None:
    """Validate ``config`` against the JSON schema; raise :class:`ConfigError` naming the key's path."""
    schema = load_schema(schema_path)
    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(config), key=lambda e: list(e.absolute_path))
    if errors:
        lines = [f"  - at {_path(e.absolute_path)}: {e.message}" for e in errors]
        raise ConfigError("invalid configuration (fix these keys in config.yaml or --config):\n" + "\n".join(lines))


def user_overrides(config: dict, base: dict) -> dict:
    """What the user set on top of ``config.yaml`` (``base``): the entries of the merged config (extra configfiles,
    ``--config``) that differ from it, as a nested dict — ``scale`` and ``scales`` excluded (they choose and are
    the overlay)."""
    def diff(merged, original):
        out = {}
        for key, value in merged.items():
            if isinstance(value, dict) and isinstance(original.get(key), dict):
                nested = diff(value, original[key])
                if nested:
                    out[key] = nested
            elif key not in original or original[key] != value:
                out[key] = copy.deepcopy(value)
        return out
    return diff({k: v for k, v in config.items() if k not in ("scale", "scales")}, base)


def _typed(value):
    """A value given as text on the command line (``--config 'experiments={…: {lr: 0.5}}'`` reaches the workflow as
    the string "0.5") as the number, boolean or null YAML reads in it; other text unchanged."""
    if isinstance(value, dict):
        return {k: _typed(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_typed(v) for v in value]
    if isinstance(value, str):
        try:
            parsed = yaml.safe_load(value)
        except yaml.YAMLError:
            return value
        if parsed is None or isinstance(parsed, (bool, int, float)):
            return parsed
    return value


def _flat(d: dict, where=()) -> dict:
    out = {}
    for key, value in d.items():
        if isinstance(value, dict) and value:
            out.update(_flat(value, where + (key,)))
        else:
            out[where + (key,)] = value
    return out


def resolve(config: dict, schema_path: str | Path, base: dict | None = None, notes: list | None = None) -> dict:
    """Validate the raw config, apply the overlay of ``config['scale']`` and validate the result.

    With ``base`` (the contents of ``config.yaml``), what the user set on top of it (:func:`user_overrides`) wins
    over the scale overlay, its command-line text read as YAML values; each override that replaces an overlay
    value is described in ``notes``. The returned dict has no ``scales`` key: it is the exact parameter set every
    job of the run uses."""
    overrides = _typed(user_overrides(config, base)) if base is not None else {}
    config = _merge(config, overrides)
    validate(config, schema_path)
    scale = config["scale"]
    overlay = config.get("scales", {}).get(scale, {}) or {}
    base_config = {k: v for k, v in config.items() if k != "scales"}
    resolved = _merge(base_config, overlay, ["scales", scale])
    if overrides:
        replaced = _flat(overlay)
        for path, value in _flat(overrides).items():
            for depth in range(len(path), 0, -1):
                if path[:depth] in replaced and replaced[path[:depth]] != value:
                    if notes is not None:
                        notes.append(f"{_path(path)} = {value!r} (your setting) replaces the {scale} scale's "
                                     f"{_path(path[:depth])} = {replaced[path[:depth]]!r}")
                    break
        resolved = _merge(resolved, overrides)
    validate(resolved, schema_path)
    return resolved


def load(path: str | Path, schema_path: str | Path, **overrides) -> dict:
    """Read ``config.yaml``, apply top-level overrides (as ``snakemake --config``) and resolve it."""
    config = load_yaml(path)
    config.update(overrides)
    return resolve(config, schema_path)


def validate_training_specs(specs: dict[str, dict], schema_path: str | Path) -> None:
    """Validate generated training experiments against the schema's ``training_experiment`` definition.

    The definition has no constraint across its top-level keys, so each distinct value of each key is validated
    once against that key's sub-schema (thousands of paper-scale experiments share a few hundred data, model and
    rule blocks), and the required and allowed keys are checked per experiment; an error names an experiment
    that has the faulty value."""
    schema = load_schema(schema_path)
    definition = schema["$defs"]["training_experiment"]
    assert set(definition) <= {"type", "additionalProperties", "required", "properties"}, \
        "training_experiment gained a cross-key constraint: validate whole specs again"
    allowed, required = set(definition["properties"]), set(definition["required"])
    lines: list[str] = []
    first_with: dict[tuple[str, str], str] = {}  # (key, value as JSON) -> the first experiment with it
    for name, spec in specs.items():
        if not isinstance(spec, dict):
            lines.append(f"  - generated experiment {name}: {spec!r} is not an object")
            continue
        lines += [f"  - generated experiment {name}: {key!r} is a required property" for key in sorted(required - set(spec))]
        lines += [f"  - generated experiment {name}: {key!r} is not allowed" for key in sorted(set(spec) - allowed)]
        for key, value in spec.items():
            if key in allowed:
                first_with.setdefault((key, json.dumps(value, sort_keys=True)), name)
    validators: dict[str, jsonschema.Draft202012Validator] = {}
    for (key, text), name in first_with.items():
        if key not in validators:
            validators[key] = jsonschema.Draft202012Validator({"$defs": schema["$defs"],
                                                               **definition["properties"][key]})
        for e in sorted(validators[key].iter_errors(json.loads(text)), key=lambda e: list(e.absolute_path)):
            lines.append(f"  - generated experiment {_path([name, key, *e.absolute_path])}: {e.message}")
    if lines:
        raise ConfigError("invalid generated training experiments (check the experiments block):\n" + "\n".join(lines))


IMAGENET_HOW_TO = (
    "ImageNet cannot be downloaded automatically: get ILSVRC-2012 from https://image-net.org (a free account), "
    "extract it as DIR/train/<wnid>/*.JPEG and DIR/val/<wnid>/*.JPEG (1000 class folders each; the validation "
    "images sorted into class folders) and set data.sources.imagenet: {{kind: imagefolder, root: DIR, "
    "test_dir: val, user_supplied: true}} (default DIR: {default})"
)


def user_supplied_missing(sources: dict[str, dict]) -> dict[str, str]:
    """{dataset: why} for user-supplied copies (``user_supplied: true``) whose folder does not exist: the leaves
    that need them are reported as not built, with how to supply the data."""
    missing = {}
    for name, source in sources.items():
        if source.get("user_supplied") and not Path(source.get("root", "")).is_dir():
            how = IMAGENET_HOW_TO.format(default=source.get("root")) if name == "imagenet" else \
                f"put a copy there or set data.sources.{name}"
            missing[name] = f"user-supplied copy not found at {source.get('root')}; {how}"
    return missing


# the files a torchvision-layout copy must hold (torchvision reads them without downloading), per dataset
_MNIST_RAW = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")
TORCHVISION_FILES = {
    "mnist": [f"MNIST/raw/{f}" for f in _MNIST_RAW],
    "kmnist": [f"KMNIST/raw/{f}" for f in _MNIST_RAW],
    "cifar10": [f"cifar-10-batches-py/{f}" for f in ("data_batch_1", "data_batch_5", "test_batch", "batches.meta")],
    "cifar100": [f"cifar-100-python/{f}" for f in ("train", "test", "meta")],
}


def source_problems(sources: dict[str, dict], datasets) -> dict[str, str]:
    """{dataset: what is wrong} for the local copies (``kind: torchvision | imagefolder``) of ``datasets`` whose
    folder or files are not there — checked when the workflow is parsed, so that a mistyped root stops the run
    before the prepared file of the dataset is touched (user-supplied copies that are missing are reported by
    :func:`user_supplied_missing` instead). Cheap: existence only, no file is read."""
    problems = {}
    for name in sorted(set(datasets)):
        source = sources.get(name, {})
        kind, root = source.get("kind"), Path(source.get("root", ""))
        if kind not in ("torchvision", "imagefolder") or source.get("user_supplied"):
            continue
        if not root.is_dir():
            problems[name] = f"data.sources.{name}.root: no folder {root}"
        elif kind == "torchvision":
            absent = [f for f in TORCHVISION_FILES.get(name, ()) if not (root / f).is_file()]
            if absent:
                problems[name] = (f"data.sources.{name}: {root} is not a torchvision copy of {name} "
                                  f"(missing {', '.join(absent)})")
        else:
            absent = [d for d in ("train", source.get("test_dir", "test")) if not (root / d).is_dir()]
            if absent:
                problems[name] = (f"data.sources.{name}: {root} is not an ImageFolder copy "
                                  f"(no {', '.join(d + '/' for d in absent)} folder of class sub-folders)")
    return problems


def check_sources(sources: dict[str, dict], datasets) -> None:
    """Stop, naming the key and the fix, when a local copy a training run needs is not where config says."""
    problems = source_problems(sources, datasets)
    if problems:
        raise ConfigError("dataset sources not found (nothing was run; prepared datasets are untouched):\n"
                          + "\n".join(f"  - {p}" for p in problems.values())
                          + "\nFix data.sources.<dataset> (kind: torchvision with root: DIR holding torchvision's "
                            "files, or kind: imagefolder with root: DIR holding train/ and test/), or use kind: "
                            "download.")

