"""Renderers against golden files: one hand-built plan, three views.

Regenerate after an intended change with: INFERMOD_UPDATE_GOLDEN=1 python -m pytest tests/test_render.py
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from infermod.findings import Finding, Location
from infermod.plan.codec import decode, encode
from infermod.plan.model import ApiBinding, Cost, EndpointChange, FieldChange, Plan, ResourceChange
from infermod.records import Deployment, Endpoint, Model
from infermod.render.markdown import render_markdown
from infermod.render.text import render_text
from infermod.rules.consequences import with_consequences

GOLDEN = Path(__file__).parent / "golden"
BIG_URL = "https://id-2.ifr.fr-par.scaleway.com"


def sample_plan() -> Plan:
    public = Endpoint(True, None, False)
    base = Deployment(
        name="chat",
        model="meta/llama-3.1-8b-instruct:fp8",
        model_id=None,
        node_type="L4",
        min_size=1,
        max_size=1,
        quantization=8,
        region="fr-par",
        project_id="p",
        tags=("a",),
        endpoints=(public,),
    )
    changes = (
        ResourceChange(
            "model.ft",
            "model",
            "ft",
            "fr-par",
            "p",
            ("create",),
            None,
            None,
            None,
            Model(
                name="s--ft--0123abcd",
                region="fr-par",
                project_id="p",
                source="https://huggingface.co/acme/ft",
                has_secret=True,
                type="chat",
                api="/v1/chat/completions",
            ),
            reasons=("new custom model",),
        ),
        ResourceChange(
            "deployment.chat",
            "deployment",
            "chat",
            "fr-par",
            "p",
            ("update",),
            "id-1",
            "ready",
            base,
            base._replace(min_size=2, max_size=2),
            (FieldChange("max_size", 1, 2, False, True), FieldChange("min_size", 1, 2, False, True)),
            (EndpointChange("update", "public", "e-1", public, public._replace(disable_auth=True)),),
            downtime="the deployment is unavailable while it redeploys",
            cost=Cost("EUR", 0.93, 1.86),
        ),
        ResourceChange(
            "deployment.big",
            "deployment",
            "big",
            "fr-par",
            "p",
            ("delete", "create"),
            "id-2",
            "ready",
            base._replace(name="big", endpoints=(public._replace(url=BIG_URL),)),
            base._replace(name="big", node_type="L40S", endpoints=(public._replace(disable_auth=True),)),
            (FieldChange("node_type", "L4", "L40S", True, False),),
            (EndpointChange("update", "public", "e-2", public, public._replace(disable_auth=True)),),
            action_reason="replace_because_cannot_update",
            reasons=("node type cannot be changed in place: the API has no update for it",),
            cost=Cost("EUR", 0.93, 1.4),
        ),
        ResourceChange(
            "deployment.old",
            "deployment",
            "old",
            "nl-ams",
            "p",
            ("delete",),
            "id-3",
            "ready",
            base._replace(name="old", region="nl-ams"),
            None,
            action_reason="delete_because_no_resource_config",
            reasons=("`old` is no longer in the configuration",),
            cost=Cost("EUR", 0.93, 0.0),
        ),
        ResourceChange(
            "deployment.same",
            "deployment",
            "same",
            "fr-par",
            "p",
            ("no-op",),
            "id-4",
            "deploying",
            base,
            base,
            cost=Cost("EUR", 0.93, 0.93),
        ),
    )
    findings = (
        Finding(
            "lifecycle-preview",
            "warning",
            "`x` is in Preview",
            "deployment.chat",
            Location("infermod.yaml", 9, 5),
            "deployments.chat.model",
            "prefer an Active model",
        ),
    )
    return Plan(
        "s",
        "2026-11-21T12:00:00Z",
        "0.1.0",
        "sha256:" + "c" * 64,
        "sha256:" + "d" * 64,
        ("infermod.yaml",),
        tuple(with_consequences(c) for c in changes),  # as the diff states them
        findings,
        "live",
        api=ApiBinding(False, "https://api.scaleway.com", "o", ("p",)),
    )


@pytest.mark.parametrize(
    ("name", "render"),
    [
        ("plan.txt", lambda p: render_text(p, 80)),  # 80 columns: off a terminal, by default
        ("plan.md", render_markdown),
        ("plan.json", lambda p: json.dumps(encode(p), indent=2) + "\n"),
    ],
)
def test_golden(name, render):
    from infermod import output

    output.set_color(False)
    text = render(sample_plan())
    path = GOLDEN / name
    if os.environ.get("INFERMOD_UPDATE_GOLDEN"):
        path.write_text(text)
    assert text == path.read_text()


def test_json_round_trip():
    plan = sample_plan()
    assert decode(json.loads(json.dumps(encode(plan)))) == plan


def test_summary_counts_a_replacement_as_add_and_destroy():
    assert sample_plan().summary() == {"import": 0, "add": 2, "change": 1, "destroy": 2}


def test_a_note_over_gitlabs_limit_keeps_the_rows_with_warnings(cli, scw_env, tmp_path, monkeypatch):
    # 2,000 deployments with long tags (1.4 MB of note), the last one public without auth: rows
    # were kept in file order until the limit, and its public-endpoint-without-auth warning
    # was nowhere in the merge-request note (the review surface)
    from infermod.render.markdown import GITLAB_NOTE_LIMIT
    from tests.conftest import write

    monkeypatch.setenv("INFERMOD_NODE_QUOTA", "L4=100000")
    tags = json.dumps([f"tag-{t}-" + "x" * 94 for t in range(10)])
    lines = ["version: 1", "stack: big", "deployments:"]
    for i in range(2000):
        lines += [f"  d{i:04}:", "    model: meta/llama-3.1-8b-instruct:fp8", "    node_type: L4"]
        lines += ["    size: 1", "    quantization: 8", "    accept_eula: true", f"    tags: {tags}"]
        lines += ["    endpoints:", "      - public: true"] + (
            ["        disable_auth: true"] if i == 1999 else []
        )
    write(tmp_path / "infermod.yaml", "\n".join(lines) + "\n")
    result = cli("plan", "--format", "markdown")
    assert result.code == 0, result.err
    note = result.out
    assert len(note) <= GITLAB_NOTE_LIMIT
    rows = [line for line in note.split("\n") if line.startswith("| `+`")]
    assert 500 < len(rows) < 2000
    [last] = [row for row in rows if "**deployment.d1999**" in row]
    assert "`public-endpoint-without-auth`" in last  # its row is kept, with its warning
    assert f"**Note:** {2000 - len(rows)} changed resource(s) were left out" in note
    assert "have findings, warnings or deletions" not in note  # none of those was left out
    assert note.rstrip().endswith("</sub>")
