"""A saved plan is verified, not trusted: its changes must equal, exactly, the changes derived
again from the configuration it embeds and the current state.

Apply then carries out the derived plan, so nothing written only in the file (an added
delete, a flipped `disable_auth`) can ever reach the API.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from infermod.findings import Finding, dayless
from infermod.plan.codec import encode
from infermod.plan.model import Plan


def first_difference(recorded: Plan, derived: Plan) -> str | None:
    """None when the recorded changes are the derived ones; else the first difference, in words."""
    if recorded.stack != derived.stack:
        return f"stack: the plan file says `{recorded.stack}`, its configuration says `{derived.stack}`"
    bound = binding_difference(recorded, derived)
    if bound is not None:
        return bound
    if recorded.destroy != derived.destroy:
        return f"destroy: the plan file says {_show(recorded.destroy)}, the derived plan {_show(derived.destroy)}"
    ours = encode(recorded)["resource_changes"]
    theirs = encode(derived)["resource_changes"]
    for i, (a, b) in enumerate(zip(ours, theirs, strict=False)):
        where = f"resource_changes[{i}] ({a.get('address')})"
        if a.get("address") != b.get("address"):
            return (
                f"{where}: the plan file has {a.get('address')} {_actions(a)} where the derived plan has "
                f"{b.get('address')} {_actions(b)}"
            )
        found = _walk(a, b, "")
        if found is not None:
            path, left, right = found
            return f"{where}{path}: the plan file says {_show(left)}, the derived plan {_show(right)}"
    if len(ours) > len(theirs):
        extra = ours[len(theirs)]
        return (
            f"resource_changes[{len(theirs)}]: the plan file has {extra.get('address')} {_actions(extra)}, "
            "which the derived plan does not"
        )
    if len(theirs) > len(ours):
        missing = theirs[len(ours)]
        return (
            f"resource_changes[{len(ours)}]: the derived plan has {missing.get('address')} {_actions(missing)}, "
            "which the plan file does not"
        )
    return _hidden_finding(recorded, derived)


def binding_difference(recorded: Plan, derived: Plan) -> str | None:
    """A plan is bound to the API it was made against (1.6): the sandbox or an API URL, the
    organization and the projects read. A file that records no API (older than 1.6, or with
    its `api` taken out) binds nothing, so it is never applied."""
    if recorded.sandbox != derived.sandbox:
        return (
            f"sandbox: the plan file says {_show(recorded.sandbox)}, the derived plan {_show(derived.sandbox)} "
            f"(it would be applied to {_where(derived)})"
        )
    if recorded.api is None or derived.api is None:
        if recorded.api == derived.api:
            return None
        return (
            "api: the plan file records no API (plan format 1.5 or older, or its `api` was taken out); "
            f"it would be applied to {_where(derived)}"
        )
    for field in recorded.api._fields:
        mine, now = getattr(recorded.api, field), getattr(derived.api, field)
        if mine != now:
            return (
                f"api.{field}: the plan file says {_show(_plain(mine))}, the derived plan {_show(_plain(now))} "
                f"(the plan was made against {_where(recorded)}; it would be applied to {_where(derived)})"
            )
    return None


def _where(plan: Plan) -> str:
    if plan.api is None:
        return "the sandbox" if plan.sandbox else "an API the plan file does not record"
    return "the sandbox" if plan.api.sandbox else plan.api.url


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


def _hidden_finding(recorded: Plan, derived: Plan) -> str | None:
    """The findings must be the derived ones, exactly: rule, severity, message, resource, field,
    hint and location. A finding the file lacks was never seen by a reviewer; one the file has
    and the derivation does not (a severity lowered to `info` with another message) is a forgery.

    `policy-*` findings the derived plan adds come from gates given now, which apply enforces on
    its own; every policy finding the file records must still be derived.

    Hints are left out (see `compared_finding`). Counts of days are left out of the comparison: a plan reviewed yesterday that warned of an
    End-of-Life "in 55 days" still holds today ("in 54 days"); a change of severity (the
    End-of-Life came inside `--eol-horizon`, or passed) is still a difference."""
    derived_all = Counter(map(compared_finding, derived.findings))
    recorded_all = Counter(map(compared_finding, recorded.findings))
    for f in map(compared_finding, recorded.findings):
        if recorded_all[f] > derived_all[f]:
            return f"findings: the plan file has {_finding(f)}, which the derived plan does not"
    for f in map(compared_finding, derived.findings):
        if not f.rule_id.startswith("policy-") and derived_all[f] > recorded_all[f]:
            return f"findings: the derived plan has {_finding(f)}, which the plan file does not"
    return None


def compared_finding(f: Finding) -> Finding:
    """What a finding says of the plan: its hint is left out, since a hint names the options of
    the command that printed it (`--sandbox -f FILE` at plan time, none when the plan file is
    applied), and it is advice to a person that nothing carries out."""
    return dayless(f)._replace(hint=None)


def _finding(f: Finding) -> str:
    where = f" at {f.location}" if f.location else ""
    return f"{f.severity} `{f.rule_id}` on {f.field or f.resource}{where}: {_show(f.message)}"


def _walk(a: Any, b: Any, path: str) -> tuple[str, Any, Any] | None:
    if isinstance(a, dict) and isinstance(b, dict):
        for key in list(a) + [k for k in b if k not in a]:
            found = _walk(a.get(key), b.get(key), f"{path}.{key}")
            if found is not None:
                return found
        return None
    if isinstance(a, list) and isinstance(b, list):
        for i, (x, y) in enumerate(zip(a, b, strict=False)):
            found = _walk(x, y, f"{path}[{i}]")
            if found is not None:
                return found
        if len(a) != len(b):
            return (f"{path} (length)", len(a), len(b))
        return None
    if a != b:
        return (path, a, b)
    return None


def _actions(change: dict[str, Any]) -> str:
    actions = (change.get("change") or {}).get("actions")
    return "(" + ", ".join(str(a) for a in actions) + ")" if isinstance(actions, list) else ""


def _show(value: Any) -> str:
    text = json.dumps(value)
    return text if len(text) <= 120 else text[:117] + "..."
