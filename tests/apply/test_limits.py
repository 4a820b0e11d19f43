"""Each operation waits up to its own limit (infermod/limits.py), through the real CLI against
the emulator: the emulator is made slow (minutes) and the limits short (a second), so a limit
always runs out first; nothing here measures time."""

from __future__ import annotations

import json
import re

import pytest

from infermod import limits
from infermod.limits import Timeouts, deployment_limit, model_limit, parse_span, span
from tests.conftest import write
from tests.helpers import SMALL_LLAMA

SLOW = 600.0  # seconds the emulator takes to settle: far beyond every limit below


def config(timeouts: str = "", name: str = "", size: str = "") -> str:
    extra = (f"    timeouts: {timeouts}\n" if timeouts else "") + (f"    name: {name}\n" if name else "")
    extra += f"    size: {size}\n" if size else ""
    return f"version: 1\nstack: shop\ndeployments:\n  web:\n{SMALL_LLAMA}{extra}"


def ids(emulator) -> list[str]:
    return [d["id"] for d in emulator.app.store.list_deployments("fr-par")]


def test_a_create_stops_waiting_at_its_limit_naming_it_and_the_setting_that_raises_it(cli, scw_env, tmp_path):
    scw_env.app.store.ready_after = SLOW
    write(tmp_path / "infermod.yaml", config("{create: 1s}"))
    result = cli("apply", "--auto-approve")
    assert result.code == 1, result.out + result.err
    [dep_id] = ids(scw_env)  # it exists, and the report says so by its id
    assert re.search(
        rf"\.\. deployment\.web still creating \[{dep_id}\]: still (creating|deploying) after its create "
        r"limit of 1s \(deployments\.web\.timeouts\.create\); it goes on in Scaleway: run `infermod plan` "
        r"later to see where it stands\. To wait longer, raise deployments\.web\.timeouts\.create in the "
        r"configuration \(e\.g\. 2s\)",
        result.out,
    ), result.out
    assert "--timeout" not in result.out


def test_without_a_timeouts_block_a_create_waits_up_to_its_default_limit(cli, scw_env, tmp_path, monkeypatch):
    monkeypatch.setattr(limits, "CREATE", 1.0)  # the default, shortened: the words say it is the default
    scw_env.app.store.ready_after = SLOW
    write(tmp_path / "infermod.yaml", config())
    result = cli("apply", "--auto-approve")
    assert result.code == 1
    assert "after its default create limit of 1s (deployments.web.timeouts.create)" in result.out, result.out


def test_an_update_and_a_deletion_each_stop_at_their_own_limit(cli, scw_env, tmp_path):
    write(tmp_path / "infermod.yaml", config("{update: 1s, delete: 2s}"))
    assert cli("apply", "--auto-approve").code == 0  # settles in 0.3 s
    [dep_id] = ids(scw_env)
    scw_env.app.store.ready_after = SLOW
    write(tmp_path / "infermod.yaml", config("{update: 1s, delete: 2s}", name="web-2"))
    updated = cli("apply", "--auto-approve")
    assert updated.code == 1
    assert re.search(
        rf"!! deployment\.web failed \[{dep_id}\]: still \w+ after its update limit of 1s "
        r"\(deployments\.web\.timeouts\.update\); it goes on in Scaleway",
        updated.out,
    ), updated.out
    scw_env.app.store.set_status(dep_id, "ready")
    destroyed = cli("destroy", "--auto-approve")
    assert destroyed.code == 1
    assert re.search(
        rf"\.\. deployment\.web still deleting \[{dep_id}\]: still deleting after its delete limit of 2s "
        r"\(deployments\.web\.timeouts\.delete\)",
        destroyed.out,
    ), destroyed.out


def test_a_model_import_stops_at_its_limit_and_its_deployment_is_not_created(cli, scw_env, tmp_path):
    scw_env.app.store.ready_after = SLOW
    write(
        tmp_path / "infermod.yaml",
        "version: 1\nstack: shop\nmodels:\n"
        "  ft: {source: acme/support-bot-8b, type: chat, timeouts: {create: 1s}}\n"
        "deployments:\n  bot:\n    model: ft\n    node_type: L40S\n    endpoints: [{public: true}]\n",
    )
    result = cli("apply", "--auto-approve")
    assert result.code == 1
    [model] = [m for m in scw_env.app.store.models.values() if m["name"].startswith("shop--ft--")]
    assert re.search(
        rf"!! model\.ft failed \[{model['id']}\]: still \w+ after its import limit of 1s "
        r"\(models\.ft\.timeouts\.create\)",
        result.out,
    ), result.out
    assert "deployment.bot failed: skipped: it uses model.ft, which failed" in result.out
    assert ids(scw_env) == []


