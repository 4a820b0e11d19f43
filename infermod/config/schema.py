"""The JSON Schema of the configuration language, shipped inside the package."""

from __future__ import annotations

import difflib
import json
from functools import lru_cache
from importlib import resources
from typing import Any

import jsonschema

from infermod.config.yamlsource import LoadedFile, Path, dotted
from infermod.findings import Finding, Location


def schema_text() -> str:
    return resources.files("infermod").joinpath("data/infermod.schema.json").read_text("utf-8")


@lru_cache(maxsize=1)
def _validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(json.loads(schema_text()))


def schema_findings(loaded: LoadedFile) -> list[Finding]:
    errors = sorted(_validator().iter_errors(loaded.data), key=lambda e: list(e.absolute_path))
    findings = []
    for error in errors:
        for leaf in _leaves(error):
            path: Path = tuple(leaf.absolute_path)
            if leaf.validator == "additionalProperties" and isinstance(leaf.instance, dict):
                allowed = leaf.schema.get("properties", {}) if isinstance(leaf.schema, dict) else {}
                extra = [k for k in leaf.instance if k not in allowed]
                path = (*path, extra[0]) if extra else path
            findings.append(
                Finding(
                    "schema",
                    "error",
                    _message(leaf),
                    resource=_resource(path),
                    location=_nearest(loaded, path),
                    field=dotted(path) or None,
                )
            )
    return _dedupe(findings)


def _leaves(error: jsonschema.ValidationError) -> list[jsonschema.ValidationError]:
    # oneOf/anyOf failures carry the useful reasons in their context.
    if error.validator in ("oneOf", "anyOf") and error.context:
        best = jsonschema.exceptions.best_match(error.context)
        return [best] if best is not None else [error]
    return [error]


def _message(error: jsonschema.ValidationError) -> str:
    found = _short(error.instance)
    validator = error.validator
    schema = error.schema if isinstance(error.schema, dict) else {}
    if validator == "additionalProperties":
        allowed = sorted(schema.get("properties", {}))
        extra = sorted(set(error.instance) - set(allowed)) if isinstance(error.instance, dict) else []
        close = [m for k in extra for m in difflib.get_close_matches(k, allowed, n=1)]
        guess = f" (did you mean `{close[0]}`?)" if close else ""
        return (
            f"unknown key {', '.join(f'`{k}`' for k in extra)}{guess}; expected one of: {', '.join(allowed)}"
        )
    if validator == "type":
        return f"found {found} ({_json_type(error.instance)}), expected {error.validator_value}"
    if validator == "enum":
        options = ", ".join(str(v) for v in error.validator_value)
        return f"found {found}, expected one of: {options}"
    if validator == "const":
        return f"found {found}, expected {error.validator_value!r}"
    if validator == "required":
        return str(error.message).replace("is a required property", "is required")
    if validator == "pattern":
        meaning = _PATTERNS.get(str(error.validator_value)) or f"the format {error.validator_value}"
        return f"found {found}, expected {meaning}"
    if validator == "minItems":
        return f"found {found}, expected at least {error.validator_value} item(s)"
    if validator == "propertyNames":
        return f"invalid key {found}: use lowercase letters, digits and single hyphens"
    return f"{error.message} (found {found})" if found not in error.message else error.message


_PATTERNS = {
    "^[a-z0-9]+(-[a-z0-9]+)*$": "lowercase letters and digits, separated by single hyphens",
    "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$": "a UUID",
    "^[A-Za-z0-9][A-Za-z0-9._-]*$": "letters, digits, `.`, `_` and `-`, starting with a letter or digit",
}


def _short(value: Any) -> str:
    text = json.dumps(value, default=str) if not isinstance(value, str) else repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    return {"int": "integer", "float": "number", "str": "string", "list": "array", "dict": "object"}.get(
        type(value).__name__, type(value).__name__
    )


def _nearest(loaded: LoadedFile, path: Path) -> Location:
    probe = path
    while probe:
        if probe in loaded.locations:
            return loaded.locations[probe]
        probe = probe[:-1]
    return loaded.locations.get((), Location(loaded.path, 1, 1))


def _resource(path: Path) -> str | None:
    if len(path) >= 2 and path[0] in ("deployments", "models"):
        return f"{str(path[0])[:-1]}.{path[1]}"
    return None


def _dedupe(findings: list[Finding]) -> list[Finding]:
    seen: set[tuple[object, ...]] = set()
    out = []
    for f in findings:
        key = (f.location, f.field, f.message)
        if key not in seen:
            seen.add(key)
            out.append(f)
    return out
