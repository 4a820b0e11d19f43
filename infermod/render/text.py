"""The human view of a plan, in the manner of `terraform plan`."""

from __future__ import annotations

from collections.abc import Sequence

from infermod.output import style
from infermod.plan.durations import slowest
from infermod.plan.model import EndpointChange, FieldChange, Plan, ResourceChange
from infermod.records import COMPARED, Deployment, Endpoint, Payload
from infermod.render.findings import findings_text
from infermod.render.printable import printable_plan
from infermod.render.symbols import (
    COLOR,
    SYMBOL,
    access_words,
    auth_turned_off,
    deployment_of,
    endpoint_text,
    interesting,
    money,
    monthly_of,
    payload_fields,
    show_value,
    signed,
    summary_line,
    targeting_warning,
    verb,
)
from infermod.wrap import width, wrap

# Every field a deployment update compares, then the custom model's own.
SHOWN_FIELDS = (*COMPARED, "source", "type", "api", "secret")


def render_text(plan: Plan, columns: int | None = None) -> str:
    """The plan for people, each line within `columns` (default: the terminal's, or 80)."""
    columns = columns or width()
    plan = printable_plan(plan)
    lines: list[str] = []
    if plan.sandbox:
        lines.append(style("[sandbox] this plan is against the local sandbox emulator, not Scaleway", "cyan"))
    changes = interesting(plan)
    if changes:
        lines += ["infermod will perform the following actions:", ""]
        for change in changes:
            lines += [*_resource(change), ""]
    busy = [c for c in plan.changes if not c.changes_something and c.status and c.status != "ready"]
    lines += [f"  # {c.address} is {c.status} (no changes planned)" for c in busy] + ([""] if busy else [])
    if plan.findings:
        lines += ["Findings:"] + ["  " + line for line in findings_text(plan.findings)] + [""]
    table = _table(plan, columns)
    if table:
        lines += [table, ""]
    lines.append(_cost_line(plan))
    took = slowest(plan.changes)
    if took:
        lines.append(took)
    lines.append(style(summary_line(plan), "bold"))
    if plan.targets:
        lines += [""] + [style(line, "yellow") for line in wrap([targeting_warning(plan.targets)], columns)]
    return "\n".join(wrap(lines, columns))


def _resource(c: ResourceChange) -> list[str]:
    symbol = SYMBOL[c.actions]
    color = COLOR.get(symbol, "bold")
    out = [style(f"  # {c.address} {verb(c)}", "bold")]
    for reason in c.reasons:
        out.append(f"  # ({reason})")
    out.append(style(f'{symbol:>3} {c.type} "{c.key}" {{', color))
    if c.actions == ("create",):
        out += [f"      + {k:<13} = {show_value(v)}" for k, v in _fields(c.after)]
        out += [f"      + {'endpoint':<13} = {endpoint_text(e)}" for e in _endpoints(c.after)]
    elif c.actions == ("delete",):
        out += [f"      - {k:<13} = {show_value(v)}" for k, v in _fields(c.before)]
        out += [f"      - {'endpoint':<13} = {endpoint_text(e)}" for e in _endpoints(c.before)]
    else:
        out += [_field_line(c, f) for f in c.field_changes]
        out += [_endpoint_line(e) for e in c.endpoint_changes]
    if c.resource_id:
        out.append(f'        id            = "{c.resource_id}"')
    out.append("    }")
    for q in c.consequences:
        said = f"    {'!' if q.severity == 'warning' else '='} {q.message}"
        out.append(style(said, "yellow") if q.severity == "warning" else said)
    if c.alternative:
        out.append(f"    > {c.alternative}")
    return out


def _field_line(c: ResourceChange, f: FieldChange) -> str:
    note = ""
    if f.forces_replacement:
        note = "  # forces replacement"
    elif f.downtime and c.actions == ("update",):
        note = "  # redeploys: downtime"
    return f"      ~ {f.field:<13} = {show_value(f.before)} -> {show_value(f.after)}{note}"


def _endpoint_line(e: EndpointChange) -> str:
    if e.before is not None and e.after is not None:
        line = f"      ~ {'endpoint':<13} = {endpoint_text(e.before)} -> {access_words(e.after)}"
        if auth_turned_off(e.before, e.after):
            return style(line + "  # ! authentication turned OFF", "red")
        return line
    mark = "+" if e.action == "create" else "-"
    shown = e.after or e.before
    return f"      {mark} {'endpoint':<13} = {endpoint_text(shown) if shown else e.network}"


def _fields(p: Payload | None) -> list[tuple[str, object]]:
    values = dict(payload_fields(p))
    return [(k, values[k]) for k in SHOWN_FIELDS if k in values]


def _endpoints(p: Payload | None) -> tuple[Endpoint, ...]:
    return p.endpoints if isinstance(p, Deployment) else ()


def _table(plan: Plan, columns: int = 80) -> str:
    """The changed deployments; the unchanged ones as a count (a big stack stays readable).
    Too wide for `columns`, the longest addresses lose their beginning (the key is at the end)."""
    rows = []
    unchanged = sum(1 for c in plan.changes if c.type == "deployment" and not c.changes_something)
    for c in plan.changes:
        if c.type != "deployment" or not c.changes_something:
            continue
        fields = deployment_of(c)
        monthly = monthly_of(c)
        rows.append(
            [
                SYMBOL[c.actions].strip() or "=",
                c.address,
                _region(c),
                fields.node_type if fields else None,
                fields.min_size if fields else None,
                money(monthly, plan.currency),
                c.status or "-",
            ]
        )
    more = [f"({unchanged:,} unchanged deployment(s) not shown)"] if unchanged else []
    if not rows:
        return "\n".join(more)
    table = _tabulate(rows)
    over = max(len(line) for line in table.splitlines()) - columns
    if over > 0:
        longest = max(len(str(row[1])) for row in rows)
        keep = max(longest - over, 16)
        for row in rows:
            address = str(row[1])
            row[1] = address if len(address) <= keep else "..." + address[-(keep - 3) :]
        table = _tabulate(rows)
    return "\n".join([table, *more])


def _tabulate(rows: Sequence[Sequence[object]]) -> str:
    from tabulate import tabulate  # only a plan with changes draws a table

    return tabulate(
        rows,
        headers=["", "deployment", "region", "node type", "nodes", "monthly", "status"],
        tablefmt="simple",
        disable_numparse=[0, 1, 2, 3, 5, 6],  # only `nodes` holds numbers: 2.5x faster, same table
    )


def _region(c: ResourceChange) -> str:
    """Where the deployment is, and where it goes when a replacement moves it: the change's
    own region is the old one, and a move is what a reviewer must see in the summary."""
    before, after = c.before, c.after
    if isinstance(before, Deployment) and isinstance(after, Deployment) and before.region != after.region:
        return f"{before.region} -> {after.region}"
    return c.region


def _cost_line(plan: Plan) -> str:
    cost = plan.monthly_cost()
    note = "" if cost.complete else " (some prices unknown)"
    return (
        f"Monthly cost: {money(cost.before, plan.currency)} -> {money(cost.after, plan.currency)} "
        f"({signed(cost.diff, plan.currency)}){note}, at 730 hours a month"
    )
