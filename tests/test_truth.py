"""The plan tells the whole truth, the same in every view: every field and endpoint
difference for every action, what each change does to users (URL, downtime), the choice the
user has, and a highlighted authentication change."""

from __future__ import annotations

import json
import re

from infermod.plan.codec import encode
from infermod.plan.model import FieldChange, Plan, ResourceChange
from infermod.records import Deployment, Endpoint
from infermod.render.markdown import render_markdown
from infermod.render.text import render_text
from infermod.rules.consequences import with_consequences
from tests.helpers import create, owned
from tests.test_plan import change, config, plan_json

CBD = "    lifecycle: {create_before_destroy: true}\n"


def make_matching(sdk):
    """The deployment the configuration describes (not waited for: the plan is the same)."""
    return create(sdk, "chat", ["team-a", *owned("web", "chat")])


def _views(cli):
    return {
        "json": plan_json(cli),
        "text": cli("plan").out,
        "markdown": cli("plan", "--format", "markdown").out,
    }


def _kinds(c):
    return [q["kind"] for q in c["consequences"]]


def test_a_replacement_that_also_disables_auth_lists_both_in_every_view(cli, scw_env, sdk, tmp_path):
    actual = make_matching(sdk)
    config(tmp_path, node_type="L40S", disable_auth="true")
    views = _views(cli)
    c = change(views["json"], "deployment.chat")
    assert c["change"]["actions"] == ["delete", "create"]
    assert [(f["field"], f["before"], f["after"]) for f in c["change"]["fields"]] == [
        ("node_type", "L4", "L40S")
    ]
    [e] = c["change"]["endpoints"]
    assert (e["network"], e["before"]["disable_auth"], e["after"]["disable_auth"]) == ("public", False, True)
    url = f"https://{actual.id}.ifr.fr-par.scaleway.com"
    said = {q["kind"]: q["message"] for q in c["consequences"]}
    assert "endpoint URL changes (new deployment id)" in said["url-change"] and url in said["url-change"]
    assert said["downtime"].startswith("≈15–30 min without service")  # noqa: RUF001
    assert "authentication turned OFF on the public endpoint" in said["auth-disabled"]
    assert c["alternative"].startswith("or set lifecycle.create_before_destroy: no downtime")
    text, markdown = views["text"], views["markdown"]
    for view in (text, markdown):
        assert "L4" in view and "L40S" in view
        assert "endpoint URL changes (new deployment id)" in view and url in view
        assert "authentication turned OFF" in view
        assert "or set lifecycle.create_before_destroy" in view
    assert "public, auth required -> no auth  # ! authentication turned OFF" in text
    assert "public endpoint: auth required → **no auth** ⚠️" in markdown


def test_in_place_model_change_states_its_downtime_and_the_other_option(cli, scw_env, sdk, tmp_path):
    make_matching(sdk)
    config(tmp_path, model="deepseek/deepseek-r1-distill-llama-8b:bf16")
    views = _views(cli)
    c = change(views["json"], "deployment.chat")
    assert c["change"]["actions"] == ["update"] and "url-change" not in _kinds(c)
    [down] = [q["message"] for q in c["consequences"] if q["kind"] == "downtime"]
    assert down == "≈15–30 min without service (in-place model change)"  # noqa: RUF001
    alternative = (
        "or set lifecycle.create_before_destroy: no downtime, but a new endpoint URL (new deployment id)"
    )
    assert c["alternative"] == alternative
    for view in (views["text"], views["markdown"]):
        assert down in view and alternative in view


def test_node_count_change_says_node_count(cli, scw_env, sdk, tmp_path):
    make_matching(sdk)
    config(tmp_path, size=2)
    c = change(plan_json(cli), "deployment.chat")
    assert "≈15–30 min without service (in-place node count change)" in [  # noqa: RUF001
        q["message"] for q in c["consequences"]
    ]


def test_create_before_destroy_says_no_downtime_but_a_new_url(cli, scw_env, sdk, tmp_path):
    make_matching(sdk)
    config(tmp_path, model="deepseek/deepseek-r1-distill-llama-8b:bf16", extra=CBD)
    views = _views(cli)
    c = change(views["json"], "deployment.chat")
    assert c["change"]["actions"] == ["create", "delete"]
    assert [f["field"] for f in c["change"]["fields"]] == ["model"]
    assert _kinds(c) == ["url-change", "no-downtime"]
    assert c["alternative"].startswith("or drop lifecycle.create_before_destroy: updated in place, same URL")
    for view in (views["text"], views["markdown"]):
        assert "no downtime (create before destroy)" in view and "endpoint URL changes" in view


def test_a_rename_says_it_shows_deploying_for_about_two_minutes(cli, scw_env, sdk, tmp_path):
    make_matching(sdk)
    config(tmp_path, extra="    name: chat-v2\n")
    c = change(plan_json(cli), "deployment.chat")
    assert c["change"]["actions"] == ["update"] and _kinds(c) == ["brief-deploying"]
    assert c["consequences"][0] == {
        "kind": "brief-deploying",
        "severity": "warning",
        "message": "≈2 min `deploying` (in-place rename): it may not serve meanwhile; same URL",
    }
    assert c["alternative"] is None


def test_a_tag_change_says_it_shows_deploying_too(cli, scw_env, sdk, tmp_path):
    """Recorded after a rename, and a tag change is the same kind of update: not 'no downtime'."""
    make_matching(sdk)
    config(tmp_path, tags="team-b")
    c = change(plan_json(cli), "deployment.chat")
    assert [(q["kind"], q["message"]) for q in c["consequences"]] == [
        ("brief-deploying", "≈2 min `deploying` (in-place tag change): it may not serve meanwhile; same URL")
    ]


