"""Keep checking what is still checkable when part of the configuration is broken.

A field that failed the schema (or whose `${VAR}` is unset) is *broken*. Rather than drop the
whole resource, which would hide every other problem it has, the resource is built without
its broken fields (a neutral placeholder stands in for a required one) and the rules whose
inputs include a broken field are skipped (rules/depends.py). Only the checks that depend on
a broken field are lost, and nothing reports the same problem twice.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from infermod.findings import Finding
from infermod.lazyre import lazy

# required fields, and what stands in for them while broken (never planned: errors stop plan)
_PLACEHOLDERS: dict[str, dict[str, Any]] = {
    "deployments": {"model": "", "node_type": "", "endpoints": []},
    "models": {"source": "", "type": ""},
}
# settings under `defaults:` that every deployment inherits unless it sets its own
_INHERITED = ("region", "project_id", "tags", "lifecycle", "accept_eula")
_INDEX = lazy(r"\[\d+\]")

# errors that leave no usable value: the schema's, and the loader's on a value
BROKEN_RULES = (
    "schema",
    "env-unset",
    "env-syntax",
    "yaml-tag",
    "yaml-value",
    "yaml-key-type",
    "yaml-control-character",
    "wrong-type",  # an object or list of another type the schema let through (config/closed.py)
)


def broken_fields(findings: Iterable[Finding], rules: tuple[str, ...] | None = BROKEN_RULES) -> set[str]:
    """`section.key.field` (or `defaults.field`) of every field an error made unusable: by
    default, errors that leave no usable value; with `rules=None`, any error (a field already
    reported wrong is not checked again by later rules)."""
    out = set()
    for f in findings:
        if f.severity != "error" or (rules is not None and f.rule_id not in rules) or not f.field:
            continue
        parts = _INDEX.sub("", f.field).split(".")
        out.add(".".join(parts[:3] if parts[0] in _PLACEHOLDERS else parts[:2]))
    return out


def is_fatal(findings: Iterable[Finding]) -> bool:
    """A problem no resource can be built around: a whole section of the wrong type."""
    sections = {*_PLACEHOLDERS, "defaults"}
    return any(f.severity == "error" and f.rule_id in BROKEN_RULES and f.field in sections for f in findings)


def usable(section: str, key: str, item: Any, broken: set[str]) -> dict[str, Any] | None:
    """The resource without its broken fields, or None when nothing of it is usable."""
    prefix = f"{section}.{key}"
    # A key with a dot (the schema refuses it) cannot be told apart from the field paths
    # that name its broken fields: `..` lost `deployments....model` and crashed the build.
    if not isinstance(item, dict) or prefix in broken or "." in key:
        return None
    out = {k: v for k, v in item.items() if f"{prefix}.{k}" not in broken}
    for name, placeholder in _PLACEHOLDERS[section].items():
        if f"{prefix}.{name}" in broken:
            out[name] = placeholder
    return out


def usable_defaults(defaults: Any, broken: set[str]) -> dict[str, Any]:
    if not isinstance(defaults, dict):
        return {}
    return {k: v for k, v in defaults.items() if f"defaults.{k}" not in broken}


def inherited_breakage(deployments: dict[str, Any], broken: set[str]) -> set[str]:
    """A broken default breaks the field of every deployment that inherits it."""
    out = set()
    for name in _INHERITED:
        if f"defaults.{name}" in broken:
            out |= {
                f"deployments.{key}.{name}"
                for key, item in deployments.items()
                if isinstance(item, dict) and name not in item
            }
    return out
