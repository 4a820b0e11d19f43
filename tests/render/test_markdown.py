"""The merge-request view at 0, 1 and 1000 changes, and under GitLab's note size limit.
The full layout of a typical plan is the golden file (tests/test_render.py)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from infermod.findings import Finding, Location
from infermod.plan.model import Cost, Plan, ResourceChange
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


def test_a_long_refusal_at_the_top_still_leaves_room_for_the_note_and_the_footer():
    # the budget for rows is what the head (refusals) and the tail leave, not the whole limit
    changes = [change(f"d{i:03}") for i in range(300)]
    refusals = [
        Finding("model-vram", "error", f"refusal {i}: " + "x" * 400, f"deployment.d{i:03}") for i in range(40)
    ]
    limit = 60_000
    text = render_markdown(plan(changes, refusals), limit=limit)
    assert len(text) <= limit
    assert text.count("> - 🛑 **error** `model-vram`") == 40  # every refusal is shown
    kept = text.count("\n| `+` |")
    assert 0 < kept < 300
    assert f"**Note:** {300 - kept} changed resource(s) were left out" in text
    assert text.rstrip().endswith("2026-11-25T12:00:00Z</sub>")  # the provenance footer is whole


def test_a_long_list_of_other_findings_still_leaves_room_for_the_note_and_the_footer():
    # the tail (findings about unchanged resources, then the footer) is kept whole as well
    changes = [change(f"d{i:03}") for i in range(300)]
    others = [
        Finding("lifecycle-preview", "warning", f"other {i}: " + "y" * 400, f"model.m{i}") for i in range(40)
    ]
    limit = 60_000
    text = render_markdown(plan(changes, others), limit=limit)
    assert len(text) <= limit
    assert text.count("on **model.m") == 40  # every other finding is shown
    kept = text.count("\n| `+` |")
    assert 0 < kept < 300 and f"**Note:** {300 - kept} changed resource(s) were left out" in text
    assert text.rstrip().endswith("2026-11-25T12:00:00Z</sub>")
