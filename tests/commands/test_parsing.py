"""Command-line value parsers: durations and amounts as people type them; errors that show the accepted forms."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from infermod.commands.parsing import (
    AMOUNT_FORMS,
    DURATION_FORMS,
    parse_address,
    parse_amount,
    parse_duration,
)
from tests.conftest import write

DURATIONS = [
    ("90s", 90),
    ("45m", 2700),
    ("1h30m", 5400),
    ("1h 30m 10s", 5410),
    ("2h", 7200),
    ("2.5h", 9000),
    ("1H30M", 5400),
    ("30 m", 1800),
    ("300", 300),
    (" 20m ", 1200),
    (" 1.5 m ", 90),
]
BAD_DURATIONS = [
    "",
    "soon",
    "1x",
    "h",
    "m",
    "-5",
    "-5s",
    "1h30",
    "1 h 2",
    "30m1h",
    "0",
    "0s",
    "1d",
    "1e3s",
    "1h-30m",
]

AMOUNTS = [
    ("1500", 1500),
    ("1,500", 1500),
    ("1500.50", 1500.5),
    ("1500.5", 1500.5),
    ("1 500 EUR", 1500),
    ("1 500 eur", 1500),
    ("EUR 1500", 1500),
    ("€1,500", 1500),
    ("1500€", 1500),
    ("1\u00a0500", 1500),  # non-breaking space, as a French locale prints it
    ("1,500,000.25", 1500000.25),
    ("0", 0),
]
BAD_AMOUNTS = ["", "abc", "-5", "1.500", "12,34,567", "1500.", ".5", "1_500", "1500.505", "1,50"]


@pytest.mark.parametrize(("text", "seconds"), DURATIONS)
def test_durations(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", BAD_DURATIONS)
def test_bad_durations_show_the_accepted_forms(text):
    with pytest.raises(ValueError, match=DURATION_FORMS.replace("(", r"\(").replace(")", r"\)")):
        parse_duration(text)


@pytest.mark.parametrize(("text", "amount"), AMOUNTS)
def test_amounts(text, amount):
    assert parse_amount(text) == amount


@pytest.mark.parametrize("text", BAD_AMOUNTS)
def test_bad_amounts_show_the_accepted_forms(text):
    with pytest.raises(ValueError, match=AMOUNT_FORMS):
        parse_amount(text)


def test_amount_messages_name_the_problem():
    with pytest.raises(ValueError, match="amounts are in EUR"):
        parse_amount("1500 USD")
    with pytest.raises(ValueError, match="amounts are in EUR"):
        parse_amount("$1500")
    with pytest.raises(ValueError, match=r"decimals with a point \(1\.5\)"):
        parse_amount("1,5")


@given(st.integers(0, 10**6), st.integers(0, 59), st.integers(0, 59))
def test_any_hms_duration(h, m, s):
    text = (f"{h}h" if h else "") + (f"{m}m" if m else "") + (f"{s}s" if s or not (h or m) else "")
    if h == m == s == 0:
        with pytest.raises(ValueError):
            parse_duration(text)
    else:
        assert parse_duration(text) == h * 3600 + m * 60 + s


@given(st.integers(0, 10**12), st.integers(0, 99), st.sampled_from([",", " ", "\u202f"]))
def test_any_grouped_amount(whole, cents, sep):
    grouped = f"{whole:,}".replace(",", sep)
    assert parse_amount(f"{grouped}.{cents:02d}") == float(f"{whole}.{cents:02d}")
    assert parse_amount(f"{whole} EUR") == whole


@given(st.text(max_size=20))
def test_any_text_parses_or_says_why(text):
    for parse in (parse_duration, parse_amount):
        try:
            value = parse(text)
        except ValueError as exc:
            assert "use " in str(exc) or "e.g." in str(exc)
        else:
            assert value >= 0


@pytest.mark.parametrize("text", ["deployment.support-bot", "model.ft", " deployment.d0 "])
def test_addresses(text):
    assert parse_address(text) == text.strip()


@pytest.mark.parametrize(
    "text", ["d0", "deployment.", "deployment.Bot", "node.x", "deployment.a--b", "model.ft.url"]
)
def test_bad_addresses_show_the_accepted_forms(text):
    with pytest.raises(ValueError, match=r"use deployment\.KEY or model\.KEY"):
        parse_address(text)


def test_addresses_of_one_kind():
    assert parse_address("deployment.x", ("deployment",)) == "deployment.x"
    with pytest.raises(ValueError, match=r"only deployment\.KEY addresses"):
        parse_address("model.x", ("deployment",))


def test_cli_accepts_friendly_values(cli, scw_env, tmp_path):
    write(
        tmp_path / "infermod.yaml",
        "version: 1\nstack: s\ndeployments:\n  d:\n    model: meta/llama-3.1-8b-instruct:fp8\n"
        "    node_type: L4\n    accept_eula: true\n    endpoints: [{public: true}]\n",
    )
    assert cli("plan", "--max-monthly-cost", "1 500 EUR").code == 0
    refused = cli("plan", "--max-monthly-cost", "1,5")
    assert refused.code == 1 and "'--max-monthly-cost'" in refused.err and "1 500 EUR" in refused.err
    over = cli("plan", "--max-monthly-cost", "1.00")
    assert over.code == 1 and "over the limit of 1.00" in over.out
    assert cli("apply", "--auto-approve", "--timeout", "1h30m").code == 0
    bad = cli("destroy", "--auto-approve", "--timeout", "1h30")
    assert bad.code == 1 and "'1h30' is not a duration: use 90s, 45m, 1h30m" in bad.err


@pytest.mark.parametrize("text", ["1e400", "1E5 EUR", "1e3", "inf", "-inf", "NaN", "Infinity", "€inf"])
def test_exponents_and_non_finite_amounts_are_a_parsing_error(text):
    # "1e400" has a letter in it, which read as a foreign currency ("amounts are in EUR")
    with pytest.raises(ValueError, match=f"is not an amount.*use {AMOUNT_FORMS}") as caught:
        parse_amount(text)
    assert "amounts are in" not in str(caught.value)


@pytest.mark.parametrize("parse", [parse_amount, parse_duration])
def test_overflowing_numbers_are_refused_not_infinite(parse):
    # 400 digits overflow a float to inf: an unlimited budget or a wait that never ends
    with pytest.raises(ValueError, match="too large"):
        parse("9" * 400)


def test_cli_refuses_a_non_finite_budget(cli, scw_env, tmp_path):
    write(tmp_path / "infermod.yaml", "version: 1\nstack: s\n")
    refused = cli("plan", "--max-monthly-cost", "1e400")
    assert refused.code == 1 and "'--max-monthly-cost'" in refused.err
    assert "is not an amount" in refused.err and "1 500 EUR" in refused.err
    assert "amounts are in EUR" not in refused.err