def test_the_overall_timeout_still_caps_the_run_and_says_so(cli, scw_env, tmp_path):
    scw_env.app.store.ready_after = SLOW
    write(tmp_path / "infermod.yaml", config("{create: 2h}"))
    result = cli("apply", "--auto-approve", "--timeout", "2s")
    assert result.code == 1
    assert re.search(r"still \w+ after 2s \(--timeout\)", result.out), result.out


def test_limits_by_operation_and_kind_of_update():
    none = Timeouts()
    assert deployment_limit("deployment.a", "create", none).seconds == 80 * 60
    assert deployment_limit("deployment.a", "update", none, redeploys=True).seconds == 80 * 60
    assert deployment_limit("deployment.a", "update", none).seconds == 20 * 60  # rename, tags
    assert deployment_limit("deployment.a", "delete", none).seconds == 20 * 60
    assert model_limit("model.m", none).seconds == 3 * 3600
    given = Timeouts(create=7.0, update=8.0, delete=9.0)
    assert [deployment_limit("deployment.a", op, given).seconds for op in ("create", "update", "delete")] == [
        7.0,
        8.0,
        9.0,
    ]
    assert deployment_limit("deployment.a", "update", given, redeploys=True).configured


@pytest.mark.parametrize(
    ("text", "seconds", "written"),
    [
        ("90s", 90, "1m30s"),
        ("45m", 2700, "45m"),
        ("1h30m", 5400, "1h30m"),
        ("2h", 7200, "2h"),
        ("1h0m5s", 3605, "1h0m5s"),
    ],
)
def test_spans_read_and_written_as_the_configuration_writes_them(text, seconds, written):
    assert parse_span(text) == seconds
    assert span(seconds) == written and parse_span(written) == seconds


@pytest.mark.parametrize("bad", ["0s", "10 minutes", "1.5h", "m", "", "0", "5m30", "-5"])
def test_a_bad_limit_or_an_unknown_operation_is_an_error_at_its_line(cli, tmp_path, bad):
    write(tmp_path / "infermod.yaml", config(f"{{create: '{bad}'}}"))
    result = cli("validate")
    assert result.code == 1
    assert re.search(
        r"infermod\.yaml:9:\d+: error: .*expected a duration such as 90s, 45m, 1h30m or 2h, or seconds such as 300",
        result.out,
    )
    assert "[deployments.web.timeouts.create]" in result.out, result.out
    write(tmp_path / "infermod.yaml", config("{read: 5m}"))
    result = cli("validate")
    assert result.code == 1 and "infermod.yaml:9:" in result.out and "`read`" in result.out, result.out


def test_plain_seconds_are_a_limit_as_they_are_for_timeout(cli, scw_env, tmp_path, monkeypatch):
    """`--timeout 300` takes plain seconds; so does `timeouts:`, as a number or a string (an
    unquoted `${VAR}` holding 300 too); zero or less is refused as `0s` is."""
    scw_env.app.store.ready_after = SLOW
    write(tmp_path / "infermod.yaml", config("{create: 1, update: '5400', delete: 1200}"))
    assert cli("validate").code == 0
    result = cli("apply", "--auto-approve")
    assert result.code == 1 and "after its create limit of 1s (deployments.web.timeouts.create)" in result.out
    monkeypatch.setenv("LIMIT", "300")
    write(tmp_path / "infermod.yaml", config("\n      create: ${LIMIT}"))  # unquoted, block style
    assert cli("validate").code == 0
    for bad, said in (
        (0, "found 0, expected at least 1"),
        (True, "found true (boolean), expected string or integer"),
    ):
        write(tmp_path / "infermod.yaml", config(f"{{create: {json.dumps(bad)}}}"))
        refused = cli("validate")
        assert refused.code == 1 and said in refused.out, refused.out


@pytest.mark.parametrize(
    ("given", "seconds"), [(300, 300), ("300", 300), (" 45 ", 45), (0, None), ("0", None), (True, None)]
)
def test_a_span_is_also_plain_seconds(given, seconds):
    assert parse_span(given) == seconds


def test_a_timeouts_block_changes_no_plan(cli, scw_env, tmp_path):
    write(tmp_path / "infermod.yaml", config())
    assert cli("apply", "--auto-approve").code == 0
    write(tmp_path / "infermod.yaml", config("{create: 2h, update: 3h, delete: 1h}"))
    assert "No changes." in cli("plan").out
