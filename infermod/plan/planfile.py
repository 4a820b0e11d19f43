"""Saved plans: written atomically, read back with a clear error for anything unreadable.

A plan file is the plan's JSON plus `"kind": "infermod-plan"` and `embedded`: the
configuration it was made from and its gates (`infermod.plan.embed`)."""

from __future__ import annotations

import json
import os
import stat

from infermod.errors import PlanError
from infermod.plan.codec import decode, encode
from infermod.plan.embed import Embedded, decode_embedded, encode_embedded
from infermod.plan.model import FORMAT_VERSION, Plan
from infermod.writefile import write_atomically

# A plan of a thousand deployments, its configuration embedded, is a few MB; anything far larger
# is not one of ours, and reading it whole (or a device such as /dev/zero) would grow memory
# without bound.
MAX_PLAN_BYTES = 64 * 1024 * 1024


def save(plan: Plan, path: str, embedded: Embedded | None = None) -> None:
    data = {"kind": "infermod-plan", **encode(plan)}
    if embedded is not None:
        data["embedded"] = encode_embedded(embedded)
    body = json.dumps(data, indent=2, sort_keys=False) + "\n"
    write_atomically(path, body.encode("utf-8"), "plan file", mode=0o600)


def load(path: str) -> Plan:
    return load_embedded(path)[0]


def _read(path: str) -> bytes:
    try:
        # O_NONBLOCK: opening a FIFO would otherwise wait for a writer forever.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
        with os.fdopen(fd, "rb") as fh:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise PlanError(f"{path}: not a regular file (a directory, FIFO, device or socket)")
            raw = fh.read(MAX_PLAN_BYTES + 1)
    except OSError as exc:
        raise PlanError(f"{path}: cannot read plan file: {exc.strerror or exc}") from None
    if len(raw) > MAX_PLAN_BYTES:
        raise PlanError(f"{path}: not a plan file (larger than {MAX_PLAN_BYTES} bytes)")
    return raw


def load_embedded(path: str) -> tuple[Plan, Embedded | None]:
    """The plan and what the file embeds (None: a file from before plans embedded anything)."""
    raw = _read(path)
    try:
        data = json.loads(raw.decode("utf-8"))
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise PlanError(f"{path}: not a plan file (expected JSON written by `infermod plan --out`)") from None
    if not isinstance(data, dict) or data.get("kind") != "infermod-plan":
        raise PlanError(f"{path}: not a plan file (expected JSON written by `infermod plan --out`)")
    if str(data.get("format_version", "")).split(".")[0] != FORMAT_VERSION.split(".")[0]:
        raise PlanError(
            f"{path}: plan format {data.get('format_version')} is not supported (expected {FORMAT_VERSION})"
        )
    try:
        return decode(data), decode_embedded(data.get("embedded"))
    except ValueError as exc:
        raise PlanError(f"{path}: plan file is damaged ({exc})") from None
