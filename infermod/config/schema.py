"""The JSON Schema of the configuration language, shipped inside the package.

A valid file is recognised by the compiled quick check; jsonschema (slow to import, slow on
large files) runs only on a file that has problems, and writes every message.
"""

from __future__ import annotations

import json
import os
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from infermod.config.locations import Path, dotted
from infermod.config.quickcheck import Check, compile_schema, quick_valid
from infermod.config.yamlsource import LoadedFile
from infermod.findings import Finding, Location
from infermod.lazyre import lazy
from infermod.regions import KNOWN, regions

if TYPE_CHECKING:
    import jsonschema


def schema_text() -> str:
    """The shipped schema, with the region lists of `INFERMOD_REGIONS` when it is set."""
    if regions() == KNOWN:
        return _shipped_text()
    return json.dumps(_schema(regions()), indent=2) + "\n"


def _shipped_text() -> str:
    # read beside the package, as pkgutil.get_data would (without importing pkgutil)
    with open(
        os.path.join(os.path.dirname(os.path.dirname(__file__)), "data", "infermod.schema.json"), "rb"
    ) as fh:
        return fh.read().decode("utf-8")


@lru_cache(maxsize=4)
def _schema(names: tuple[str, ...] = KNOWN) -> dict[str, Any]:
    return _with_regions(json.loads(_shipped_text()), list(names))  # type: ignore[no-any-return]


