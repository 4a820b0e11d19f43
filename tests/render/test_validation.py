"""`validate`'s verdict: `valid` in JSON is about errors; the text verdict follows the gate."""

from __future__ import annotations

import json

from infermod.findings import Finding
from infermod.render.validation import render_validation

WARNING = Finding("lifecycle-preview", "warning", "preview")
ERROR = Finding("size", "error", "bad")


def test_a_warning_that_fails_the_gate_is_invalid_text_but_valid_json():
    assert render_validation([WARNING], ["a.yaml"], True, "text").endswith(
        "Invalid: 0 error(s), 1 warning(s), 0 info."
    )
    body = json.loads(render_validation([WARNING], ["a.yaml"], True, "json"))
    assert body["valid"] is True and body["format_version"] == "1" and body["files"] == ["a.yaml"]


def test_errors_are_invalid_and_nothing_is_valid():
    body = json.loads(render_validation([WARNING, ERROR], ["a.yaml", "b.yaml"], True, "json"))
    assert body["valid"] is False and body["summary"] == {"error": 1, "warning": 1, "info": 0}
    assert [f["rule_id"] for f in body["findings"]] == ["size", "lifecycle-preview"]
    assert (
        render_validation([], ["a.yaml", "b.yaml"], False, "text")
        == "Valid: 2 file(s), 0 error(s), 0 warning(s), 0 info."
    )
