"""The merge-request view: a refusal first, then one table row per changed resource with
every difference as before → after, what it does to users, and the findings about it.

Unchanged resources are one count, so the note stays small whatever the stack's size, and
never longer than a GitLab note may be.
"""

from __future__ import annotations

from collections.abc import Sequence

from infermod.findings import Finding, sort_findings
from infermod.lazyre import lazy
from infermod.plan.durations import slowest
from infermod.plan.model import Consequence, Plan, ResourceChange
from infermod.records import Deployment, Endpoint, Model
from infermod.render.printable import printable_plan
from infermod.render.symbols import (
    SYMBOL,
    access_words,
    auth_turned_off,
    endpoint_words,
    interesting,
    money,
    show_value,
    signed,
    summary_line,
    targeting_warning,
    verb,
)

GITLAB_NOTE_LIMIT = 1_000_000  # characters
_ICON = {"error": "🛑", "warning": "⚠️", "info": "ℹ️"}  # noqa: RUF001 - the emoji is meant


def render_markdown(plan: Plan, header: str = "", limit: int = GITLAB_NOTE_LIMIT) -> str:
    plan = printable_plan(plan)
    changed = interesting(plan)
    head = _head(plan, header, len(plan.changes) - len(changed))
    rows = [_row(c, _about(plan.findings, c.address)) for c in changed]
    table = _TABLE_HEAD if rows else ""
    others = _other_findings(plan, {c.address for c in changed})
    footer = _tail(plan)
    body = head + table + "".join(rows) + "\n" + "".join(others) + footer
    if len(body) <= limit:
        return body
    return _fitted(plan, changed, head + table, rows, others, footer, limit)


