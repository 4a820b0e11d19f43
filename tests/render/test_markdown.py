"""The merge-request view at 0, 1 and 1000 changes, and under GitLab's note size limit.
The full layout of a typical plan is the golden file (tests/test_render.py)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from infermod.findings import Finding, Location
from infermod.plan.model import Consequence, Cost, EndpointChange, FieldChange, Plan, ResourceChange
from infermod.records import Deployment, Endpoint
from infermod.render.markdown import GITLAB_NOTE_LIMIT, render_markdown

PUBLIC = Endpoint(True, None, False)


def deployment(key: str, node_type: str = "L4") -> Deployment:
    return Deployment(
        key, "meta/llama-3.1-8b-instruct:fp8", None, node_type, 1, 1, 8, "fr-par", "p", (), (PUBLIC,)
    )


def change(key: str, actions=("create",)) -> ResourceChange:
    before = None if actions == ("create",) else deployment(key)
    after = None if actions == ("delete",) else deployment(key)
    rid = None if actions == ("create",) else f"id-{key}"
    return ResourceChange(
        f"deployment.{key}",
        "deployment",
        key,
        "fr-par",
        "p",
        actions,
        rid,
        "ready" if rid else None,
        before,
        after,
        cost=Cost("EUR", 1.0, 1.0),
    )


def plan(changes=(), findings=()) -> Plan:
    return Plan(
        "s",
        "2026-11-25T12:00:00Z",
        "0.1.0",
        "sha256:" + "c" * 64,
        "sha256:" + "d" * 64,
        ("infermod.yaml",),
        tuple(changes),
        tuple(findings),
        "live",
    )


def test_no_changes_has_no_table_and_says_so():
    text = render_markdown(plan([change("a", ("no-op",))]))
    assert "**No changes. Your deployments match the configuration.** · 1 unchanged" in text
    assert "| resource |" not in text and "[!warning]" not in text and "[!caution]" not in text
    assert text.rstrip().endswith("2026-11-25T12:00:00Z</sub>")


def test_one_creation_is_one_row():
    text = render_markdown(plan([change("a")]))
    rows = [line for line in text.splitlines() if line.startswith("| `")]
    assert rows == [
        "| `+` | **deployment.a** will be created | `meta/llama-3.1-8b-instruct:fp8`, 8-bit on 1 node of `L4` in fr-par"
        "<br>endpoint: public, auth required | — |"
    ]
    assert "**Plan: 1 to add, 0 to change, 0 to destroy.**\n" in text


def test_a_thousand_changes_fit_the_note_and_say_how_many_were_left_out():
    changes = [change(f"d{i:04}") for i in range(1000)]
    whole = render_markdown(plan(changes))
    assert whole.count("\n| `+` |") == 1000 and "left out" not in whole
    limit = 20_000
    cut = render_markdown(plan(changes), limit=limit)
    assert len(cut) <= limit
    kept = cut.count("\n| `+` |")
    assert 0 < kept < 1000
    assert f"**Note:** {1000 - kept} changed resource(s) were left out to fit GitLab's note size limit" in cut
    assert "Plan: 1000 to add" in cut and cut.rstrip().endswith("</sub>")  # the summary and footer stay


def test_a_thousand_unchanged_are_one_count():
    text = render_markdown(plan([change(f"d{i}", ("no-op",)) for i in range(1000)] + [change("new")]))
    assert "· 1,000 unchanged" in text and text.count("\n| `") == 1


def test_errors_refuse_at_the_top_and_warnings_only_under_fail_on_warning():
    here = Location("infermod.yaml", 4, 3)
    error = Finding("model-vram", "error", "too big | really", "deployment.a", here)
    warning = Finding("lifecycle-preview", "warning", "preview", "deployment.a", here)
    text = render_markdown(plan([change("a")], [warning, error]))
    refusal = text.split("> [!caution]\n")[1].split("\n\n")[0]
    assert "`model-vram` on **deployment.a** (`infermod.yaml:4:3`): too big \\| really" in refusal
    assert "lifecycle-preview" not in refusal
    (row,) = [line for line in text.splitlines() if line.startswith("| `+`")]
    assert "refuses the plan: `model-vram` (see above)" in row and "`lifecycle-preview`" in row
    gate = Finding("policy-fail-on", "error", "warnings refuse this plan")
    refusal = (
        render_markdown(plan([change("a")], [warning, gate])).split("> [!caution]\n")[1].split("\n\n")[0]
    )
    assert "lifecycle-preview" in refusal


def test_findings_about_unchanged_resources_are_listed_after_the_table():
    info = Finding("custom-model-beta", "info", "beta", "model.mine")
    text = render_markdown(plan([change("a")], [info]))
    assert "#### Other findings\n\n- ℹ️ **info** `custom-model-beta` on **model.mine**: beta" in text  # noqa: RUF001 - the emoji is meant


@settings(max_examples=25, deadline=None)
@given(st.text(max_size=60), st.integers(1, 30), st.integers(2_000, 12_000))
def test_any_message_stays_in_its_cell_and_under_the_limit(message, n, limit):
    changes = [change(f"d{i}") for i in range(n)]
    findings = [Finding("lifecycle-preview", "warning", message, f"deployment.d{i}") for i in range(n)]
    text = render_markdown(plan(changes, findings), limit=limit)
    assert len(text) <= limit <= GITLAB_NOTE_LIMIT
    assert "\r" not in text  # a line ending in Markdown (CommonMark) as much as "\n"
    for line in text.split("\n"):
        if line.startswith("| `"):
            # four cells: five unescaped pipes, whatever the message holds
            assert line.replace("\\|", "").count("|") == 5


def test_an_api_error_message_with_crlf_stays_in_its_row():
    broken = change("a", ("delete", "create"))._replace(
        reasons=("the deployment is in error state: OOM\r\nkilled\rretry",)
    )
    text = render_markdown(plan([broken]))
    (row,) = [line for line in text.split("\n") if line.startswith("| `-/+`")]
    assert "*the deployment is in error state: OOM killed retry*" in row and "\r" not in text


@pytest.mark.parametrize(
    ("findings", "each"),
    [
        (  # the budget for rows is what the head (refusals) and the tail leave, not the whole limit
            [
                Finding("model-vram", "error", f"refusal {i}: " + "x" * 400, f"deployment.d{i:03}")
                for i in range(40)
            ],
            "> - 🛑 **error** `model-vram`",
        ),
        (  # the tail (findings about unchanged resources, then the footer) is kept whole as well
            [
                Finding("lifecycle-preview", "warning", f"other {i}: " + "y" * 400, f"model.m{i}")
                for i in range(40)
            ],
            "on **model.m",
        ),
    ],
    ids=["refusals at the top", "other findings at the bottom"],
)
def test_long_findings_still_leave_room_for_the_note_and_the_footer(findings, each):
    changes = [change(f"d{i:03}") for i in range(300)]
    limit = 60_000
    text = render_markdown(plan(changes, findings), limit=limit)
    assert len(text) <= limit
    assert text.count(each) == 40  # every finding is shown
    kept = text.count("\n| `+` |")
    assert 0 < kept < 300 and f"**Note:** {300 - kept} changed resource(s) were left out" in text
    assert text.rstrip().endswith("2026-11-25T12:00:00Z</sub>")  # the provenance footer is whole


def _rows(text: str) -> list[str]:
    return [line for line in text.split("\n") if line.startswith("| `")]


def test_a_note_of_exactly_gitlabs_limit_is_whole_and_one_character_more_is_cut():
    # GitLab refuses a note over 1,000,000 characters: one of exactly that many is posted whole
    changes = [change("a"), change("b")]
    base = len(render_markdown(plan(changes), header="h"))
    exact = render_markdown(plan(changes), header="h" * (GITLAB_NOTE_LIMIT - base + 1))
    assert len(exact) == GITLAB_NOTE_LIMIT == 1_000_000 and "left out" not in exact
    over = render_markdown(plan(changes), header="h" * (GITLAB_NOTE_LIMIT - base + 2))
    assert len(over) <= GITLAB_NOTE_LIMIT and "left out" in over


def test_rows_are_kept_while_they_leave_400_characters_for_the_note():
    # the budget for rows: the limit less the head, the table's header, the tail and 400
    # characters kept for the note; a row that ends exactly at the budget is kept
    p = plan([change(f"d{i}") for i in range(6)], [Finding("lifecycle-preview", "warning", "p", "model.m")])
    whole = render_markdown(p)
    rows = [row + "\n" for row in _rows(whole)]
    fixed = len(whole) - sum(map(len, rows)) - 1  # head, table header, tail ("\n" after the rows)
    for n in (1, 2):
        limit = fixed + 400 + sum(map(len, rows[:n]))
        assert _rows(render_markdown(p, limit=limit)) == _rows(whole)[:n]
        cut = render_markdown(p, limit=limit - 1)
        assert _rows(cut) == _rows(whole)[: n - 1]
        assert f"**Note:** {7 - n} changed resource(s) were left out" in cut
        assert cut.endswith(whole[whole.index("#### Other findings") :])  # the tail is whole


def test_the_rows_kept_are_the_first_ones_never_a_smaller_one_after_a_row_that_did_not_fit():
    long = change("b")._replace(reasons=("r" * 600,))
    p = plan([change("a"), long, change("c"), change("d")])
    whole = render_markdown(p)
    a, b, c, _ = (row + "\n" for row in _rows(whole))
    fixed = len(whole) - len(a + b + c + c) - 1  # four rows: a, b, c and d, as long as c
    text = render_markdown(p, limit=fixed + 400 + len(a) + len(c))
    assert _rows(text) == [a.rstrip("\n")] and "**Note:** 3 changed resource(s) were left out" in text


def test_a_create_before_destroy_replacement_shows_what_forces_it_not_the_whole_deployment():
    cbd = change("a", ("create", "delete"))._replace(
        field_changes=(FieldChange("node_type", "L4", "H100", forces_replacement=True),)
    )
    (row,) = _rows(render_markdown(plan([cbd])))
    assert row.startswith("| `+/-` | **deployment.a**")
    assert "node_type: `L4` → `H100` (forces replacement)" in row and "node of" not in row


def test_an_update_shows_each_endpoint_added_removed_or_changed():
    private = Endpoint(False, "pn-1", False)
    moved = change("a", ("update",))._replace(
        endpoint_changes=(
            EndpointChange("create", "private:pn-1", None, None, private),
            EndpointChange("delete", "public", "e-1", PUBLIC, None),
            EndpointChange(
                "update", "private:pn-2", "e-2", Endpoint(False, "pn-2", False), Endpoint(False, "pn-2", True)
            ),
        )
    )
    (row,) = _rows(render_markdown(plan([moved])))
    what = row.split(" | ")[2].split("<br>")
    assert what == [
        "endpoint added: private network pn-1, auth required",
        "endpoint removed: public, auth required",
        "private network pn-2 endpoint: auth required → **no auth** ⚠️",
    ]


def test_a_creation_on_any_number_of_nodes_but_one_says_nodes():
    # 0 only in a hand-edited plan file (`infermod show` renders any plan file it can read)
    for size, words in ((1, "on 1 node of"), (2, "on 2 nodes of"), (0, "on 0 nodes of")):
        sized = change("a")._replace(after=deployment("a")._replace(min_size=size, max_size=size))
        (row,) = _rows(render_markdown(plan([sized])))
        assert words in row, size


def test_each_consequence_has_the_icon_of_its_severity_and_kind():
    said = (
        Consequence("no-downtime", "info", "same URL"),
        Consequence("endpoint-added", "info", "added"),
        Consequence("not-serving", "info", "serves nothing"),
        Consequence("downtime", "warning", "down"),
    )
    (row,) = _rows(render_markdown(plan([change("a", ("update",))._replace(consequences=said)])))
    assert row.split(" | ")[3].split("<br>") == [
        "✅ same URL",
        "ℹ️ added",  # noqa: RUF001 - the emoji is meant
        "ℹ️ serves nothing",  # noqa: RUF001 - the emoji is meant
        "⚠️ down |",
    ]


def test_warnings_refuse_only_under_fail_on_warning_whatever_the_errors_are_called():
    warning = Finding("lifecycle-preview", "warning", "preview", "deployment.a")
    for rule in ("schema", "unknown-field", "quota-exceeded"):  # sorted after `policy-fail-on`
        error = Finding(rule, "error", "broken", "deployment.a")
        refusal = render_markdown(plan([change("a")], [warning, error])).split("> [!caution]\n")[1]
        assert f"`{rule}`" in refusal.split("\n\n")[0] and "lifecycle-preview" not in refusal.split("\n\n")[0]


def test_errors_about_unchanged_resources_are_in_the_refusal_not_in_other_findings():
    error = Finding("model-in-use", "error", "in use", "model.mine")
    config_wide = Finding("schema", "error", "bad", None)
    text = render_markdown(plan([change("a")], [error, config_wide]))
    assert "`model-in-use` on **model.mine**" in text.split("> [!caution]\n")[1].split("\n\n")[0]
    assert "#### Other findings" not in text


def test_rows_a_reviewer_must_see_are_kept_first_and_named_when_they_cannot_all_fit():
    # review F9: rows were kept in file order, so a warning or a deletion after the cut was
    # nowhere in the note; now they go first (and stay in plan order in the table)
    creates = [change(f"d{i:03}") for i in range(200)]
    deleted = change("z-old", ("delete",))
    warned = Finding("public-endpoint-without-auth", "warning", "open", "deployment.d199")
    text = render_markdown(plan([*creates, deleted], [warned]), limit=20_000)
    assert len(text) <= 20_000
    rows = _rows(text)
    assert "**deployment.d199**" in rows[-2] and "`public-endpoint-without-auth`" in rows[-2]
    assert rows[-1].startswith("| `-` | **deployment.z-old** will be destroyed")
    assert rows[0].startswith("| `+` | **deployment.d000**")  # then the others, in order
    assert "have findings, warnings or deletions" not in text
    # more rows with warnings than fit: those left out are still named, each with its rule
    findings = [Finding("lifecycle-preview", "warning", "p" * 200, f"deployment.d{i:03}") for i in range(200)]
    text = render_markdown(plan(creates, findings), limit=20_000)
    assert len(text) <= 20_000 and text.rstrip().endswith("</sub>")
    kept = {row.split("**")[1] for row in _rows(text)}
    listed = [line for line in text.split("\n") if line.startswith("> - **deployment.")]
    assert kept and listed and all("🛑" not in line and "`lifecycle-preview`" in line for line in listed)
    named = {line.split("**")[1] for line in listed}
    assert kept | named == {f"deployment.d{i:03}" for i in range(200)} and not kept & named
    left = 200 - len(kept)
    assert f"**Note:** {left} changed resource(s) were left out" in text
    assert f"**{left} of them have findings, warnings or deletions**" in text


def test_too_many_other_findings_are_counted_and_the_footer_stays():
    # the tail (other findings) alone over the limit was cut mid-text, footer and all
    others = [Finding("lifecycle-preview", "warning", "y" * 400, f"model.m{i}") for i in range(1000)]
    text = render_markdown(plan([change("a")], others), limit=60_000)
    assert len(text) <= 60_000 and text.rstrip().endswith("2026-11-25T12:00:00Z</sub>")
    shown = text.count("on **model.m")
    assert 0 < shown < 1000 and f"- … {1000 - shown} more finding(s): see the job log" in text
    assert len(_rows(text)) == 1  # the row still has room
