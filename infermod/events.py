"""`--json`: one JSON object per line for every event of plan, apply, destroy and validate.

Like Terraform's machine-readable UI (`terraform apply -json`): a `version` line first, then
`finding`, `planned_change`, `change_summary`, `apply_start`, `apply_progress`,
`apply_complete` / `apply_errored`, `outcome`, `outputs`, `error`, and one `summary` last.
Every line has `@timestamp`, `@message` (a sentence for people) and `type`; the fields of each
type are in schemas/infermod-events.schema.json. Secrets are redacted as in every output.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import threading
from typing import Any

from infermod import output

EVENTS_FORMAT_VERSION = "1"

_lock = threading.Lock()
_on = False


def start(command: str) -> None:
    """Switch the run to events and write the `version` line."""
    global _on
    from infermod import __version__

    _on = True
    output.set_events(True)
    emit(
        "version",
        f"infermod {__version__}: {command}",
        format_version=EVENTS_FORMAT_VERSION,
        infermod_version=__version__,
        command=command,
    )


_summary: dict[str, Any] = {}


def summarize(message: str, **fields: Any) -> None:
    """What the closing `summary` line says, set by the command as it goes."""
    _summary.clear()
    _summary.update(fields, **{"@message": message})


def finish(exit_code: int) -> None:
    """The closing `summary` line of a command that ended without an error."""
    if _on:
        fields = dict(_summary)
        message = str(fields.pop("@message", f"exit {exit_code}"))
        emit("summary", message, summary={"exit_code": exit_code, **fields})


def stop() -> None:
    global _on
    _summary.clear()
    _on = False
    output.set_events(False)


def active() -> bool:
    return _on


def emit(kind: str, message: str, **fields: Any) -> None:
    stamp = dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    line = json.dumps({"@timestamp": stamp, "@message": message, "type": kind, **fields}, sort_keys=False)
    with _lock:
        sys.stdout.write(output.redact(line) + "\n")
        sys.stdout.flush()
