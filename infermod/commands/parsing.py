"""Friendly parsing of command-line values: durations, amounts, resource addresses.

Each parser accepts the forms people type and, when it cannot, says which forms it accepts.
The click callbacks wrap them so a bad value is a usage error (exit 2) naming the option.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import TypeVar

import click

from infermod.lazyre import lazy

T = TypeVar("T")

DURATION_FORMS = "90s, 45m, 1h30m, 2h or a number of seconds (300)"
ADDRESS_FORMS = "deployment.KEY or model.KEY, e.g. deployment.support-bot"
AMOUNT_FORMS = "1500, 1,500, 1 500, 1500.50 or 1 500 EUR"

_NUMBER = r"\d+(?:\.\d+)?"
_DURATION = lazy(rf"(?:({_NUMBER})\s*h)?\s*(?:({_NUMBER})\s*m)?\s*(?:({_NUMBER})\s*s)?", re.IGNORECASE)
_UNITS = (3600.0, 60.0, 1.0)

# Thousands in groups of three separated by a comma or a (non-breaking) space; at most two
# decimals after a point. Anything else (1,5 or 1.500) is ambiguous between conventions, so
# it is refused rather than guessed.
_GROUPED = r"\d{1,3}(?:[, \u00a0\u202f]\d{3})+"
_AMOUNT = lazy(rf"({_GROUPED}|\d+)(?:\.(\d{{1,2}}))?")
_CURRENCY = lazy(r"^(?:eur|€)\s*|\s*(?:eur|€)$", re.IGNORECASE)
# Scientific notation and the non-finite words float() knows: refused as numbers, not read as
# a foreign currency (the letter in "1e400" is not a currency sign).
_NOT_DECIMAL = lazy(r"[-+]?(?:\d+(?:\.\d*)?e[-+]?\d+|inf(?:inity)?|nan)", re.IGNORECASE)


_ADDRESS = lazy(r"(deployment|model)\.([a-z0-9]+(?:-[a-z0-9]+)*)")


def parse_address(text: str, kinds: tuple[str, ...] = ("deployment", "model")) -> str:
    """A resource address as plans print it: `deployment.KEY` or `model.KEY`."""
    match = _ADDRESS.fullmatch(text.strip())
    if match is None:
        raise ValueError(f"{text!r} is not a resource address: use {ADDRESS_FORMS}")
    if match.group(1) not in kinds:
        raise ValueError(
            f"{text!r}: only {' or '.join(k + '.KEY' for k in kinds)} addresses are accepted here"
        )
    return match.group(0)


def parse_duration(text: str) -> float:
    """Seconds in `text`: `90s`, `45m`, `1h30m`, `1h 30m 10s`, `2.5h` or plain seconds."""
    value = text.strip()
    if re.fullmatch(_NUMBER, value):
        seconds = float(value)
    else:
        match = _DURATION.fullmatch(value)
        if not value or match is None:
            raise ValueError(f"{text!r} is not a duration: use {DURATION_FORMS}")
        seconds = sum(float(part) * unit for part, unit in zip(match.groups(), _UNITS, strict=True) if part)
    if not math.isfinite(seconds):
        raise ValueError(f"{text[:40]!r}...: the duration is too large; use {DURATION_FORMS}")
    if seconds <= 0:
        raise ValueError(f"{text!r}: the duration must be more than zero, e.g. {DURATION_FORMS}")
    return seconds


def parse_amount(text: str, currency: str = "EUR") -> float:
    """An amount of money: `1500`, `1,500`, `1 500`, `1500.50`, `1 500 EUR`, `€1,500`."""
    value = _CURRENCY.sub("", text.strip(), count=1).strip()
    match = _AMOUNT.fullmatch(value)
    if match is None:
        if _NOT_DECIMAL.fullmatch(value):
            raise ValueError(f"{text!r} is not an amount (no exponents or infinity): use {AMOUNT_FORMS}")
        if re.search(r"\d", value) and re.search(r"[A-Za-z$£¥]", value):
            raise ValueError(
                f"{text!r}: amounts are in {currency}, the catalog's currency; use {AMOUNT_FORMS}"
            )
        if re.fullmatch(r"\d+,\d{1,2}", value):
            raise ValueError(
                f"{text!r}: write decimals with a point ({value.replace(',', '.')}); use {AMOUNT_FORMS}"
            )
        raise ValueError(f"{text!r} is not an amount: use {AMOUNT_FORMS}")
    whole = re.sub(r"\D", "", match.group(1))
    amount = float(f"{whole}.{match.group(2) or '0'}")
    if not math.isfinite(amount):  # hundreds of digits overflow to inf: no limit at all
        raise ValueError(f"{text[:40]!r}...: the amount is too large; use {AMOUNT_FORMS}")
    return amount


def duration_option(_ctx: click.Context, param: click.Parameter, value: str | None) -> float | None:
    """A click callback: the option's value in seconds, or a usage error showing the forms."""
    return None if value is None else _converted(parse_duration, value, param)


def amount_option(_ctx: click.Context, param: click.Parameter, value: str | None) -> float | None:
    """A click callback: the option's amount, or a usage error showing the forms."""
    return None if value is None else _converted(parse_amount, value, param)


def addresses_option(_ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> tuple[str, ...]:
    """A click callback for repeatable --target: the addresses, each once, in the order given."""
    return tuple(dict.fromkeys(_converted(parse_address, v, param) for v in values))


def deployment_addresses_option(
    _ctx: click.Context, param: click.Parameter, values: tuple[str, ...]
) -> tuple[str, ...]:
    """A click callback for repeatable --replace: deployment and model addresses."""
    return tuple(
        dict.fromkeys(
            _converted(lambda v: parse_address(v, ("deployment", "model")), v, param) for v in values
        )
    )


def _converted(parse: Callable[[str], T], value: str, param: click.Parameter) -> T:
    try:
        return parse(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param=param) from None
