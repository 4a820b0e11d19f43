"""Command-line value parsers."""

from __future__ import annotations

import contextlib

import click
import pytest
from hypothesis import given
from hypothesis import strategies as st

from infermod.commands.parsing import parse_duration


@pytest.mark.parametrize(
    ("text", "seconds"), [("90", 90), ("90s", 90), ("30m", 1800), ("1h", 3600), (" 1.5 m ", 90)]
)
def test_durations(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "m", "-5s", "1d", "1 h 2", "1e3s"])
def test_bad_durations_name_the_option(text):
    with pytest.raises(click.BadParameter) as info:
        parse_duration(text)
    assert "expected a duration such as 90s, 30m or 1h" in str(info.value)


@given(st.text(max_size=20))
def test_any_text_is_a_duration_or_a_clear_error(text):
    with contextlib.suppress(click.BadParameter):
        assert parse_duration(text) >= 0
