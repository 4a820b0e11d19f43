"""The emulator's state file, read back: what is not its own state is named, never half-used."""

from __future__ import annotations

import json
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
    return tables[0], tables[1]
