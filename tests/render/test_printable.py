"""Text from a plan file or an API answer reaches the reader's terminal only escaped."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from infermod.findings import Finding, Location
from infermod.render.findings import findings_text
from infermod.render.markdown import render_markdown
from infermod.render.printable import CONTROL, escape, printable_plan
from infermod.render.text import render_text
from tests.render.test_markdown import change, plan

RAW = "\x1b[2J\x1b]0;owned\x07ok\u202eevil\x9b31m"


def test_each_control_character_is_written_visibly():
    assert escape(RAW) == "\\x1b[2J\\x1b]0;owned\\x07ok\\u202eevil\\x9b31m"
    assert escape("line one\r\nline two\rthree\nfour") == "line one line two three four"
    assert escape("plain text, tab\tkept") == "plain text, tab\tkept"


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=40))
def test_no_control_character_survives_any_view(text):
    changed = change("a", ("delete", "create"))._replace(reasons=(text,))
    finding = Finding(
        "lifecycle-preview", "warning", text, "deployment.a", Location(text or "f", 1, 1), text, text
    )
    shown = plan([changed], [finding])
    for view in (render_text(shown), render_markdown(shown), "\n".join(findings_text([finding]))):
        assert CONTROL.search(view) is None or set(CONTROL.findall(view)) <= {"\n"}
        if "\x1b" in text:
            assert "\\x1b" in view


def test_unchanged_ready_deployments_are_not_copied():
    """Views only count them: a plan of thousands costs nothing to make printable."""
    kept = change("a", ("no-op",))._replace(status="ready")
    shown = plan([kept, change("b", ("create",))])
    printable = printable_plan(shown)
    assert printable.changes[0] is kept and printable == shown
