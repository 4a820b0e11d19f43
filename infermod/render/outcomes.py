"""The report after apply or destroy: each change's outcome, then the totals."""

from __future__ import annotations

from infermod import output
from infermod.apply.outcome import Outcome
from infermod.render.printable import escape

IN_PROGRESS = ("still creating", "still deleting")


def render_outcomes(outcomes: list[Outcome]) -> str:
    """What apply did, one line per change, then the totals."""
    lines = [""]
    for o in outcomes:
        # in progress in Scaleway (the run ended first) is neither done nor failed
        mark = "ok " if o.ok else ".. " if o.result in IN_PROGRESS else "!! "
        detail = f": {escape(o.message)}" if o.message else ""
        ident = f" [{o.resource_id}]" if o.resource_id else ""  # what exists is named by its id
        lines.append(f"{mark}{o.address} {o.result}{ident}{detail}")
    deps = [o for o in outcomes if o.type == "deployment"]
    added = sum(1 for o in deps if o.result in ("created", "replaced"))
    creating = sum(1 for o in deps if o.result == "still creating")
    changed = sum(1 for o in deps if o.result == "updated")
    imported = sum(1 for o in deps if o.result == "imported" or (o.message or "").startswith("imported"))
    # a replacement interrupted after its old deployment was destroyed destroyed it all the same
    destroyed = sum(1 for o in deps if o.result in ("destroyed", "replaced") or o.destroyed)
    failed = [o for o in outcomes if not o.ok]
    models = sum(1 for o in outcomes if o.type == "model" and o.result in ("created", "replaced"))
    extra = f" Models: {models} imported." if models else ""
    adopted = f"{imported} imported, " if imported else ""  # as Terraform says it
    if creating:
        extra = f" {creating} still creating.{extra}"
    if failed:
        lines.append(
            output.style(
                f"Apply {'interrupted' if any(o.result in ('interrupted', 'not started') for o in failed) else 'failed'}! "
                f"{len(failed)} of {len(outcomes)} change(s) did not complete. "
                f"Deployments: {adopted}{added} added, {changed} changed, {destroyed} destroyed.{extra}",
                "red",
            )
        )
    else:
        lines.append(
            output.style(
                f"Apply complete! Deployments: {adopted}{added} added, {changed} changed, {destroyed} destroyed.{extra}",
                "green",
            )
        )
    return "\n".join(lines)


def render_destroy_outcomes(outcomes: list[Outcome]) -> str:
    """What destroy did: it speaks of destruction only; N counts every resource it deleted."""
    lines = [""]
    for o in outcomes:
        detail = f": {escape(o.message)}" if o.message else ""
        mark = "ok " if o.ok else ".. " if o.result in IN_PROGRESS else "!! "
        # named by its id, as apply's lines are: what still exists, and what is gone (for the audit)
        ident = f" [{o.resource_id}]" if o.resource_id else ""
        lines.append(f"{mark}{o.address} {o.result}{ident}{detail}")
    destroyed = sum(1 for o in outcomes if o.ok and o.result == "destroyed")
    failed = [o for o in outcomes if not o.ok]
    if failed:
        stopped = any(o.result in ("interrupted", "not started") for o in failed)
        lines.append(
            output.style(
                f"Destroy {'interrupted' if stopped else 'failed'}! {len(failed)} of {len(outcomes)} "
                f"resource(s) were not destroyed. {destroyed} destroyed.",
                "red",
            )
        )
    else:
        lines.append(output.style(f"Destroy complete! {destroyed} destroyed.", "green"))
    return "\n".join(lines)
