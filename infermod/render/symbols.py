"""The one place that knows how actions look (symbols, verbs), shared by text and markdown."""

from __future__ import annotations

from infermod.plan.model import Plan, ResourceChange

SYMBOL = {
    ("create",): "+",
    ("update",): "~",
    ("delete",): "-",
    ("delete", "create"): "-/+",
    ("create", "delete"): "+/-",
    ("no-op",): " ",
}
VERB = {
    ("create",): "will be created",
    ("update",): "will be updated in place",
    ("delete",): "will be destroyed",
    ("delete", "create"): "must be replaced",
    ("create", "delete"): "must be replaced (create before destroy)",
    ("no-op",): "has no changes",
}
COLOR = {"+": "green", "~": "yellow", "-": "red", "-/+": "red", "+/-": "yellow"}


def summary_line(plan: Plan) -> str:
    if not plan.has_changes:
        return "No changes. Your deployments match the configuration."
    s = plan.summary()
    return f"Plan: {s['add']} to add, {s['change']} to change, {s['destroy']} to destroy."


def money(value: float | None, currency: str) -> str:
    if value is None:
        return "unknown"
    return f"{value:,.2f} {currency}"


def signed(value: float | None, currency: str) -> str:
    if value is None:
        return "unknown"
    return f"{'+' if value >= 0 else '-'}{abs(value):,.2f} {currency}"


def show_value(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, str):
        return f'"{value}"' if value != "(known after apply)" and value != "(sensitive)" else value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(show_value(v) for v in value) + "]"
    return str(value)


def endpoint_label(network: str) -> str:
    return (
        "public endpoint"
        if network == "public"
        else f"endpoint on private network {network.split(':', 1)[1]}"
    )


def interesting(plan: Plan) -> list[ResourceChange]:
    return [c for c in plan.changes if c.changes_something]


def monthly_of(change: ResourceChange) -> float | None:
    """What a deployment costs a month once the plan is applied (before, for a deletion)."""
    if change.cost is None:
        return None
    return change.cost.monthly_before if change.actions == ("delete",) else change.cost.monthly_after
