"""The one place that knows how actions look (symbols, verbs), shared by text and markdown."""

from __future__ import annotations

from infermod import hints
from infermod.plan.model import Plan, ResourceChange
from infermod.records import KNOWN_AFTER_APPLY, SENSITIVE, Deployment, Endpoint, Payload

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


def verb(change: ResourceChange) -> str:
    """`will be imported`, and what else happens to it, for a change that adopts a deployment."""
    if change.importing is None:
        return VERB[change.actions]
    if change.actions == ("no-op",):
        return "will be imported"
    return "will be imported, then " + VERB[change.actions].removeprefix("will be ")


def summary_line(plan: Plan) -> str:
    if not plan.has_changes and plan.destroy:
        return f"No changes. No objects need to be destroyed: stack `{plan.stack}` owns nothing" + (
            " that --target selects." if plan.targets else " (anymore)."
        )
    if not plan.has_changes:
        return "No changes. Your deployments match the configuration."
    s = plan.summary()
    imported = f"{s['import']} to import, " if s["import"] else ""  # as Terraform says it
    return f"Plan: {imported}{s['add']} to add, {s['change']} to change, {s['destroy']} to destroy."


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
        return f'"{value}"' if value not in (KNOWN_AFTER_APPLY, SENSITIVE) else value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, Endpoint):
        return endpoint_text(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(show_value(v) for v in value) + "]"
    return str(value)


def access_words(e: Endpoint) -> str:
    return "no auth" if e.disable_auth else "auth required"


def endpoint_words(e: Endpoint) -> str:
    """How every view writes an endpoint: where it is, then who may call it."""
    where = "public" if e.public else f"private network {e.private_network_id}"
    return f"{where}, {access_words(e)}"


def endpoint_text(e: Endpoint) -> str:
    return endpoint_words(e)


def auth_turned_off(before: Endpoint | None, after: Endpoint | None) -> bool:
    """The change every view highlights: an existing endpoint stops asking for authentication."""
    return before is not None and after is not None and after.disable_auth and not before.disable_auth


def payload_fields(p: Payload | None) -> list[tuple[str, object]]:
    """A record's fields in the order of the JSON form, leaving out what is unset or empty."""
    if p is None:
        return []
    if isinstance(p, Deployment):
        items: list[tuple[str, object]] = list(p._asdict().items())
        order = ["id", *Deployment._fields[:11], "accept_eula", "status"]
    else:
        secret = None if p.has_secret is None else (SENSITIVE if p.has_secret else None)
        items = [*p._asdict().items(), ("secret", secret)]
        order = ["id", "name", "status", "source", "secret", "type", "api", "region", "project_id"]
    values = dict(items)
    return [(k, values[k]) for k in order if values[k] not in (None, (), [])]


def interesting(plan: Plan) -> list[ResourceChange]:
    return [c for c in plan.changes if c.changes_something]


def monthly_of(change: ResourceChange) -> float | None:
    """What a deployment costs a month once the plan is applied (before, for a deletion)."""
    if change.cost is None:
        return None
    return change.cost.monthly_before if change.actions == ("delete",) else change.cost.monthly_after


def deployment_of(change: ResourceChange) -> Deployment | None:
    """The deployment a row of a table shows: as it will be, or as it was for a deletion."""
    fields = change.after or change.before
    return fields if isinstance(fields, Deployment) else None


def targeting_warning(targets: tuple[str, ...]) -> str:
    """Terraform's warning for a partial plan, in words both renderers use."""
    return (
        "Warning: Resource targeting is in effect\n\n"
        f"This plan was made with --target ({', '.join(targets)}), so it may not include all the "
        "changes the configuration asks for. --target is for exceptional cases, such as recovering "
        f"from an error; run a full `{hints.command('plan')}` afterwards."
    )
