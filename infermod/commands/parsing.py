"""Parsing helpers for command-line values, shared by the commands."""

from __future__ import annotations

import re

import click


def parse_duration(text: str) -> float:
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(s|m|h)?\s*", text)
    if not match:
        raise click.BadParameter(
            f"{text!r}: expected a duration such as 90s, 30m or 1h", param_hint="--timeout"
        )
    return float(match.group(1)) * {"s": 1, "m": 60, "h": 3600, None: 1}[match.group(2)]
