"""`plan --out`: a refused plan leaves no file, and JSON on stdout stays JSON when one is saved."""

from __future__ import annotations

import json

import pytest

from tests.conftest import write
from tests.helpers import many


def test_a_refused_plan_writes_no_plan_file(cli, scw_env, tmp_path):
    write(tmp_path / "infermod.yaml", many(2))
    result = cli("plan", "--out", "plan.json", "--max-monthly-cost", "1")
    assert result.code == 1
    assert "the plan is refused: see the findings above; no plan file was written" in result.err
    assert not (tmp_path / "plan.json").exists()


def test_a_saved_json_plan_keeps_stdout_pure_json_and_its_exit_code(cli, scw_env, tmp_path):
    write(tmp_path / "infermod.yaml", many(2))
    result = cli("plan", "--out", "plan.json", "--format", "json", "--detailed-exitcode")
    assert result.code == 2  # changes present, and the file saved all the same
    assert json.loads(result.out)["resource_changes"][0]["address"] == "deployment.d0"
    assert "Saved the plan to plan.json: apply it with `infermod apply plan.json`" in result.err
    assert json.loads((tmp_path / "plan.json").read_text())["embedded"]["gates"]["max_monthly_cost"] is None


def test_a_refused_plan_with_changes_exits_1_under_detailed_exitcode_and_saves_nothing(
    cli, scw_env, tmp_path
):
    # the drift job treats 2 as "changes": a refused plan must never look like one
    write(tmp_path / "infermod.yaml", many(2))
    for fmt in ("text", "json"):
        result = cli(
            "plan", "--detailed-exitcode", "--out", "plan.json", "--max-monthly-cost", "1", "--format", fmt
        )
        assert result.code == 1, (fmt, result.err)
        assert "the plan is refused: see the findings above; no plan file was written" in result.err
        assert "Saved the plan" not in result.err + result.out
        assert not (tmp_path / "plan.json").exists()


@pytest.mark.parametrize("fmt", ["text", "json", "markdown"])
def test_the_saved_plan_line_names_apply_with_the_plan_file_alone_after_a_text_view_only(
    cli, scw_env, tmp_path, fmt
):
    """`apply PLANFILE` takes no -f (the file carries its sources): the line names the plan
    file alone, whatever -f the plan was given. It follows a text view on stdout; a JSON or
    Markdown view keeps stdout for itself, so there it goes to stderr."""
    write(tmp_path / "stack.yaml", many(2))
    result = cli("plan", "-f", "stack.yaml", "--out", "plan.json", "--format", fmt)
    assert result.code == 0, result.err
    saved = "Saved the plan to plan.json: apply it with `infermod apply plan.json`"
    shown, other = (result.out, result.err) if fmt == "text" else (result.err, result.out)
    assert shown.splitlines()[-1] == saved
    assert "Saved the plan" not in other
    assert (tmp_path / "plan.json").exists()
