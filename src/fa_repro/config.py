"""Configuration: the scale overlay and JSON-schema validation of ``config.yaml``.

``config.yaml`` holds the papers' values; ``scales.<scale>`` holds overrides for the reduced scales.
:func:`resolve` applies the overlay of the selected ``scale`` and validates the result against
``workflow/schemas/config.schema.yaml`` before any job runs: an unknown key or an out-of-range value
stops the run with the key's path in the message.
"""
from __future__ import annotations

import copy
import functools
from pathlib import Path

import jsonschema
import yaml

SCALES = ("quick", "paper", "ci")


class ConfigError(ValueError):
    """A configuration value is missing, unknown or out of range."""


def _path(parts) -> str:
    return ".".join(str(p) for p in parts) or "<top level>"


def _overlay(base: dict, override: dict, where: list) -> dict:
    out = copy.deepcopy(base)
    for key, value in override.items():
        if key not in base:
            raise ConfigError(f"config error at {_path(where + [key])}: unknown key in the "
                              f"'{where[1] if len(where) > 1 else ''}' scale overlay; it must name a key of the base config")
        if isinstance(value, dict) and isinstance(base[key], dict):
            out[key] = _overlay(base[key], value, where + [key])
        else:
            out[key] = copy.deepcopy(value)
    return out


_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when PyYAML has it: 10× faster


@functools.lru_cache(maxsize=4)
def _schema(path: str, mtime_ns: int) -> dict:
    return yaml.load(Path(path).read_text(), Loader=_YAML_LOADER)


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


def resolve(config: dict, schema_path: str | Path) -> dict:
    """Validate the raw config, apply the overlay of ``config['scale']`` and validate the result.

    The returned dict has no ``scales`` key: it is the exact parameter set every job of the run uses."""
    validate(config, schema_path)
    scale = config["scale"]
    overlay = config.get("scales", {}).get(scale, {}) or {}
    base = {k: v for k, v in config.items() if k != "scales"}
    resolved = _overlay(base, overlay, ["scales", scale])
    validate(resolved, schema_path)
    return resolved


def load(path: str | Path, schema_path: str | Path, **overrides) -> dict:
    """Read ``config.yaml``, apply top-level overrides (as ``snakemake --config``) and resolve it."""
    config = yaml.load(Path(path).read_text(), Loader=_YAML_LOADER)
    config.update(overrides)
    return resolve(config, schema_path)


def validate_training_specs(specs: dict[str, dict], schema_path: str | Path) -> None:
    """Validate generated training experiments against the schema's ``training_experiment`` definition."""
    schema = load_schema(schema_path)
    sub = {"$defs": schema["$defs"], "type": "object",
           "additionalProperties": {"$ref": "#/$defs/training_experiment"}}
    validator = jsonschema.Draft202012Validator(sub)
    errors = sorted(validator.iter_errors(specs), key=lambda e: list(e.absolute_path))
    if errors:
        lines = [f"  - generated experiment {_path(e.absolute_path)}: {e.message}" for e in errors]
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
