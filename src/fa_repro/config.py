"""Configuration: the scale overlay and JSON-schema validation of ``config.yaml``.

``config.yaml`` holds the papers' values; ``scales.<scale>`` holds overrides for the reduced scales.
:func:`resolve` applies the overlay of the selected ``scale`` and validates the result against
``workflow/schemas/config.schema.yaml`` before any job runs: an unknown key or an out-of-range value
stops the run with the key's path in the message.
"""
from __future__ import annotations

import copy
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


def validate(config: dict, schema_path: str | Path) -> None:
    """Validate ``config`` against the JSON schema; raise :class:`ConfigError` naming the key's path."""
    schema = yaml.safe_load(Path(schema_path).read_text())
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
    config = yaml.safe_load(Path(path).read_text())
    config.update(overrides)
    return resolve(config, schema_path)


def validate_training_specs(specs: dict[str, dict], schema_path: str | Path) -> None:
    """Validate generated training experiments against the schema's ``training_experiment`` definition."""
    schema = yaml.safe_load(Path(schema_path).read_text())
    sub = {"$defs": schema["$defs"], "type": "object",
           "additionalProperties": {"$ref": "#/$defs/training_experiment"}}
    validator = jsonschema.Draft202012Validator(sub)
    errors = sorted(validator.iter_errors(specs), key=lambda e: list(e.absolute_path))
    if errors:
        lines = [f"  - generated experiment {_path(e.absolute_path)}: {e.message}" for e in errors]
        raise ConfigError("invalid generated training experiments (check the experiments block):\n" + "\n".join(lines))
