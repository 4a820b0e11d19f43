"""Lifecycle findings on a fixed day: the notice window and the --eol-horizon at their edges."""

from __future__ import annotations

import datetime as dt

import pytest

from infermod.catalog import Lifecycle, load_snapshot
from infermod.config.load import load_config
from infermod.rules.lifecycle import lifecycle_findings
from tests.conftest import write

TODAY = dt.date(2026, 11, 25)
MODEL = "acme/old-model:fp8"
CONFIG = """version: 1
stack: s
deployments:
  d:
    model: {model}
    node_type: L4
    accept_eula: true
    endpoints: [{{public: true}}]
"""


def run(tmp_path, life, horizon=None, model=MODEL, source="snapshot"):
    config = load_config([write(tmp_path / "infermod.yaml", CONFIG.format(model=model))], {}).config
    assert config is not None
    catalog = load_snapshot(TODAY)._replace(source=source, lifecycle={"old-model": life} if life else {})
    return lifecycle_findings(config, catalog, horizon, TODAY)


def deprecated(days: int | None) -> Lifecycle:
    eol = None if days is None else TODAY + dt.timedelta(days=days)
    return Lifecycle("Deprecated", "end_of_sale", eol, None)


@pytest.mark.parametrize(
    ("days", "rule", "window"),
    [
        (90, "lifecycle-eol-notice", True),
        (91, "lifecycle-deprecated", False),
        (0, "lifecycle-eol-notice", True),
    ],
)
def test_the_three_month_notice_window_includes_its_last_day(tmp_path, days, rule, window):
    (f,) = run(tmp_path, deprecated(days))
    assert (f.rule_id, f.severity) == (rule, "warning")
    eol = (TODAY + dt.timedelta(days=days)).isoformat()
    assert f"End-of-Life on {eol}, in {days} days" in f.message
    assert ("inside the 3-month End-of-Life notice window" in f.message) is window
    assert (f.field, f.location.line) == ("deployments.d.model", 5)


def test_the_horizon_includes_its_last_day(tmp_path):
    (inside,) = run(tmp_path, deprecated(120), horizon=120)
    assert (inside.rule_id, inside.severity) == ("lifecycle-eol-horizon", "error")
    assert inside.message.endswith("within the 120-day horizon")
    (outside,) = run(tmp_path, deprecated(121), horizon=120)
    assert (outside.rule_id, outside.severity) == ("lifecycle-deprecated", "warning")
    (zero,) = run(tmp_path, deprecated(0), horizon=0)
    assert zero.rule_id == "lifecycle-eol-horizon"


def test_deprecated_without_a_date_never_meets_a_horizon(tmp_path):
    (f,) = run(tmp_path, deprecated(None), horizon=10_000)
    assert (f.rule_id, f.severity, f.message) == (
        "lifecycle-deprecated",
        "warning",
        f"`{MODEL}` is Deprecated",
    )


def test_end_of_life_with_and_without_a_date(tmp_path):
    (f,) = run(tmp_path, Lifecycle("End-of-Life", "end_of_life", TODAY - dt.timedelta(days=3), None))
    assert (f.rule_id, f.severity) == ("lifecycle-eol", "error")
    assert "reached End-of-Life on 2026-11-22 and can no longer be deployed" in f.message
    (f,) = run(tmp_path, Lifecycle("End-of-Life", "retired", None, None))
    assert "reached End-of-Life and can no longer" in f.message


def test_active_says_nothing_and_preview_warns(tmp_path):
    assert run(tmp_path, Lifecycle("Active", "general_availability", None, None)) == []
    (f,) = run(tmp_path, Lifecycle("Preview", "preview", None, None))
    assert (f.rule_id, f.severity) == ("lifecycle-preview", "warning")


@pytest.mark.parametrize(
    ("source", "where"), [("snapshot", "the shipped catalog snapshot"), ("live", "the Product Catalog")]
)
def test_no_entry_is_unknown_never_a_guessed_stage(tmp_path, source, where):
    (f,) = run(tmp_path, None, horizon=0, source=source)
    assert (f.rule_id, f.severity) == ("lifecycle-unknown", "warning")
    assert f"`{MODEL}` has no lifecycle entry in {where}" in f.message


def test_custom_models_get_the_beta_note_and_no_stage(tmp_path):
    body = (
        "version: 1\nstack: s\nmodels:\n  mine:\n    source: hf://acme/mine\n    type: chat\n"
        "deployments:\n  d:\n    model: mine\n    node_type: L4\n    endpoints: [{public: true}]\n"
    )
    config = load_config([write(tmp_path / "infermod.yaml", body)], {}).config
    assert config is not None
    (f,) = lifecycle_findings(config, load_snapshot(TODAY), 0, TODAY)
    assert (f.rule_id, f.severity, f.resource, f.field) == (
        "custom-model-beta",
        "info",
        "model.mine",
        "models.mine",
    )
    assert "served on /v1/chat/completions" in f.message and f.location.line == 4


def test_every_deployment_is_checked_after_a_custom_one_or_one_without_an_entry(tmp_path):
    body = (
        "version: 1\nstack: s\nmodels:\n  mine: {source: acme/mine, type: chat}\ndeployments:\n"
        "  a: {model: mine, node_type: L4, endpoints: [{public: true}]}\n"
        "  b: {model: acme/unlisted:fp8, node_type: L4, endpoints: [{public: true}]}\n"
        f"  c: {{model: '{MODEL}', node_type: L4, endpoints: [{{public: true}}]}}\n"
    )
    config = load_config([write(tmp_path / "infermod.yaml", body)], {}).config
    assert config is not None
    catalog = load_snapshot(TODAY)._replace(
        lifecycle={"old-model": Lifecycle("Preview", "preview", None, None)}
    )
    found = lifecycle_findings(config, catalog, None, TODAY)
    assert [(f.resource, f.rule_id) for f in found] == [
        ("deployment.b", "lifecycle-unknown"),
        ("deployment.c", "lifecycle-preview"),
        ("model.mine", "custom-model-beta"),
    ]
