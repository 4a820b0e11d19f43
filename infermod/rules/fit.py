"""Does each deployment fit what the catalog offers in its region?"""

from __future__ import annotations

from infermod.catalog import Catalog, ModelInfo
from infermod.config.model import Config, DeploymentSpec
from infermod.findings import Finding


def fit_findings(config: Config, catalog: Catalog) -> list[Finding]:
    out: list[Finding] = []
    for dep in config.deployments:
        out.extend(_node_type(config, catalog, dep))
        info = _model_info(config, catalog, dep)
        if info is None:
            if not dep.custom:
                available = sorted(
                    name for (region, name) in catalog.models if region == dep.region and "--" not in name
                )
                out.append(
                    _f(
                        config,
                        dep,
                        "model",
                        "model-unknown",
                        "error",
                        f"`{dep.model}` is not in the {dep.region} catalog",
                        f"available in {dep.region}: {', '.join(available)}",
                    )
                )
            continue
        out.extend(_model_fit(config, catalog, dep, info))
    return out


def _f(
    config: Config,
    dep: DeploymentSpec,
    field: str,
    rule: str,
    severity: str,
    message: str,
    hint: str | None = None,
) -> Finding:
    path = f"deployments.{dep.key}.{field}"
    return Finding(rule, severity, message, dep.address, config.where(path), path, hint)


def _model_info(config: Config, catalog: Catalog, dep: DeploymentSpec) -> ModelInfo | None:
    if dep.custom:
        model = config.model(dep.model)
        return catalog.custom(dep.region, model.name, model.id) if model else None
    return catalog.models.get((dep.region, dep.model))


def _node_type(config: Config, catalog: Catalog, dep: DeploymentSpec) -> list[Finding]:
    node = catalog.node_types.get((dep.region, dep.node_type))
    if node is None:
        offered = sorted(n for (r, n), t in catalog.node_types.items() if r == dep.region and not t.disabled)
        return [
            _f(
                config,
                dep,
                "node_type",
                "node-type-unknown",
                "error",
                f"node type `{dep.node_type}` is not offered in {dep.region}",
                f"offered in {dep.region}: {', '.join(offered)}",
            )
        ]
    if node.disabled:
        return [
            _f(
                config,
                dep,
                "node_type",
                "node-type-disabled",
                "error",
                f"node type `{dep.node_type}` is disabled in {dep.region}",
            )
        ]
    if node.stock == "out_of_stock":
        return [
            _f(
                config,
                dep,
                "node_type",
                "node-type-out-of-stock",
                "error",
                f"node type `{dep.node_type}` is out of stock in {dep.region}: a create would be refused",
                "choose another node type or region, or retry later",
            )
        ]
    if node.stock == "low_stock":
        return [
            _f(
                config,
                dep,
                "node_type",
                "node-type-low-stock",
                "warning",
                f"node type `{dep.node_type}` has low stock in {dep.region}",
            )
        ]
    return []


def _model_fit(config: Config, catalog: Catalog, dep: DeploymentSpec, info: ModelInfo) -> list[Finding]:
    out = []
    if info.has_eula and not dep.accept_eula:
        out.append(
            _f(
                config,
                dep,
                "accept_eula",
                "eula-required",
                "error",
                f"`{dep.model}` has an End User License Agreement that must be accepted",
                "read the EULA, then set accept_eula: true",
            )
        )
    node = catalog.node_types.get((dep.region, dep.node_type))
    if node is None:
        return out  # node-type-unknown says it; "cannot run on" it would say it twice
    if dep.custom and not info.support:
        return out  # not imported yet (or the import failed): nothing to check against
    # The real API lists every node type for every model; one the model cannot run on has
    # every quantization `allowed: false, max_context_size: 0` (the snapshot simply omits it).
    support = info.support.get(dep.node_type, ())
    if not any(q.allowed for q in support):
        runnable = sorted(name for name, qs in info.support.items() if any(q.allowed for q in qs))
        out.append(
            _f(
                config,
                dep,
                "node_type",
                "model-node-type",
                "error",
                f"`{dep.model}` cannot run on {dep.node_type}",
                f"supported node types: {', '.join(runnable) or 'none'}",
            )
        )
        return out
    allowed = [q for q in support if q.allowed]
    chosen = (
        next((q for q in allowed if q.bits == dep.quantization), None)
        if dep.quantization
        else max(allowed, key=lambda q: q.bits, default=None)
    )
    if dep.quantization and chosen is None:
        out.append(
            _f(
                config,
                dep,
                "quantization",
                "quantization-not-allowed",
                "error",
                f"{dep.quantization}-bit quantization is not allowed for `{dep.model}` on {dep.node_type}",
                f"allowed: {', '.join(str(q.bits) for q in allowed) or 'none'}",
            )
        )
    if chosen is not None and dep.context_size and dep.context_size > chosen.max_context_size:
        out.append(
            _f(
                config,
                dep,
                "context_size",
                "context-size",
                "error",
                f"context size {dep.context_size} exceeds the {chosen.max_context_size} tokens `{dep.model}` offers on "
                f"{dep.node_type} at {chosen.bits} bits",
                "use a larger node type or a lower quantization, or ask for less context",
            )
        )
    # The API's `allowed` and `max_context_size` are the verdict: no estimate of infermod's
    # overrules them (the VRAM estimate is only for a custom model not imported yet, engine.py).
    return out
