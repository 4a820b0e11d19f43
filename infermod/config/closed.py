"""The fields the configuration builder reads, and a finding for any other.

The schema closes every object (`additionalProperties: false`), so an unknown field is its
finding first. This is the builder's own guard, for the day the schema lets one through: a
misspelt field (`disable_auht`, `prevent_destory`) must be an error at its line, never
silently ignored (auth left on its default) nor a crash in the code that builds the records.
So must an object or a list of another type (`lifecycle: 5`, `endpoints: [x]`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from infermod.config.locations import Locations
from infermod.findings import Finding

TOP = ("version", "stack", "defaults", "models", "deployments")
LIFECYCLE = ("prevent_destroy", "create_before_destroy")
DEFAULTS = ("region", "project_id", "tags", "lifecycle", "accept_eula")
MODEL = ("source", "secret", "type", "region", "project_id", "timeouts", "id")
TIMEOUTS = ("create", "update", "delete")
MODEL_TIMEOUTS = ("create",)
ENDPOINT = ("public", "private_network_id", "disable_auth")
DEPLOYMENT = (
    "name",
    "model",
    "node_type",
    "size",
    "min_size",
    "max_size",
    "quantization",
    "context_size",
    "features",
    "accept_eula",
    "region",
    "project_id",
    "endpoints",
    "tags",
    "lifecycle",
    "timeouts",
    "id",
)


def known(item: Mapping[str, Any], fields: tuple[str, ...]) -> dict[str, Any]:
    """Only the fields the builder understands (the others are `unknown_fields` findings)."""
    return {k: v for k, v in item.items() if k in fields}


def unknown_fields(raw: Mapping[str, Any], locations: Locations, earlier: Iterable[Finding]) -> list[Finding]:
    """An error for each field the builder does not read, unless an earlier finding (the
    schema's) already names it or is about what holds it."""
    errors = [(f.field, f.message) for f in earlier if f.severity == "error" and f.field]
    said = {field for field, _ in errors}
    # the schema names every unknown key of an object in one finding, at the first one's field
    named: dict[str, set[str]] = {}
    for field, message in errors:
        named.setdefault(field.rpartition(".")[0], set()).add(message)
    out: list[Finding] = []

    def check(path: str, item: Any, fields: tuple[str, ...]) -> None:
        if not isinstance(item, Mapping):
            return
        for key in item:
            field = f"{path}.{key}" if path else str(key)
            if key in fields or field in said or path in said:
                continue
            if any(f"`{key}`" in message for message in named.get(path, ())):
                continue
            where = locations.get(field) or locations.get(path)
            import difflib  # only for a key the schema does not know

            close = difflib.get_close_matches(str(key), fields, n=1)
            guess = f" (did you mean `{close[0]}`?)" if close else ""
            out.append(
                Finding(
                    "unknown-field",
                    "error",
                    f"unknown key `{str(key)[:40]}`{guess}; expected one of: {', '.join(fields)}",
                    resource=_resource(field),
                    location=where,
                    field=field,
                )
            )

    check("", raw, TOP)
    defaults = raw.get("defaults")
    check("defaults", defaults, DEFAULTS)
    if isinstance(defaults, Mapping):
        check("defaults.lifecycle", defaults.get("lifecycle"), LIFECYCLE)
    for key, model in _items(raw.get("models")):
        check(f"models.{key}", model, MODEL)
        if isinstance(model, Mapping):
            check(f"models.{key}.timeouts", model.get("timeouts"), MODEL_TIMEOUTS)
    for key, dep in _items(raw.get("deployments")):
        check(f"deployments.{key}", dep, DEPLOYMENT)
        if not isinstance(dep, Mapping):
            continue
        check(f"deployments.{key}.lifecycle", dep.get("lifecycle"), LIFECYCLE)
        check(f"deployments.{key}.timeouts", dep.get("timeouts"), TIMEOUTS)
        endpoints = dep.get("endpoints")
        for i, endpoint in enumerate(endpoints if isinstance(endpoints, list) else []):
            check(f"deployments.{key}.endpoints[{i}]", endpoint, ENDPOINT)
    return out


def wrong_shapes(raw: Mapping[str, Any], locations: Locations, earlier: Iterable[Finding]) -> list[Finding]:
    """An error for each object or list the builder walks that is something else, unless an
    earlier error (the schema's) is about it or what holds it. Its field is then broken
    (config/salvage.py): the resource is built without it, never `{**5}` in the builder."""
    said = {f.field for f in earlier if f.severity == "error" and f.field}
    return [
        Finding(
            "wrong-type",
            "error",
            f"found {'null' if item is None else type(item).__name__}, "
            f"expected {'an object' if shape is Mapping else 'a list'}",
            resource=_resource(path),
            location=locations.get(path),
            field=path,
        )
        for path, item, shape in _walked(raw)
        if not isinstance(item, shape) and not _about(path, said)
    ]


def _about(path: str, said: set[str]) -> bool:
    """Whether an earlier finding's field is `path` or holds it (`a` holds `a.b` and `a[0]`).
    One set lookup per place the path could be cut, not one comparison per finding: with
    10,000 errors, comparing each wrong shape with every finding was quadratic (a 1 MB file
    took a minute)."""
    return path in said or any(c in ".[" and path[:i] in said for i, c in enumerate(path))


_DEFAULTS_SHAPES = (("lifecycle", Mapping), ("tags", list))
_MODEL_SHAPES = (("timeouts", Mapping),)
_DEPLOYMENT_SHAPES = (
    ("lifecycle", Mapping),
    ("timeouts", Mapping),
    ("tags", list),
    ("features", list),
    ("endpoints", list),
)


def _walked(raw: Mapping[str, Any]) -> Iterator[tuple[str, Any, type]]:
    """Each object or list the builder walks, with the shape it must have; what is inside one
    of the wrong shape is not walked."""
    for section in ("defaults", "models", "deployments"):
        if section in raw:
            yield section, raw[section], Mapping
    yield from _members("defaults", raw.get("defaults"), _DEFAULTS_SHAPES)
    for key, model in _items(raw.get("models")):
        yield f"models.{key}", model, Mapping
        yield from _members(f"models.{key}", model, _MODEL_SHAPES)
    for key, dep in _items(raw.get("deployments")):
        yield f"deployments.{key}", dep, Mapping
        yield from _members(f"deployments.{key}", dep, _DEPLOYMENT_SHAPES)
        endpoints = dep.get("endpoints") if isinstance(dep, Mapping) else None
        for i, endpoint in enumerate(endpoints if isinstance(endpoints, list) else []):
            yield f"deployments.{key}.endpoints[{i}]", endpoint, Mapping


def _members(path: str, item: Any, shapes: tuple[tuple[str, type], ...]) -> Iterator[tuple[str, Any, type]]:
    if isinstance(item, Mapping):
        for name, shape in shapes:
            if name in item:
                yield f"{path}.{name}", item[name], shape


def _items(section: Any) -> list[tuple[str, Any]]:
    return [(str(k), v) for k, v in section.items()] if isinstance(section, Mapping) else []


def _resource(field: str) -> str | None:
    parts = field.split(".")
    if len(parts) >= 2 and parts[0] in ("models", "deployments"):
        return f"{parts[0][:-1]}.{parts[1]}"
    return None
