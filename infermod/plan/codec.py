"""The plan's JSON form (`plan --format json`, saved plan files): the only place records become dicts.

Versioned by FORMAT_VERSION and documented in the README ("Plan JSON format"). `decode` is
the exact inverse of `encode`: `decode(encode(plan)) == plan`. A plan file is input, so
`decode` checks every type and raises ValueError naming the path of what is wrong.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from infermod.findings import SEVERITIES, Finding, Location
from infermod.plan.model import (
    CONSEQUENCE_KINDS,
    FORMAT_VERSION,
    ApiBinding,
    Consequence,
    Cost,
    EndpointChange,
    FieldChange,
    Plan,
    ResourceChange,
)
from infermod.records import SENSITIVE, Deployment, Endpoint, Model, Payload, Value

T = TypeVar("T")
JSON = dict[str, Any]


# ---- encode ---------------------------------------------------------------------------------
def encode(plan: Plan) -> JSON:
    from infermod.plan.durations import expected_duration

    cost = plan.monthly_cost()
    took = expected_duration(plan.changes)
    return {
        "format_version": FORMAT_VERSION,
        "infermod_version": plan.infermod_version,
        "stack": plan.stack,
        "created_at": plan.created_at,
        "sandbox": plan.sandbox,
        "api": _encode_api(plan.api),  # added in 1.6
        "destroy": plan.destroy,
        "targets": list(plan.targets),
        "replace": list(plan.replace),
        "configuration": {"files": list(plan.files), "digest": str(plan.config_digest)},
        "prior_state": {"fingerprint": plan.state_fingerprint},
        "catalog_source": plan.catalog_source,
        "resource_changes": [_encode_change(c) for c in plan.changes],
        "findings": [f.to_json() for f in plan.findings],
        "summary": {**plan.summary(), "has_changes": plan.has_changes},
        "cost": {
            "currency": plan.currency,
            "monthly_before": cost.before,
            "monthly_after": cost.after,
            "monthly_diff": cost.diff,
            "complete": cost.complete,
        },
        "expected_duration": took.to_json() if took is not None else None,  # added in 1.4
    }


def _encode_api(api: ApiBinding | None) -> JSON | None:
    if api is None:
        return None
    return {
        "sandbox": api.sandbox,
        "url": api.url,
        "organization_id": api.organization_id,
        "projects": list(api.projects),
    }


def _encode_change(c: ResourceChange) -> JSON:
    change = _encode_action(c)
    if c.importing is not None:  # as Terraform's: present only on a change that adopts (1.5)
        change["change"]["importing"] = {"id": c.importing}
    return change


def _encode_action(c: ResourceChange) -> JSON:
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
            "before": encode_payload(c.before),
            "after": encode_payload(c.after),
            "fields": [
                {
                    "field": f.field,
                    "before": _encode_value(f.before),
                    "after": _encode_value(f.after),
                    "forces_replacement": f.forces_replacement,
                    "downtime": f.downtime,
                }
                for f in c.field_changes
            ],
            "endpoints": [
                {
                    "action": e.action,
                    "network": e.network,
                    "endpoint_id": e.endpoint_id,
                    "before": encode_endpoint(e.before),
                    "after": encode_endpoint(e.after),
                }
                for e in c.endpoint_changes
            ],
        },
        "action_reason": c.action_reason,
        "reasons": list(c.reasons),
        "downtime": c.downtime,
        "consequences": [
            {"kind": q.kind, "severity": q.severity, "message": q.message} for q in c.consequences
        ],
        "alternative": c.alternative,
        "depends_on": list(c.depends_on),
        "cost": None
        if c.cost is None
        else {
            "currency": c.cost.currency,
            "hourly_before": c.cost.hourly_before,
            "hourly_after": c.cost.hourly_after,
            "monthly_before": c.cost.monthly_before,
            "monthly_after": c.cost.monthly_after,
        },
    }


def _encode_value(value: Value) -> Any:
    return list(value) if isinstance(value, tuple) else value


def encode_payload(p: Payload | None) -> JSON | None:
    if p is None:
        return None
    if isinstance(p, Deployment):
        out: JSON = {"id": p.id} if p.id is not None else {}
        out |= {"name": p.name, "model": p.model}
        if p.model_id is not None:
            out["model_id"] = p.model_id
        out |= {
            "node_type": p.node_type,
            "min_size": p.min_size,
            "max_size": p.max_size,
            "quantization": p.quantization,
            "region": p.region,
            "project_id": p.project_id,
            "tags": list(p.tags),
            "endpoints": [encode_endpoint(e) for e in p.endpoints],
        }
        if p.accept_eula is not None:
            out["accept_eula"] = p.accept_eula
        if p.status is not None:
            out["status"] = p.status
        return out
    out = {"id": p.id} if p.id is not None else {}
    out["name"] = p.name
    optional = (
        ("status", p.status),
        ("source", p.source),
        ("secret", None if p.has_secret is None else (SENSITIVE if p.has_secret else None)),
        ("type", p.type),
        ("api", p.api),
    )
    for key, value in optional:
        if value is not None or (key == "secret" and p.has_secret is not None):
            out[key] = value
    return out | {"region": p.region, "project_id": p.project_id}


def encode_endpoint(e: Endpoint | None) -> JSON | None:
    if e is None:
        return None
    out: JSON = {
        "public": e.public,
        "private_network_id": e.private_network_id,
        "disable_auth": e.disable_auth,
    }
    if e.url is not None:
        out["url"] = e.url
    return out


# ---- decode ---------------------------------------------------------------------------------
class _Reader:
    """Typed access to one JSON object, naming the path of whatever is missing or mistyped."""

    def __init__(self, data: object, path: str) -> None:
        if not isinstance(data, dict):
            raise ValueError(f"{path or 'the plan'}: expected an object")
        self.data: JSON = data
        self.path = path

    def _get(self, key: str, check: Callable[[object], bool], expected: str, default: object = ...) -> Any:
        if key not in self.data:
            if default is not ...:
                return default
            raise ValueError(f"{self.where(key)}: missing")
        value = self.data[key]
        if not check(value):
            raise ValueError(f"{self.where(key)}: expected {expected}, got {value!r}")
        return value

    def where(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def text(self, key: str) -> str:
        return str(self._get(key, lambda v: isinstance(v, str), "a string"))

    def opt_str(self, key: str, absent: bool = False) -> str | None:
        check: Callable[[object], bool] = lambda v: v is None or isinstance(v, str)  # noqa: E731
        value = self._get(key, check, "a string or null", None if absent else ...)
        return None if value is None else str(value)

    def integer(self, key: str) -> int:
        return int(self._get(key, _is_int, "an integer"))

    def opt_int(self, key: str) -> int | None:
        value = self._get(key, lambda v: v is None or _is_int(v), "an integer or null")
        return None if value is None else int(value)

    def opt_bool(self, key: str, absent: bool = False) -> bool | None:
        value = self._get(key, lambda v: isinstance(v, bool), "true or false", None if absent else ...)
        return None if value is None else bool(value)

    def flag(self, key: str) -> bool:
        return bool(self._get(key, lambda v: isinstance(v, bool), "true or false"))

    def opt_float(self, key: str) -> float | None:
        value = self._get(
            key, lambda v: v is None or (isinstance(v, int | float) and not isinstance(v, bool)), "a number"
        )
        return None if value is None else float(value)

    def strings(self, key: str, absent: tuple[str, ...] | None = None) -> tuple[str, ...]:
        """`absent`: the value when the key is missing (a field added in a minor version)."""
        default: object = ... if absent is None else list(absent)
        return tuple(self._get(key, _is_strings, "a list of strings", default))

    def objects(self, key: str, read: Callable[[_Reader], T]) -> tuple[T, ...]:
        items = self._get(key, lambda v: isinstance(v, list), "a list")
        return tuple(read(_Reader(item, f"{self.where(key)}[{i}]")) for i, item in enumerate(items))

    def object(self, key: str, read: Callable[[_Reader], T]) -> T | None:
        value = self._get(key, lambda v: v is None or isinstance(v, dict), "an object or null")
        return None if value is None else read(_Reader(value, self.where(key)))

    def value(self, key: str) -> Value:
        value = self._get(
            key,
            lambda v: v is None or isinstance(v, str | int) or _is_strings(v),
            "a value or a list of strings",
        )
        return tuple(value) if isinstance(value, list) else value


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_strings(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def decode(data: object) -> Plan:
    r = _Reader(data, "")
    conf = _Reader(r.data.get("configuration"), "configuration")
    cost = _Reader(r.data.get("cost"), "cost")
    plan = Plan(
        stack=r.text("stack"),
        created_at=r.text("created_at"),
        infermod_version=r.text("infermod_version"),
        config_digest=conf.text("digest"),
        state_fingerprint=_Reader(r.data.get("prior_state"), "prior_state").text("fingerprint"),
        files=conf.strings("files"),
        changes=r.objects("resource_changes", _decode_change),
        findings=r.objects("findings", _decode_finding),
        catalog_source=r.text("catalog_source"),
        sandbox=r.flag("sandbox"),
        currency=cost.text("currency"),
        destroy=r.flag("destroy"),
        targets=r.strings("targets", absent=()),  # added in 1.1
        replace=r.strings("replace", absent=()),
        api=r.object("api", _decode_api) if "api" in r.data else None,  # added in 1.6
    )
    _check_totals(r.data, plan)
    return plan


def _decode_api(r: _Reader) -> ApiBinding:
    return ApiBinding(
        sandbox=r.flag("sandbox"),
        url=r.text("url"),
        organization_id=r.opt_str("organization_id"),
        projects=r.strings("projects"),
    )


def _check_totals(data: JSON, plan: Plan) -> None:
    """The summary and cost totals a file states must be the ones its changes give: views
    recompute them, but a script reading the file (`jq .summary`) would believe a forged one.
    What a file leaves out states nothing false."""
    given = encode(plan)
    if "expected_duration" in data and data["expected_duration"] != given["expected_duration"]:
        raise ValueError(
            f"expected_duration: the file says {_brief(data['expected_duration'])}, its resource_changes "
            f"give {_brief(given['expected_duration'])}"
        )
    for key in ("summary", "cost"):
        stated = data.get(key)
        if not isinstance(stated, dict):
            continue
        for name, value in stated.items():
            if (
                name not in given[key]
                or given[key][name] != value
                or type(value) is not type(given[key][name])
            ):
                raise ValueError(
                    f"{key}.{name}: the file says {_brief(value)}, its resource_changes give "
                    f"{_brief(given[key].get(name))}"
                )


def _brief(value: object) -> str:
    import json

    text = json.dumps(value, sort_keys=True)
    return text if len(text) <= 160 else text[:157] + "..."


def _decode_change(r: _Reader) -> ResourceChange:
    kind = r.text("type")
    if kind not in ("deployment", "model"):
        raise ValueError(f"{r.where('type')}: expected deployment or model, got {kind!r}")
    change = _Reader(r.data.get("change"), r.where("change"))
    payload: Callable[[_Reader], Payload] = _decode_deployment if kind == "deployment" else _decode_model
    return ResourceChange(
        address=r.text("address"),
        type=kind,
        key=r.text("key"),
        region=r.text("region"),
        project_id=r.text("project_id"),
        actions=change.strings("actions"),
        resource_id=r.opt_str("resource_id"),
        status=r.opt_str("status"),
        before=change.object("before", payload),
        after=change.object("after", payload),
        field_changes=change.objects("fields", _decode_field),
        endpoint_changes=change.objects("endpoints", _decode_endpoint_change),
        action_reason=r.opt_str("action_reason"),
        reasons=r.strings("reasons"),
        downtime=r.opt_str("downtime"),
        depends_on=r.strings("depends_on"),
        cost=r.object("cost", _decode_cost),
        # absent from plans saved by formats 1.0 and 1.1
        consequences=r.objects("consequences", _decode_consequence) if "consequences" in r.data else (),
        alternative=r.opt_str("alternative", absent=True),
        importing=_importing(change),
    )


def _importing(change: _Reader) -> str | None:
    """The id a change adopts; absent from changes that adopt nothing, and before 1.5."""
    if "importing" not in change.data:
        return None
    return change.object("importing", lambda r: r.text("id"))


def _decode_consequence(r: _Reader) -> Consequence:
    kind, severity = r.text("kind"), r.text("severity")
    if kind not in CONSEQUENCE_KINDS:
        raise ValueError(f"{r.where('kind')}: expected one of {', '.join(CONSEQUENCE_KINDS)}")
    if severity not in ("info", "warning"):
        raise ValueError(f"{r.where('severity')}: expected info or warning")
    return Consequence(kind, severity, r.text("message"))


def _decode_deployment(r: _Reader) -> Deployment:
    return Deployment(
        name=r.text("name"),
        model=r.text("model"),
        model_id=r.opt_str("model_id", absent=True),
        node_type=r.text("node_type"),
        min_size=r.integer("min_size"),
        max_size=r.integer("max_size"),
        quantization=r.opt_int("quantization"),
        region=r.text("region"),
        project_id=r.text("project_id"),
        tags=r.strings("tags"),
        endpoints=r.objects("endpoints", _decode_endpoint),
        accept_eula=r.opt_bool("accept_eula", absent=True),
        id=r.opt_str("id", absent=True),
        status=r.opt_str("status", absent=True),
    )


def _decode_model(r: _Reader) -> Model:
    secret = r.opt_str("secret", absent=True)
    if secret not in (None, SENSITIVE):
        raise ValueError(f"{r.where('secret')}: expected {SENSITIVE!r} or null")  # never echo it
    return Model(
        name=r.text("name"),
        region=r.text("region"),
        project_id=r.text("project_id"),
        id=r.opt_str("id", absent=True),
        status=r.opt_str("status", absent=True),
        source=r.opt_str("source", absent=True),
        has_secret=(secret is not None) if "secret" in r.data else None,
        type=r.opt_str("type", absent=True),
        api=r.opt_str("api", absent=True),
    )


def _decode_endpoint(r: _Reader) -> Endpoint:
    return Endpoint(
        public=r.flag("public"),
        private_network_id=r.opt_str("private_network_id"),
        disable_auth=r.flag("disable_auth"),
        url=r.opt_str("url", absent=True),
    )


def _decode_field(r: _Reader) -> FieldChange:
    return FieldChange(
        r.text("field"), r.value("before"), r.value("after"), r.flag("forces_replacement"), r.flag("downtime")
    )


def _decode_endpoint_change(r: _Reader) -> EndpointChange:
    return EndpointChange(
        r.text("action"),
        r.text("network"),
        r.opt_str("endpoint_id"),
        r.object("before", _decode_endpoint),
        r.object("after", _decode_endpoint),
    )


def _decode_cost(r: _Reader) -> Cost:
    return Cost(r.text("currency"), r.opt_float("hourly_before"), r.opt_float("hourly_after"))


def _decode_finding(r: _Reader) -> Finding:
    severity = r.text("severity")
    if severity not in SEVERITIES:
        raise ValueError(f"{r.where('severity')}: expected one of {', '.join(SEVERITIES)}")
    return Finding(
        r.text("rule_id"),
        severity,
        r.text("message"),
        r.opt_str("resource"),
        r.object(
            "location", lambda loc: Location(loc.text("file"), loc.integer("line"), loc.integer("column"))
        ),
        r.opt_str("field"),
        r.opt_str("hint"),
    )
