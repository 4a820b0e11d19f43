"""Each check confirms one documented assumption with GET requests only.

The ids (A1...) are those of docs/scaleway-api-assumptions.md. A check answers `ok`,
`differs` (the API does not behave as infermod assumes: report it) or `skipped` (it could
not be checked with these credentials).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

from infermod.catalog import lifecycle_names

PUBLIC_PROJECT_ID = "00000000-0000-0000-0000-000000000000"
ZERO_ID = "00000000-0000-4000-8000-000000000000"  # a well-formed id no resource has


class Check(NamedTuple):
    id: str
    assumption: str
    result: str  # ok | differs | skipped
    detail: str


class Context(NamedTuple):
    get: Callable[[str, dict[str, Any]], tuple[int, Any]]  # (path, query) -> (status, JSON body)
    region: str
    project_id: str | None
    organization_id: str | None


def _verdict(cid: str, assumption: str, problems: list[str], good: str) -> Check:
    if problems:
        return Check(cid, assumption, "differs", "; ".join(problems[:5]))
    return Check(cid, assumption, "ok", good)


def _models(ctx: Context, **query: Any) -> list[dict[str, Any]]:
    status, body = ctx.get(f"/inference/v1/regions/{ctx.region}/models", {"page_size": 1000, **query})
    if status != 200 or not isinstance(body, dict):
        raise LookupError(f"GET models answered {status}")
    return list(body.get("models") or [])


def public_project(ctx: Context) -> Check:
    assumption = "catalog models belong to project 00000000-0000-0000-0000-000000000000"
    models = _models(ctx)
    public = [m for m in models if m.get("project_id") == PUBLIC_PROJECT_ID]
    problems = [] if public else [f"none of {len(models)} models is in the zero project"]
    return _verdict("A1", assumption, problems, f"{len(public)} of {len(models)} models")


def project_filter(ctx: Context) -> Check:
    assumption = "listing models with project_id hides the public catalog"
    if not ctx.project_id:
        return Check("A2", assumption, "skipped", "no default project id")
    leaked = [
        m["name"] for m in _models(ctx, project_id=ctx.project_id) if m.get("project_id") == PUBLIC_PROJECT_ID
    ]
    problems = [f"{len(leaked)} catalog models listed under your project filter"] if leaked else []
    return _verdict("A2", assumption, problems, "no catalog model under your project filter")


def every_node_type(ctx: Context) -> Check:
    assumption = "every model lists every node type; one it cannot run on allows no quantization"
    status, body = ctx.get(f"/inference/v1/regions/{ctx.region}/node-types", {"page_size": 100})
    offered = {n["name"] for n in (body or {}).get("node_types", [])} if status == 200 else set()
    problems = []
    models = [m for m in _models(ctx) if m.get("project_id") == PUBLIC_PROJECT_ID]
    for m in models:
        listed = {n["node_type_name"] for s in m.get("nodes_support") or [] for n in s.get("nodes") or []}
        if offered and not offered <= listed:
            problems.append(f"{m['name']} does not list {', '.join(sorted(offered - listed))}")
    return _verdict("A3", assumption, problems, f"{len(models)} models, {len(offered)} node types")


def allowed_context(ctx: Context) -> Check:
    assumption = "a quantization is allowed exactly when its max_context_size is above 0"
    problems = []
    for m in _models(ctx):
        for s in m.get("nodes_support") or []:
            for n in s.get("nodes") or []:
                for q in n.get("quantizations") or []:
                    if bool(q.get("allowed")) != (int(q.get("max_context_size") or 0) > 0):
                        problems.append(
                            f"{m['name']} on {n['node_type_name']} at {q.get('quantization_bits')} bits"
                        )
    return _verdict("A4", assumption, problems, "all quantizations agree")


def statuses(ctx: Context) -> Check:
    from scaleway.inference.v1 import DeploymentStatus, ModelStatus

    assumption = "deployment and model statuses are those of the SDK (locked and deleted included)"
    if not ctx.project_id:
        return Check("A5", assumption, "skipped", "no default project id")
    status, body = ctx.get(
        f"/inference/v1/regions/{ctx.region}/deployments", {"project_id": ctx.project_id, "page_size": 100}
    )
    if status != 200:
        return Check("A5", assumption, "skipped", f"GET deployments answered {status}")
    known = {s.value for s in DeploymentStatus}
    seen = {d.get("status") for d in (body or {}).get("deployments", [])}
    models = {m.get("status") for m in _models(ctx)}
    problems = [f"unknown deployment status {s}" for s in sorted(map(str, seen - known))]
    problems += [
        f"unknown model status {s}" for s in sorted(map(str, models - {s.value for s in ModelStatus}))
    ]
    return _verdict(
        "A5", assumption, problems, f"deployment statuses seen: {', '.join(sorted(map(str, seen))) or 'none'}"
    )


def not_found_bodies(ctx: Context) -> Check:
    assumption = "a missing resource is a 404 not_found naming `deployment` / `Model`"
    problems = []
    for path, resource in (("deployments", "deployment"), ("models", "Model")):
        status, body = ctx.get(f"/inference/v1/regions/{ctx.region}/{path}/{ZERO_ID}", {})
        got = (status, (body or {}).get("type"), (body or {}).get("resource"))
        if got != (404, "not_found", resource):
            problems.append(f"GET {path}/<unknown id> answered {got}")
    return _verdict("A6", assumption, problems, "both 404 not_found")


def lifecycle_entries(ctx: Context) -> Check:
    assumption = "each catalog model has a Product Catalog entry whose variant is its name (or part of it)"
    status, body = ctx.get(
        "/product-catalog/v2alpha1/public-catalog/products",
        {"product_types": "generative_apis", "page_size": 100},
    )
    if status != 200:
        return Check("A7", assumption, "skipped", f"GET products answered {status}")
    variants = {p.get("variant") for p in (body or {}).get("products", [])}
    names = [m["name"] for m in _models(ctx) if m.get("project_id") == PUBLIC_PROJECT_ID]
    missing = [n for n in names if not variants & set(lifecycle_names(n))]
    problems = (
        [f"{len(missing)} of {len(names)} models have no entry (lifecycle-unknown): {', '.join(missing[:5])}"]
        if missing
        else []
    )
    return _verdict("A7", assumption, problems, f"{len(names)} models matched")


def quotas(ctx: Context) -> Check:
    assumption = "node quotas are per organization; the IAM quota API names them"
    if not ctx.organization_id:
        return Check(
            "A8", assumption, "skipped", "set SCW_DEFAULT_ORGANIZATION_ID to list the organization's quotas"
        )
    status, body = ctx.get("/iam/v1alpha1/quota", {"organization_id": ctx.organization_id, "page_size": 100})
    if status != 200:
        return Check("A8", assumption, "skipped", f"GET /iam/v1alpha1/quota answered {status}")
    found = [
        f"{q.get('name')}={q.get('limit', 'unlimited' if q.get('unlimited') else '?')}"
        for q in (body or {}).get("quota", [])
        if any(word in str(q.get("name", "")).lower() for word in ("inference", "gpu", "h100", "l40s", "l4"))
    ]
    detail = ", ".join(found) or "no quota named after inference or GPUs"
    return Check("A8", assumption, "ok", detail + " (compare with --node-quota / INFERMOD_NODE_QUOTA)")


ALL: tuple[Callable[[Context], Check], ...] = (
    public_project,
    project_filter,
    every_node_type,
    allowed_context,
    statuses,
    not_found_bodies,
    lifecycle_entries,
    quotas,
)
