"""The events of `--json` runs built from infermod's own records: findings, a plan's changes,
apply outcomes, outputs and the closing summary (infermod/events.py writes them)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from infermod import events
from infermod.findings import Finding, sort_findings
from infermod.render.findings import counts

if TYPE_CHECKING:
    from infermod.apply.outcome import Outcome
    from infermod.plan.model import Plan


def emit_findings(findings: Sequence[Finding]) -> None:
    for f in sort_findings(findings):
        where = f"{f.location}: " if f.location else ""
        events.emit("finding", f"{where}{f.severity}: {f.message}", finding=f.to_json())


def emit_plan(plan: Plan) -> None:
    """Each change the plan makes (no-ops left out), its findings, then its totals."""
    from infermod.plan.codec import encode
    from infermod.render.symbols import summary_line

    body = encode(plan)
    for change in body["resource_changes"]:
        actions = change["change"]["actions"]
        if actions != ["no-op"]:
            events.emit("planned_change", f"{change['address']}: {' then '.join(actions)}", change=change)
    emit_findings(plan.findings)
    operation = "destroy" if plan.destroy else "plan"
    from infermod.plan.durations import expected_duration

    took = expected_duration(plan.changes)
    events.emit(
        "change_summary",
        summary_line(plan),
        changes={**plan.summary(), "operation": operation},
        expected_duration=took.to_json() if took is not None else None,
    )


def emit_outcomes(outcomes: Sequence[Outcome]) -> None:
    for o in outcomes:
        events.emit(
            "outcome",
            f"{o.address} {o.result}" + (f": {o.message}" if o.message else ""),
            outcome={
                "address": o.address,
                "type": o.type,
                "actions": list(o.actions),
                "result": o.result,
                "ok": o.ok,
                "resource_id": o.resource_id,
                "message": o.message,
            },
        )


def emit_outputs(body: dict[str, Any]) -> None:
    events.emit("outputs", f"outputs of stack `{body['stack']}`", outputs=body)


def emit_summary(message: str, exit_code: int, **fields: Any) -> None:
    events.emit("summary", message, summary={"exit_code": exit_code, **fields})


def findings_summary(findings: Sequence[Finding]) -> dict[str, int]:
    return counts(findings)