def _with_regions(node: Any, names: list[str]) -> Any:
    """Every `region` property offers exactly the regions infermod reads (infermod/regions.py)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "properties" and isinstance(value, dict) and "enum" in value.get("region", {}):
                value["region"]["enum"] = names
            _with_regions(value, names)
    elif isinstance(node, list):
        for item in node:
            _with_regions(item, names)
    return node


@lru_cache(maxsize=4)
def _python_schema(names: tuple[str, ...] = KNOWN) -> dict[str, Any]:
    # The shipped file is ECMA-262 for editors, where `$` ends the text; Python's `$` also
    # matches before a trailing newline, so infermod's own checks anchor with `\Z`. A copy of
    # its own, parsed again: faster than a deep copy of the parsed one.
    return _anchored(_with_regions(json.loads(_shipped_text()), list(names)))  # type: ignore[no-any-return]


@lru_cache(maxsize=4)
def _quick(names: tuple[str, ...] = KNOWN) -> Check | None:
    return compile_schema(_python_schema(names))


@lru_cache(maxsize=4)
def _validator(names: tuple[str, ...] = KNOWN) -> jsonschema.Draft202012Validator:
    import jsonschema

    return jsonschema.Draft202012Validator(_python_schema(names))


def _anchored(node: Any) -> Any:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "pattern" and isinstance(value, str) and value.endswith("$"):
                node[key] = value[:-1] + "\\Z"
            else:
                _anchored(value)
    elif isinstance(node, list):
        for item in node:
            _anchored(item)
    return node


def expected_types(path: Path) -> set[str]:
    """The JSON types the schema allows at `path` (empty when the path is not in the schema)."""
    node: Any = _schema()
    for part in path:
        if not isinstance(node, dict):
            return set()
        if isinstance(part, int):
            node = node.get("items")
        else:
            props = node.get("properties", {})
            node = props[part] if part in props else node.get("additionalProperties")
    if not isinstance(node, dict):
        return set()
    kind = node.get("type")
    return {kind} if isinstance(kind, str) else set(kind or ())


_INT = lazy(r"[-+]?[0-9]{1,30}")
_FLOAT = lazy(r"[-+]?([0-9]{1,30}(\.[0-9]{0,30})?|\.[0-9]{1,30})([eE][-+]?[0-9]{1,3})?")
_BOOLS = {"true": True, "false": False, "yes": True, "no": False, "on": True, "off": False}


def typed_interpolations(loaded: LoadedFile) -> LoadedFile:
    """Give each unquoted `${VAR}` value the type its field wants; strings stay verbatim."""
    for path in loaded.interpolated if loaded.data is not None else ():
        parent: Any = loaded.data
        for part in path[:-1]:
            parent = parent[part]
        if isinstance(parent[path[-1]], str):
            parent[path[-1]] = _convert(parent[path[-1]], expected_types(path))
    return loaded


def _convert(text: str, kinds: set[str]) -> Any:
    if not kinds or "string" in kinds:
        return text
    stripped = text.strip()
    if "integer" in kinds and _INT.fullmatch(stripped):
        return int(stripped)
    if "number" in kinds and _FLOAT.fullmatch(stripped):
        return float(stripped)
    if "boolean" in kinds and stripped.lower() in _BOOLS:
        return _BOOLS[stripped.lower()]
    if "null" in kinds and stripped.lower() in ("", "~", "null"):
        return None
    return text  # the schema reports it, with the field's expected type


def schema_findings(loaded: LoadedFile) -> list[Finding]:
    names = regions()
    if quick_valid(_quick(names), loaded.data):
        return []
    errors = sorted(
        _validator(names).iter_errors(loaded.data), key=lambda e: [str(p) for p in e.absolute_path]
    )
    findings = []
    for error in errors:
        for leaf in _leaves(error):
            path: Path = tuple(leaf.absolute_path)
            if leaf.validator == "additionalProperties" and isinstance(leaf.instance, dict):
                allowed = leaf.schema.get("properties", {}) if isinstance(leaf.schema, dict) else {}
                extra = [k for k in leaf.instance if k not in allowed]
                path = (*path, extra[0]) if extra else path
            if "propertyNames" in leaf.schema_path and isinstance(leaf.instance, str):
                path = (*path, leaf.instance)  # point at the key itself
            if leaf.validator == "required":
                # the missing field is what is broken (salvage stands a placeholder in for it
                # and keeps checking the rest of the resource); its parent is where it is written
                path = (*path, _missing(leaf))
            findings.append(
                Finding(
                    "schema",
                    "error",
                    _message(leaf, _sensitive(tuple(leaf.absolute_path))),
                    resource=_resource(path),
                    location=_nearest(loaded, path),
                    field=dotted(path) or None,
                )
            )
    return _dedupe(findings)


def _write_only(node: Any) -> set[str]:
    """Property names the schema declares `writeOnly`: sensitive, never shown."""
    found: set[str] = set()
    if isinstance(node, dict):
        for name, sub in (node.get("properties") or {}).items():
            if isinstance(sub, dict) and sub.get("writeOnly"):
                found.add(name)
        for value in node.values():
            found |= _write_only(value)
    elif isinstance(node, list):
        for item in node:
            found |= _write_only(item)
    return found


SENSITIVE_FIELDS = frozenset(_write_only(json.loads(schema_text())))


def _sensitive(path: Path) -> bool:
    return any(part in SENSITIVE_FIELDS for part in path)


def _leaves(error: jsonschema.ValidationError) -> list[jsonschema.ValidationError]:
    # oneOf/anyOf failures carry the useful reasons in their context.
    if error.validator in ("oneOf", "anyOf") and error.context:
        from jsonschema.exceptions import best_match

        best = best_match(error.context)
        return [best] if best is not None else [error]
    return [error]


def _missing(error: jsonschema.ValidationError) -> str:
    # One error per missing key; jsonschema names it only in its message, as repr(key).
    expected = error.validator_value
    return str(next((k for k in expected if str(error.message).startswith(f"{k!r} ")), expected[0]))


def _message(error: jsonschema.ValidationError, sensitive: bool) -> str:
    """Built from the validator's facts, never from jsonschema's message: that one quotes the
    whole value (a 5 MB string, or a secret) where we show at most 60 characters of it."""
    found = "a sensitive value" if sensitive else _short(_without_secrets(error.instance))
    validator = error.validator
    schema = error.schema if isinstance(error.schema, dict) else {}
    expected = error.validator_value
    if validator == "additionalProperties":
        allowed = sorted(schema.get("properties", {}))
        extra = sorted(set(error.instance) - set(allowed)) if isinstance(error.instance, dict) else []
        close = [m for k in extra[:20] for m in _close(k, tuple(allowed))]
        guess = f" (did you mean `{close[0]}`?)" if close else ""
        shown = ", ".join(f"`{_key(k)}`" for k in extra[:5]) + (" ..." if len(extra) > 5 else "")
        return f"unknown key {shown}{guess}; expected one of: {', '.join(allowed)}"
    if validator == "type":
        wanted = " or ".join(expected) if isinstance(expected, list) else expected
        return f"found {found} ({_json_type(error.instance)}), expected {wanted}"
    if validator == "enum":
        return f"found {found}, expected one of: {', '.join(str(v) for v in expected)}"
    if validator == "const":
        return f"found {found}, expected {expected!r}"
    if validator == "required":
        return f"`{_missing(error)}` is required"
    if validator == "pattern":
        pattern = str(expected).removesuffix("\\Z") + ("$" if str(expected).endswith("\\Z") else "")
        meaning = _PATTERNS.get(pattern) or f"the format {pattern}"
        return f"found {found}, expected {meaning}"
    if validator == "minItems":
        return f"found {found}, expected at least {expected} item(s)"
    if validator == "propertyNames":
        return f"invalid key {found}: use lowercase letters, digits and single hyphens (at most 63)"
    return _limit_message(str(validator), expected, found, None if sensitive else error.instance)


def _key(key: object) -> str:
    """An unknown key as a message names it: its first 40 characters, escaped, and `...` when
    there are more."""
    text = str(key)
    return repr(text[:40])[1:-1] + ("..." if len(text) > 40 else "")


@lru_cache(maxsize=1024)
def _close(key: str, allowed: tuple[str, ...]) -> list[str]:
    import difflib

    return difflib.get_close_matches(key, allowed, n=1)


_LIMITS = {
    "minimum": "at least {}",
    "maximum": "at most {}",
    "exclusiveMinimum": "more than {}",
    "exclusiveMaximum": "less than {}",
    "minLength": "at least {} character(s)",
    "maxLength": "at most {} characters",
    "maxItems": "at most {} item(s)",
    "uniqueItems": "no repeated items",
    "oneOf": "exactly one of the allowed forms",
    "anyOf": "one of the allowed forms",
    "not": "a value that is not allowed here",
}


def _limit_message(validator: str, expected: Any, found: str, instance: Any) -> str:
    """`instance` None for a sensitive value: nothing is said about it, its length included."""
    size = (
        f" ({len(instance)} characters)" if validator.endswith("Length") and isinstance(instance, str) else ""
    )
    what = _LIMITS.get(validator, f"`{validator}`" + (" {}" if expected is not None else ""))
    return f"found {found}{size}, expected {what.format(_short(expected))}"


_PATTERNS = {
    "^[a-z0-9]+(-[a-z0-9]+)*$": "lowercase letters and digits, separated by single hyphens",
    "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$": "a UUID",
    "^[A-Za-z0-9][A-Za-z0-9._-]*$": "letters, digits, `.`, `_` and `-`, starting with a letter or digit",
    "^(?=.*[1-9])(([0-9]+h)?([0-9]+m)?([0-9]+s)?|[0-9]+)$": (
        "a duration such as 90s, 45m, 1h30m or 2h, or seconds such as 300 (more than zero)"
    ),
}


def _short(value: Any, limit: int = 60) -> str:
    """At most `limit` characters of a value, computed without rendering all of a large one."""
    if isinstance(value, str):
        text = repr(value[:limit])
    elif isinstance(value, bool) or value is None or isinstance(value, float):
        text = json.dumps(value)
    elif isinstance(value, int):
        text = str(value) if value.bit_length() < 200 else "a very large integer"
    elif isinstance(value, dict):
        inner = ", ".join(f"{_short(k, 20)}: {_short(v, 20)}" for k, v in list(value.items())[:4])
        text = "{" + inner + (", ..." if len(value) > 4 else "") + "}"
    elif isinstance(value, list):
        inner = ", ".join(_short(v, 20) for v in value[:4])
        text = "[" + inner + (", ..." if len(value) > 4 else "") + "]"
    else:
        text = repr(str(value)[:limit])
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _without_secrets(value: Any) -> Any:
    """A copy for display where every sensitive field's value, whatever its type, is hidden."""
    if isinstance(value, dict):
        return {
            k: "(sensitive)" if k in SENSITIVE_FIELDS else _without_secrets(v)
            for k, v in list(value.items())[:5]
        }
    if isinstance(value, list):
        return [_without_secrets(v) for v in value[:5]]
    return value


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
    while True:
        found = loaded.locations.get(probe)
        if found is not None:
            return found
        if not probe:
            return Location(loaded.path, 1, 1)
        probe = probe[:-1]


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