def test_turning_auth_off_is_refused_under_fail_on_warning_and_leads_the_note(cli, scw_env, sdk, tmp_path):
    make_matching(sdk)
    config(tmp_path, disable_auth="true")
    result = cli("plan", "--fail-on", "warning", "--format", "markdown")
    assert result.code == 1
    note = result.out
    refusal = note.index("This plan was refused")
    assert refusal < note.index("Plan: 0 to add") and refusal < note.index("| |")
    assert "`public-endpoint-without-auth`" in note[refusal : note.index("Plan: 0 to add")]
    assert "`policy-fail-on`" in note
    body = json.loads(cli("plan", "--fail-on", "warning", "--format", "json").out)
    assert any(f["rule_id"] == "policy-fail-on" and f["severity"] == "error" for f in body["findings"])


# ---- markdown shape, size, and no Python repr in any view ----------------------------------
_REPR = re.compile(r"\{'|'\}|\['|'\]|': |\bTrue\b|\bFalse\b|\bNone\b|Endpoint\(|Deployment\(|Model\(")


def _big_plan(unchanged: int) -> Plan:
    public = Endpoint(True, None, False, url="https://x.ifr.fr-par.scaleway.com")
    dep = Deployment(
        "d",
        "meta/llama-3.1-8b-instruct:fp8",
        "m",
        "L4",
        1,
        1,
        8,
        "fr-par",
        "p",
        ("t",),
        (public,),
        id="i",
        status="ready",
    )
    same = [
        ResourceChange(
            f"deployment.d{i}", "deployment", f"d{i}", "fr-par", "p", ("no-op",), f"i{i}", "ready", dep, dep
        )
        for i in range(unchanged)
    ]
    after = dep._replace(min_size=2, max_size=2, endpoints=(public._replace(disable_auth=True, url=None),))
    one = ResourceChange(
        "deployment.grow",
        "deployment",
        "grow",
        "fr-par",
        "p",
        ("update",),
        "g",
        "ready",
        dep,
        after,
        (FieldChange("max_size", 1, 2, False, True), FieldChange("min_size", 1, 2, False, True)),
    )
    changes = tuple(with_consequences(c) for c in [*same, one])
    return Plan(
        "s", "2026-11-21T12:00:00Z", "0.1.0", "sha256:c", "sha256:d", ("f.yaml",), changes, (), "live"
    )


def test_one_change_over_a_thousand_unchanged_renders_under_10_kb():
    note = render_markdown(_big_plan(1000))
    assert len(note.encode()) < 10_000
    assert "1,000 unchanged" in note and "deployment.grow" in note and "deployment.d7" not in note
    text = render_text(_big_plan(1000))
    assert len(text.encode()) < 10_000 and "(1,000 unchanged deployment(s) not shown)" in text


def test_no_python_repr_in_any_view(cli, scw_env, sdk, tmp_path):
    plan = _big_plan(3)
    views = [render_markdown(plan), render_text(plan), json.dumps(encode(plan))]
    make_matching(sdk)
    config(tmp_path, node_type="L40S", disable_auth="true", extra="    name: other\n")
    views += [cli("plan").out, cli("plan", "--format", "markdown").out, cli("plan", "--format", "json").out]
    views += [
        cli("validate", "--catalog", "snapshot").out,
        cli("validate", "--catalog", "snapshot", "--format", "json").out,
    ]
    for view in views:
        assert not _REPR.search(view), _REPR.search(view).group(0) + " in:\n" + view


def test_a_plan_saved_before_format_1_2_is_still_shown(cli, tmp_path):
    data = {"kind": "infermod-plan", **encode(_big_plan(1))}
    data["format_version"] = "1.1"
    for c in data["resource_changes"]:
        del c["consequences"], c["alternative"]
    (tmp_path / "old.json").write_text(json.dumps(data))
    result = cli("show", str(tmp_path / "old.json"))
    assert result.code == 0 and "deployment.grow" in result.out and "without service" not in result.out


def test_a_deployment_in_error_that_is_replaced_claims_no_downtime_in_any_view(
    cli, emulator, scw_env, sdk, tmp_path
):
    actual = make_matching(sdk)
    emulator.app.store.set_status(actual.id, "error")
    config(tmp_path)
    views = _views(cli)
    c = change(views["json"], "deployment.chat")
    assert (c["change"]["actions"], c["action_reason"]) == (["delete", "create"], "replace_because_error")
    assert _kinds(c) == ["url-change", "not-serving"] and c["alternative"] is None
    said = {q["kind"]: q["message"] for q in c["consequences"]}
    assert (
        said["not-serving"].startswith("not serving now (status `error`)")
        and "replaced" in said["not-serving"]
    )
    url = f"https://{actual.id}.ifr.fr-par.scaleway.com"
    assert url in said["url-change"]
    for view in views.values():
        assert "without service" not in view and "no downtime" not in view, view
    for view in (views["text"], views["markdown"]):
        assert said["not-serving"] in view and "endpoint URL changes (new deployment id)" in view


def test_a_region_move_shows_both_regions_in_the_summary_table_and_every_view(
    more_regions, cli, scw_env, sdk, tmp_path
):
    make_matching(sdk)
    config(tmp_path, extra="    region: nl-ams\n")
    views = _views(cli)
    c = change(views["json"], "deployment.chat")
    assert c["action_reason"] == "replace_because_cannot_update"
    assert [(f["field"], f["before"], f["after"]) for f in c["change"]["fields"]] == [
        ("region", "fr-par", "nl-ams")
    ]
    [row] = [line for line in views["text"].splitlines() if line.startswith("-/+  deployment.chat")]
    assert row.split()[2:5] == ["fr-par", "->", "nl-ams"], row
    assert "region: `fr-par` → `nl-ams` (forces replacement)" in views["markdown"]
