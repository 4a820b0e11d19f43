"""The merge-request note renders as the same words whatever names, tags and messages hold.

The author of a merge request writes the tags and names; the reviewer reads the rendered note.
A pipe that splits a cell, a backtick that closes a code span early, or raw HTML (`<details>`)
could hide a warning or an auth change from the reviewer. These tests render the note as GitLab
does (CommonMark with GFM tables, raw HTML allowed) and read the cells back."""

from __future__ import annotations

from html.parser import HTMLParser

from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from infermod.findings import Finding
from infermod.plan.model import EndpointChange, FieldChange
from infermod.records import Endpoint
from infermod.render.markdown import render_markdown
from tests.render.test_markdown import PUBLIC, change, deployment, plan

_GITLAB = MarkdownIt("commonmark").enable("table")


class _Table(HTMLParser):
    """The rendered table as rows of cell texts, and every element the note opened."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self.elements: set[str] = set()
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: object) -> None:
        self.elements.add(tag)
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append("".join(self._cell))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def rendered(markdown: str) -> _Table:
    table = _Table()
    table.feed(_GITLAB.render(markdown))
    return table


def _warned(tags: tuple[str, ...]) -> str:
    created = change("chat")._replace(after=deployment("chat")._replace(tags=tags))
    warning = Finding("public-endpoint-without-auth", "warning", "anyone can call it", "deployment.chat")
    return render_markdown(plan([created], [warning]))


def test_a_pipe_in_a_tag_does_not_split_the_row_and_hide_its_warning():
    table = rendered(_warned(("a | b | c",)))
    row = table.rows[1]
    assert len(row) == 4
    assert "tags: a | b | c" in row[2]
    assert "public-endpoint-without-auth" in row[3]


def test_a_backtick_and_html_in_a_tag_cannot_fold_an_auth_change_away():
    tags = ("managed-by-infermod", "!`<details><summary>tags</summary>")
    updated = change("chat", ("update",))._replace(
        field_changes=(FieldChange("tags", ["managed-by-infermod"], list(tags)),),
        endpoint_changes=(EndpointChange("update", "public", "e-1", PUBLIC, Endpoint(True, None, True)),),
    )
    table = rendered(render_markdown(plan([updated])))
    assert "details" not in table.elements and "summary" not in table.elements
    (row,) = table.rows[1:]
    assert len(row) == 4
    assert "<details><summary>tags</summary>" in row[2]
    assert "public endpoint: auth required → no auth" in row[2]


def test_markup_in_a_message_is_shown_as_written_and_its_quoted_code_stays_code():
    message = "name `a|b` is **taken** by <b>x</b> [link](http://x) _y_ ` stray"
    findings = [Finding("lifecycle-preview", "warning", message, "deployment.chat")]
    table = rendered(render_markdown(plan([change("chat")], findings)))
    assert "a" not in table.elements and "b" not in table.elements and "em" not in table.elements
    assert "code" in table.elements
    assert message.replace("`a|b`", "a|b") in table.rows[1][3]


# Control characters are shown escaped (\x1b) in every view, before markdown: see test_printable.
_PRINTABLE = st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp"))


@settings(max_examples=300, deadline=None)
@given(
    tags=st.lists(st.text(_PRINTABLE, min_size=1, max_size=30), min_size=1, max_size=3),
    message=st.text(_PRINTABLE, max_size=60),
)
def test_any_tags_and_message_keep_four_cells_and_read_back_as_written(tags, message):
    created = change("chat")._replace(after=deployment("chat")._replace(tags=tuple(tags)))
    finding = Finding("lifecycle-preview", "warning", message, "deployment.chat")
    table = rendered(render_markdown(plan([created], [finding])))
    allowed = {"h3", "p", "strong", "code", "table", "thead", "tbody", "tr", "th", "td", "br", "sub", "em"}
    assert table.elements <= allowed
    row = table.rows[1]
    assert len(row) == 4
    assert "lifecycle-preview" in row[3]
    for tag in tags:
        assert _words(tag) in _words(row[2])
    if "`" not in message:
        assert _words(message) in _words(row[3])


def _words(text: str) -> str:
    """Text as a reader sees it: runs of whitespace are one space (markdown folds them)."""
    return " ".join(text.split())
