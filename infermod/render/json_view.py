"""The plan's JSON form: the output of `plan --format json`, and the saved plan file.

Versioned by `format_version` (see README "Plan JSON format"); `from_json` reads it back so
that `show` and `apply PLANFILE` use exactly what was planned.
"""

from __future__ import annotations

from typing import Any

from infermod.findings import Finding, Location
from infermod.plan.model import FORMAT_VERSION, Cost, EndpointChange, FieldChange, Plan, ResourceChange


def to_json(plan: Plan) -> dict[str, Any]:
    cost = plan.monthly_cost()
    return {
        "format_version": FORMAT_VERSION,
        "infermod_version": plan.infermod_version,
        "stack": plan.stack,
        "created_at": plan.created_at,
        "sandbox": plan.sandbox,
        "destroy": plan.destroy,
        "configuration": {"files": list(plan.files), "digest": plan.config_digest},
        "prior_state": {"fingerprint": plan.state_fingerprint},
        "catalog_source": plan.catalog_source,
        "resource_changes": [_change(c) for c in plan.changes],
        "findings": [f.to_json() for f in plan.findings],
        "summary": {**plan.summary(), "has_changes": plan.has_changes},
        "cost": {
            "currency": plan.currency,
            "monthly_before": cost["before"],
            "monthly_after": cost["after"],
            "monthly_diff": cost["diff"],
            "complete": cost["complete"],
        },
    }


def _change(c: ResourceChange) -> dict[str, Any]:
    return {
        "address": c.address,
        "type": c.type,
        "key": c.key,
        "region": c.region,
        "project_id": c.project_id,
        "resource_id": c.resource_id,
        "status": c.status,
        "change": {
            "actions": list(c.actions),
            "before": c.before,
            "after": c.after,
            "fields": [f._asdict() for f in c.field_changes],
            "endpoints": [e._asdict() for e in c.endpoint_changes],
        },
        "action_reason": c.action_reason,
        "reasons": list(c.reasons),
        "downtime": c.downtime,
        "depends_on": list(c.depends_on),
        "cost": None
        if c.cost is None
        else {
            **c.cost._asdict(),
            "monthly_before": c.cost.monthly_before,
            "monthly_after": c.cost.monthly_after,
        },
    }


def from_json(data: dict[str, Any]) -> Plan:
    changes = tuple(
        ResourceChange(
            address=c["address"],
            type=c["type"],
            key=c["key"],
            region=c["region"],
            project_id=c["project_id"],
            actions=tuple(c["change"]["actions"]),
            resource_id=c["resource_id"],
            status=c["status"],
            before=c["change"]["before"],
            after=c["change"]["after"],
            field_changes=tuple(FieldChange(**f) for f in c["change"]["fields"]),
            endpoint_changes=tuple(EndpointChange(**e) for e in c["change"]["endpoints"]),
            action_reason=c["action_reason"],
            reasons=tuple(c["reasons"]),
            downtime=c["downtime"],
            depends_on=tuple(c["depends_on"]),
            cost=None
            if c["cost"] is None
            else Cost(c["cost"]["currency"], c["cost"]["hourly_before"], c["cost"]["hourly_after"]),
        )
        for c in data["resource_changes"]
    )
    findings = tuple(
        Finding(
            f["rule_id"],
            f["severity"],
            f["message"],
            f["resource"],
            Location(**f["location"]) if f["location"] else None,
            f["field"],
            f["hint"],
        )
        for f in data["findings"]
    )
    return Plan(
        stack=data["stack"],
        created_at=data["created_at"],
        infermod_version=data["infermod_version"],
        config_digest=data["configuration"]["digest"],
        state_fingerprint=data["prior_state"]["fingerprint"],
        files=tuple(data["configuration"]["files"]),
        changes=changes,
        findings=findings,
        catalog_source=data["catalog_source"],
        sandbox=data["sandbox"],
        currency=data["cost"]["currency"],
        destroy=data["destroy"],
    )
