"""The emulator's state file, read back: what is not its own state is named, never half-used."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from infermod.errors import FatalError


def read_state(path: str) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """(deployments, models), or None when there is no state file yet."""
    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
    except FileNotFoundError:
        return None
    except (ValueError, UnicodeDecodeError, RecursionError):
        data = None
    # A hand-edited or foreign file would otherwise fail inside a request thread, later.
    tables: list[Any] = [data.get(k, {}) for k in ("deployments", "models")] if isinstance(data, dict) else []
    if len(tables) != 2 or not all(
        isinstance(t, dict) and all(isinstance(r, dict) for r in t.values()) for t in tables
    ):
        raise FatalError(
            f"{path}: not the emulator's state (expected its JSON object of deployments and models); "
            "move it away to start empty"
        )
    for table, records, fields in zip(("deployments", "models"), tables, (_DEPLOYMENT, _MODEL), strict=True):
        for key, record in records.items():
            problem = _problem(key, record, fields)
            if problem is not None:
                raise FatalError(
                    f"{path}: {table}[{key[:40]!r}]: {problem}: the state file was damaged (edited by hand?); "
                    "fix that record or move the file away to start empty"
                )
    return tables[0], tables[1]


def _strings(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def _objects(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, dict) for v in value)


def _text(value: Any) -> bool:
    return isinstance(value, str)


def _count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


_Check = tuple[Callable[[Any], bool], str]
# What the store reads of every record (a record it wrote has all of these)
_RECORD: dict[str, _Check] = {  # deployments and models alike
    "id": (_text, "a string"),
    "name": (_text, "a string"),
    "project_id": (_text, "a string"),
    "region": (_text, "a string"),
    "status": (_text, "a string"),
    "tags": (_strings, "a list of strings"),
    "created_at": (_text, "a string"),
}
_DEPLOYMENT: dict[str, _Check] = {
    **_RECORD,
    "node_type_name": (_text, "a string"),
    "model_id": (_text, "a string"),
    "model_name": (_text, "a string"),
    "endpoints": (_objects, "a list of objects"),
    "size": (_count, "a whole number"),
    "min_size": (_count, "a whole number"),
    "max_size": (_count, "a whole number"),
    "quantization": (lambda v: isinstance(v, dict), "an object"),
    "updated_at": (lambda v: v is None or isinstance(v, str), "a string or null"),
}
_MODEL = _RECORD


def _problem(key: str, record: dict[str, Any], fields: dict[str, _Check]) -> str | None:
    for name, (check, expected) in fields.items():
        if name not in record:
            return f"{name}: missing (expected {expected})"
        if not check(record[name]):
            return f"{name}: expected {expected}"
    if record["id"] != key:
        return "id: not the record's key"
    return None
