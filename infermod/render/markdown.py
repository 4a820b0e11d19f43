"""The merge-request view: summary first, destructive changes called out, details folded,
and never longer than a GitLab note may be."""

from __future__ import annotations

from infermod.plan.model import Plan, ResourceChange
from infermod.render.symbols import (
    SYMBOL,
    VERB,
    deployment_of,
    interesting,
    money,
    monthly_of,
    payload_fields,
    show_value,
    signed,
    summary_line,
    targeting_warning,
)

GITLAB_NOTE_LIMIT = 1_000_000  # characters
_SEVERITY_ICON = {"error": "🛑", "warning": "⚠️", "info": "ℹ️"}  # noqa: RUF001 - the emoji is meant


def render_markdown(plan: Plan, header: str = "", limit: int = GITLAB_NOTE_LIMIT) -> str:
    head = _head(plan, header)
    details = [_details(c) for c in interesting(plan)]
    tail = _tail(plan)
    body = head + "".join(details) + tail
    if len(body) <= limit:
        return body
    kept: list[str] = []
    budget = limit - len(head) - len(tail) - 300
    for block in details:
        if budget - len(block) < 0:
            break
        kept.append(block)
        budget -= len(block)
    dropped = len(details) - len(kept)
    note = (
        f"\n> **Note:** details of {dropped} resource(s) were left out to fit GitLab's note size limit; "
        "the full plan is in the job log and the plan artifact.\n\n"
    )
    return (head + "".join(kept) + note + tail)[:limit]


def _head(plan: Plan, header: str) -> str:
    lines = []
    if header:
        lines.append(header)
    sandbox = " (sandbox)" if plan.sandbox else ""
    lines.append(f"### infermod plan{sandbox} — stack `{plan.stack}`\n")
    lines.append(f"**{summary_line(plan)}**\n")
    cost = plan.monthly_cost()
    lines.append(
        f"Monthly cost: {money(cost.before, plan.currency)} → {money(cost.after, plan.currency)} "
        f"(**{signed(cost.diff, plan.currency)}**)\n"
    )
    if plan.targets:
        title, _, body = targeting_warning(plan.targets).partition("\n\n")
        lines.append(
            f"> [!warning]\n> **{title.removeprefix('Warning: ')}**\n>\n> {body.replace(chr(10), ' ')}\n"
        )
    destructive = [c for c in plan.changes if "delete" in c.actions]
    if destructive:
        lines.append("> [!warning]\n> **This plan deletes or replaces resources:**")
        for c in destructive:
            lines.append(
                f"> - `{SYMBOL[c.actions]}` **{c.address}** {VERB[c.actions]} — {'; '.join(c.reasons)}"
            )
        lines.append("")
    downtime = [c for c in plan.changes if c.downtime]
    for c in downtime:
        lines.append(f"> ⏳ **{c.address}**: {c.downtime}")
    if downtime:
        lines.append("")
    rows = [c for c in plan.changes if c.type == "deployment" or c.changes_something]
    if rows:
        lines.append("| | resource | region | node type | nodes | monthly | status |")
        lines.append("|---|---|---|---|---|---|---|")
        for c in rows:
            fields = deployment_of(c)
            monthly = money(monthly_of(c), plan.currency) if fields else ""
            lines.append(
                f"| `{SYMBOL[c.actions].strip() or '='}` | {c.address} | {c.region} | {fields.node_type if fields else ''} | "
                f"{fields.min_size if fields else ''} | {monthly} | {c.status or ''} |"
            )
        lines.append("")
    if plan.findings:
        lines.append("#### Findings\n")
        for f in plan.findings:
            where = f" (`{f.location}`)" if f.location else ""
            lines.append(f"- {_SEVERITY_ICON[f.severity]} **{f.severity}** `{f.rule_id}`{where}: {f.message}")
        lines.append("")
    return "\n".join(lines) + "\n"


def _details(c: ResourceChange) -> str:
    lines = [
        f"<details><summary><code>{SYMBOL[c.actions]}</code> {c.address} {VERB[c.actions]}</summary>\n",
        "```diff",
    ]
    if c.actions == ("create",):
        lines += [f"+ {k}: {show_value(v)}" for k, v in payload_fields(c.after)]
    elif c.actions == ("delete",):
        lines += [f"- {k}: {show_value(v)}" for k, v in payload_fields(c.before)]
    else:
        for f in c.field_changes:
            lines.append(f"- {f.field}: {show_value(f.before)}")
            lines.append(
                f"+ {f.field}: {show_value(f.after)}{'   # forces replacement' if f.forces_replacement else ''}"
            )
        for e in c.endpoint_changes:
            if e.before:
                lines.append(f"- {e.before.label}: disable_auth={show_value(e.before.disable_auth)}")
            if e.after:
                lines.append(f"+ {e.after.label}: disable_auth={show_value(e.after.disable_auth)}")
    lines.append("```")
    if c.reasons:
        lines.append("\n" + "\n".join(f"*{r}*" for r in c.reasons))
    lines.append("</details>\n")
    return "\n".join(lines) + "\n"


def _tail(plan: Plan) -> str:
    return (
        f"\n<sub>infermod {plan.infermod_version} · config {plan.config_digest[:19]} · "
        f"state {plan.state_fingerprint[:19]} · catalog {plan.catalog_source} · {plan.created_at}</sub>\n"
    )
