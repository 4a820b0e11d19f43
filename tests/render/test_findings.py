"""Findings as text lines and JSON: sorted, counted, coloured only on the severity."""

from __future__ import annotations

from infermod import output
from infermod.findings import Finding, Location
from infermod.render.findings import counts, findings_json, findings_text, summary_line

LATE = Finding("size", "error", "bad size", "deployment.a", Location("b.yaml", 12, 3))
EARLY = Finding("lifecycle-preview", "warning", "error: in the message", None, Location("b.yaml", 2, 3))
NOWHERE = Finding("quota-setting", "info", "m")


def test_text_is_sorted_and_only_the_severity_is_coloured(monkeypatch):
    monkeypatch.setattr(output, "_color", True)
    lines = findings_text([LATE, EARLY, NOWHERE])
    assert [line.split("\x1b")[0] for line in lines] == ["", "b.yaml:2:3: ", "b.yaml:12:3: "]
    assert lines[1].endswith("\x1b[0m error: in the message (lifecycle-preview)")  # the message is left alone
    assert "warning:" in lines[1] and lines[1].count("\x1b[") == 2


def test_json_and_counts_keep_every_severity():
    assert [f["rule_id"] for f in findings_json([LATE, EARLY, NOWHERE])] == [
        "quota-setting",
        "lifecycle-preview",
        "size",
    ]
    assert counts([]) == {"error": 0, "warning": 0, "info": 0}
    assert summary_line([LATE, LATE, NOWHERE]) == "2 error(s), 0 warning(s), 1 info"