def _fitted(
    plan: Plan,
    changed: Sequence[ResourceChange],
    top: str,
    rows: list[str],
    others: list[str],
    footer: str,
    limit: int,
) -> str:
    """The note cut to GitLab's limit, and still honest: the rows a reviewer must see (a
    finding, a warning, a deletion) are kept first; any of them left out is still named with
    its findings and warnings, in one short line each; the rest are counted. Other findings
    that do not fit are counted too, and the footer always stays."""
    room = limit - len(top) - len(footer) - 400  # 400: the note saying what was left out
    if sum(map(len, others)) > room:  # kept whole when they fit, else half the room
        others = _cut(others, max(room // 2, 0), "- … {} more finding(s): see the job log\n")
    room -= sum(map(len, others))
    alerts = {i: _alert(c, _about(plan.findings, c.address)) for i, c in enumerate(changed)}
    alerting = [i for i, line in alerts.items() if line]
    room -= sum(len(alerts[i]) for i in alerting)  # said in the note if its row is left out
    kept: set[int] = set()
    for i in [*alerting, *(i for i in range(len(rows)) if not alerts[i])]:
        cost = len(rows[i]) - len(alerts[i])
        if room - cost < 0:
            break
        kept.add(i)
        room -= cost
    left = len(rows) - len(kept)
    note = (
        f"\n> **Note:** {left} changed resource(s) were left out to fit GitLab's note size limit; "
        "the full plan is in the job log and the plan artifact.\n"
    )
    missed = [alerts[i] for i in alerting if i not in kept]
    if missed:
        note += (
            f">\n> **{len(missed)} of them have findings, warnings or deletions**, listed here "
            "(their rows are in the job log):\n"
        )
        note += "".join(_cut(missed, max(room + sum(map(len, missed)), 0), "> - … and {} more\n"))
    kept_rows = "".join(row for i, row in enumerate(rows) if i in kept)
    return (top + kept_rows + note + "\n" + "".join(others) + footer)[:limit]


def _alert(c: ResourceChange, findings: Sequence[Finding]) -> str:
    """One short line of the note for a row a reviewer must not miss (what it deletes, each finding's
    rule, each warning consequence), or "" for one without any."""
    said = [f"{_ICON[f.severity]} `{f.rule_id}`" for f in findings if f.severity in ("error", "warning")]
    said += [_consequence(q) for q in c.consequences if q.severity == "warning"]
    if not said and "delete" not in c.actions:
        return ""
    return f"> - **{c.address}** {verb(c)}" + (": " + "; ".join(said) if said else "") + "\n"


def _cut(lines: list[str], room: int, more: str) -> list[str]:
    """The first lines that fit in `room` characters, then how many more there are."""
    if sum(map(len, lines)) <= room:
        return lines
    out: list[str] = []
    used = len(more) + 12
    for line in lines:
        if used + len(line) > room:
            break
        out.append(line)
        used += len(line)
    return [*out, more.format(len(lines) - len(out))]


_TABLE_HEAD = (
    "| | resource | what changes (before → after) | consequences and findings |\n|---|---|---|---|\n"
)


def _head(plan: Plan, header: str, unchanged: int) -> str:
    lines = [header] if header else []
    sandbox = " (sandbox)" if plan.sandbox else ""
    lines.append(f"### infermod plan{sandbox} — stack {inline_code(plan.stack)}\n")
    refusals = _refusals(plan.findings)
    if refusals:
        lines.append("> [!caution]\n> **This plan was refused and cannot be applied:**")
        lines += [f"> - {_finding(f, with_resource=True)}" for f in refusals]
        lines.append("")
    counts = summary_line(plan)
    lines.append(f"**{counts}**" + (f" · {unchanged:,} unchanged" if unchanged else "") + "\n")
    destructive = [c for c in plan.changes if "delete" in c.actions]
    if destructive:
        which = ", ".join(f"{c.address} ({'replaced' if c.is_replace else 'destroyed'})" for c in destructive)
        lines.append(f"> [!warning]\n> **This plan deletes or replaces resources:** {which}\n")
    cost = plan.monthly_cost()
    lines.append(
        f"Monthly cost: {money(cost.before, plan.currency)} → {money(cost.after, plan.currency)} "
        f"(**{signed(cost.diff, plan.currency)}**)"
        + ("" if cost.complete else " (some prices unknown)")
        + "\n"
    )
    took = slowest(plan.changes)
    if took:
        lines.append(took + "\n")
    if plan.targets:
        title, _, body = targeting_warning(plan.targets).partition("\n\n")
        lines.append(
            f"> [!warning]\n> **{title.removeprefix('Warning: ')}**\n>\n> {body.replace(chr(10), ' ')}\n"
        )
    return "\n".join(lines) + "\n"


def _row(c: ResourceChange, findings: Sequence[Finding]) -> str:
    what = _changes(c)
    said = [_consequence(q) for q in c.consequences]
    if c.alternative:
        said.append(f"↔️ {inline_text(c.alternative)}")
    said += [_finding(f) if f.severity != "error" else _refuses(f) for f in findings]
    reasons = "<br>".join(f"*{inline_text(r)}*" for r in c.reasons)
    resource = f"**{inline_text(c.address)}** {verb(c)}" + (f"<br>{reasons}" if reasons else "")
    return (
        f"| `{SYMBOL[c.actions]}` | {resource} | {'<br>'.join(what) or '—'} | {'<br>'.join(said) or '—'} |\n"
    )


def _changes(c: ResourceChange) -> list[str]:
    if c.actions == ("create",):
        return _payload(c.after)
    if c.actions == ("delete",):
        return _payload(c.before)
    out = []
    for f in c.field_changes:
        forced = " (forces replacement)" if f.forces_replacement else ""
        out.append(f"{f.field}: {_value(f.before)} → {_value(f.after)}{forced}")
    for e in c.endpoint_changes:
        if e.before is not None and e.after is not None:
            after = access_words(e.after)
            shown = f"**{after}** ⚠️" if auth_turned_off(e.before, e.after) else after
            out.append(f"{_network(e.before)} endpoint: {access_words(e.before)} → {shown}")
        elif e.after is not None:
            out.append(f"endpoint added: {inline_text(endpoint_words(e.after))}")
        elif e.before is not None:
            out.append(f"endpoint removed: {inline_text(endpoint_words(e.before))}")
    return out


def _payload(p: Deployment | Model | None) -> list[str]:
    if isinstance(p, Deployment):
        nodes = f"{p.min_size} node{'s' if p.min_size != 1 else ''}"
        quant = f", {p.quantization}-bit" if p.quantization else ""
        out = [
            f"{inline_code(p.model)}{quant} on {nodes} of {inline_code(p.node_type)} in {inline_text(p.region)}"
        ]
        out += [f"endpoint: {inline_text(endpoint_words(e))}" for e in p.endpoints]
        if p.tags:
            out.append("tags: " + ", ".join(inline_code(t) for t in p.tags))
        return out
    if isinstance(p, Model):
        kind = f" ({inline_text(p.type)})" if p.type else ""
        return [
            f"custom model {inline_code(p.name)}{kind}"
            + (f" from {inline_text(p.source)}" if p.source else "")
        ]
    return []


def _network(e: Endpoint) -> str:
    return "public" if e.public else f"private network {inline_text(str(e.private_network_id))}"


def _value(value: object) -> str:
    text = show_value(value).strip('"')
    return inline_code(text) if text else '`""`'


def _consequence(q: Consequence) -> str:
    icon = "⚠️" if q.severity == "warning" else "✅" if q.kind == "no-downtime" else "ℹ️"  # noqa: RUF001
    return f"{icon} {inline_text(q.message)}"


def _finding(f: Finding, with_resource: bool = False) -> str:
    about = f" on **{inline_text(f.resource)}**" if with_resource and f.resource else ""
    where = f" ({inline_code(str(f.location))})" if f.location else ""
    return f"{_ICON[f.severity]} **{f.severity}** `{f.rule_id}`{about}{where}: {inline_text(f.message)}"


def _refusals(findings: Sequence[Finding]) -> list[Finding]:
    """What refuses the plan: every error and, under `--fail-on warning`, every warning."""
    by_warnings = any(f.rule_id == "policy-fail-on" for f in findings)
    refusing = ("error", "warning") if by_warnings else ("error",)
    return [f for f in sort_findings(findings) if f.severity in refusing]


def _refuses(f: Finding) -> str:
    """Errors are spelled out in the refusal at the top; the row points at them."""
    return f"{_ICON['error']} refuses the plan: `{f.rule_id}` (see above)"


def _about(findings: Sequence[Finding], address: str) -> list[Finding]:
    return [f for f in sort_findings(findings) if f.resource == address]


def _other_findings(plan: Plan, shown: set[str]) -> list[str]:
    """Findings not already in a row: about unchanged resources or the whole configuration
    (errors are all in the refusal at the top); the heading, then one line each."""
    rest = [f for f in sort_findings(plan.findings) if f.severity != "error" and f.resource not in shown]
    if not rest:
        return []
    return ["#### Other findings\n\n"] + [f"- {_finding(f, with_resource=True)}\n" for f in rest]


def inline_text(text: str) -> str:
    """Free text inside a table cell, which names, tags and API messages flow into: it must
    render as the same words, never as markup that hides what follows (raw HTML such as
    `<details>`, a pipe ending the cell, emphasis, links). Our own messages quote code in
    `backticks`: each such span is kept as code, made safe; every other markup character is
    escaped, a stray backtick too."""
    out = []
    for m in _SPANS.finditer(_one_line(text)):
        code = m.group("code")
        out.append(inline_code(code[1:-1]) if code else _MARKUP.sub(r"\\\g<0>", m.group(0)))
    return "".join(out)


def inline_code(text: str) -> str:
    """`text` as one inline code span whatever it holds: the fence is longer than any run of
    backticks inside (GitLab and CommonMark close a span only on a run of equal length), and
    a pipe is escaped, since GFM splits table cells on pipes even inside code spans."""
    text = _one_line(text).replace("|", "\\|")
    fence = "`" * (max((len(r) for r in _TICKS.findall(text)), default=0) + 1)
    pad = " " if text.startswith(("`", " ")) or text.endswith(("`", " ")) else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _one_line(text: str) -> str:
    """A line ending (CR, LF or both, as in an API's error message) would end the row."""
    return text.replace("\r\n", " ").replace("\r", " ").replace("\n", " ")


_SPANS = lazy(r"[^`]+|(?P<code>`[^`]+`)|`")
# Underscores inside a word and an ampersand that starts no entity are plain text in GFM:
# left alone, so `create_before_destroy` stays readable in the note's source.
_MARKUP = lazy(r"[\\`*\[\]<>|~]|&(?=[#A-Za-z])|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")
_TICKS = lazy(r"`+")


def _tail(plan: Plan) -> str:
    return (
        f"\n<sub>infermod {plan.infermod_version} · config {str(plan.config_digest)[:19]} · "
        f"state {plan.state_fingerprint[:19]} · catalog {plan.catalog_source} · {plan.created_at}</sub>\n"
    )
