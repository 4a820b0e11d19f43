"""How every view writes values, money and records (shared by the text and markdown views)."""

from __future__ import annotations

import pytest

from infermod.records import KNOWN_AFTER_APPLY, SENSITIVE, Endpoint, Model
from infermod.render.symbols import SYMBOL, VERB, auth_turned_off, money, payload_fields, show_value, signed
from tests.render.test_markdown import PUBLIC, change, deployment, plan


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (None, "null"),
        ("L4", '"L4"'),
        ("", '""'),
        (KNOWN_AFTER_APPLY, KNOWN_AFTER_APPLY),  # markers are not quoted as if they were values
        (SENSITIVE, SENSITIVE),
        (True, "true"),
        (0, "0"),
        (0.5, "0.5"),
        (2.0, "2"),
        (("a", 1, None), '["a", 1, null]'),
        ([], "[]"),
        (Endpoint(False, "pn-1", True), "private network pn-1, no auth"),
    ],
)
def test_show_value(value, shown):
    assert show_value(value) == shown


def test_money_and_signed():
    assert money(None, "EUR") == signed(None, "EUR") == "unknown"
    assert money(1234567.891, "EUR") == "1,234,567.89 EUR"
    assert (signed(0.0, "EUR"), signed(-0.0, "EUR"), signed(-12.5, "EUR")) == (
        "+0.00 EUR",
        "+0.00 EUR",
        "-12.50 EUR",
    )


def test_auth_turned_off_only_from_on_to_off():
    off = PUBLIC._replace(disable_auth=True)
    assert auth_turned_off(PUBLIC, off)
    assert not any(auth_turned_off(a, b) for a, b in [(off, off), (off, PUBLIC), (None, off), (PUBLIC, None)])


def test_payload_fields_leave_out_what_is_unset_and_never_show_a_token():
    fields = dict(payload_fields(deployment("d")._replace(tags=())))
    assert "tags" not in fields and "id" not in fields and fields["node_type"] == "L4"
    assert [k for k, _ in payload_fields(deployment("d"))][:2] == ["name", "model"]
    model = Model("s--m--1", "fr-par", "p", source="https://huggingface.co/a/m", has_secret=True, type="chat")
    assert dict(payload_fields(model))["secret"] == SENSITIVE
    assert "secret" not in dict(payload_fields(model._replace(has_secret=False)))
    assert payload_fields(None) == []


def test_every_action_has_a_symbol_and_a_verb_and_the_summary_counts_replacements_twice():
    assert set(SYMBOL) == set(VERB)
    from infermod.render.symbols import summary_line

    both = plan([change("a", ("create", "delete")), change("b", ("update",)), change("c", ("no-op",))])
    assert summary_line(both) == "Plan: 1 to add, 1 to change, 1 to destroy."
