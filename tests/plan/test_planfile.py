"""Saved plan files through the real CLI: written private and atomically, read back exactly,
and a tampered or damaged file refused in one line naming what is wrong."""

from __future__ import annotations

import json
import os
import stat

from infermod.plan.planfile import load, save
from tests.test_render import sample_plan


def test_save_then_load_gives_the_same_plan_and_a_private_file(tmp_path):
    path = tmp_path / "plan.json"
    save(sample_plan(), str(path))
    assert load(str(path)) == sample_plan()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["plan.json"]  # no temporary file left


def test_a_mistyped_field_is_refused_with_its_path(cli, tmp_path):
    save(sample_plan(), str(tmp_path / "plan.json"))
    data = json.loads((tmp_path / "plan.json").read_text())
    data["resource_changes"][1]["change"]["after"]["min_size"] = "2; rm -rf"
    (tmp_path / "plan.json").write_text(json.dumps(data))
    result = cli("show", "plan.json")
    assert result.code == 1
    assert (
        "plan file is damaged (resource_changes[1].change.after.min_size: expected an integer" in result.err
    )
    assert "Traceback" not in result.err


def test_another_major_format_version_is_refused(cli, tmp_path):
    save(sample_plan(), str(tmp_path / "plan.json"))
    data = json.loads((tmp_path / "plan.json").read_text())
    data["format_version"] = "2.0"
    (tmp_path / "plan.json").write_text(json.dumps(data))
    result = cli("show", "plan.json")
    assert result.code == 1 and "plan format 2.0 is not supported" in result.err


def test_a_derived_plan_survives_the_file_exactly(tmp_path):
    """What a saved-plan check re-derives compares with `==` against what the file holds."""
    import datetime as dt

    from infermod.planning import Observed, build_plan
    from infermod.state import ActualState
    from tests.plan.test_diff import CATALOG, PROJECT, actual, config, spec

    state = ActualState((actual(), actual("big"), actual("gone")), (), ())
    cfg = config(spec(min_size=2, max_size=2), spec("big", node_type="L40S"), spec("new"))
    now = dt.datetime(2026, 11, 21, tzinfo=dt.UTC)
    plan = build_plan(cfg, Observed(state, CATALOG, PROJECT, False), None, now=now)
    assert {c.actions for c in plan.changes} == {("update",), ("delete", "create"), ("delete",), ("create",)}
    save(plan, str(tmp_path / "plan.json"))
    assert load(str(tmp_path / "plan.json")) == plan
    assert build_plan(cfg, Observed(state, CATALOG, PROJECT, False), None, now=now) == plan


def test_a_device_a_fifo_or_a_huge_file_is_refused_without_reading_it(cli, tmp_path):
    """`show /dev/zero` once grew without bound and a FIFO waited forever for a writer."""
    os.mkfifo(tmp_path / "fifo")
    with open(tmp_path / "big.json", "wb") as fh:
        fh.truncate(200 * 1024 * 1024)  # sparse: nothing is written, reading it would be
    for path, expected in [
        ("/dev/zero", "not a regular file"),
        ("fifo", "not a regular file"),
        ("big.json", "larger than"),
    ]:
        result = cli("show", path)
        assert result.code == 1, path
        assert expected in result.err and "Traceback" not in result.err, result.err


def test_deeply_nested_json_is_damaged_not_an_internal_error(cli, tmp_path):
    (tmp_path / "plan.json").write_text(
        '{"kind": "infermod-plan", "format_version": "1.1", "x": ' + "[" * 100_000
    )
    result = cli("show", "plan.json")
    assert result.code == 1
    assert "not a plan file" in result.err and "internal error" not in result.err


def test_out_never_replaces_a_device_or_fifo_and_a_missing_directory_is_named(cli, scw_env, tmp_path):
    """`--out /dev/null` as root replaced the device node with the plan; a missing directory
    was an internal error."""
    (tmp_path / "infermod.yaml").write_text(
        "version: 1\nstack: s\ndeployments:\n  d:\n    model: baai/bge-multilingual-gemma2:fp32\n"
        "    node_type: L4\n    accept_eula: true\n    endpoints: [{public: true}]\n"
    )
    os.mkfifo(tmp_path / "fifo")
    result = cli("plan", "--out", "fifo")
    assert result.code == 1 and "fifo: cannot write the plan file: not a regular file" in result.err
    assert stat.S_ISFIFO(os.stat(tmp_path / "fifo").st_mode)
    result = cli("plan", "--out", "missing/plan.json")
    assert result.code == 1 and "missing/plan.json: cannot write the plan file: No such file" in result.err
    assert "internal error" not in result.err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fifo", "infermod.yaml"]  # no temporary file left
