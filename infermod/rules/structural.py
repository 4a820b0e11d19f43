"""Rules a JSON Schema cannot express: references, sizes, uniqueness, endpoints."""

from __future__ import annotations

from collections import Counter
from typing import Any

from infermod.config.model import Config, DeploymentSpec, ModelSpec
from infermod.findings import Finding
from infermod.rules.security import security_findings


def structural_findings(config: Config, raw: dict[str, Any]) -> list[Finding]:
    findings: list[Finding] = []
    if not config.stack:
        findings.append(
            Finding(
                "stack-missing",
                "error",
                "`stack` is not set: it names what this configuration owns",
                location=config.where("version"),
                field="stack",
                hint="add `stack: my-team-chat` (lowercase letters, digits, hyphens)",
            )
        )
    findings.extend(_reference_findings(config, raw))
    models: dict[str, ModelSpec] = {}
    for model in config.models:
        models.setdefault(model.key, model)  # one lookup table, not a scan per deployment
    for dep in config.deployments:
        findings.extend(_deployment_findings(config, dep, raw["deployments"][dep.key], models))
    findings.extend(_duplicate_names(config))
    findings.extend(_model_findings(config, raw))
    findings.extend(security_findings(config))
    return findings


def _err(
    config: Config, rule: str, dep: DeploymentSpec, field: str, message: str, hint: str | None = None
) -> Finding:
    path = f"deployments.{dep.key}.{field}" if field else f"deployments.{dep.key}"
    return Finding(rule, "error", message, dep.address, config.where(path), path, hint)


def _reference_findings(config: Config, raw: dict[str, Any]) -> list[Finding]:
    """Runs on the raw data, so that it also covers deployments that failed the schema."""
    keys = set(raw["models"])
    out = []
    for key, item in raw["deployments"].items():
        model = item.get("model") if isinstance(item, dict) else None
        if isinstance(model, str) and len(model) <= 255 and model not in keys and "/" not in model:
            field = f"deployments.{key}.model"
            out.append(
                Finding(
                    "model-reference",
                    "error",
                    f"model `{model}` is neither a key under `models:` (defined: "
                    f"{', '.join(sorted(keys)) or 'none'}) nor a catalog model name like "
                    "`meta/llama-3.1-8b-instruct:fp8`",
                    f"deployment.{key}",
                    config.where(field),
                    field,
                )
            )
    return out


def _deployment_findings(
    config: Config, dep: DeploymentSpec, raw: dict[str, Any], models: dict[str, ModelSpec]
) -> list[Finding]:
    out: list[Finding] = []
    if "size" in raw and ("min_size" in raw or "max_size" in raw):
        out.append(_err(config, "size", dep, "size", "`size` cannot be combined with `min_size`/`max_size`"))
    elif dep.min_size != dep.max_size:
        out.append(
            _err(
                config,
                "size-autoscaling",
                dep,
                "max_size",
                f"max_size {dep.max_size} differs from min_size {dep.min_size}: the product does "
                "not autoscale, both must be equal",
                hint=f"set max_size: {dep.min_size} (or use `size:`)",
            )
        )
    networks = Counter(e.network for e in dep.endpoints)
    for network, count in networks.items():
        if count > 1:
            what = "public endpoint" if network == "public" else f"endpoint on {network}"
            out.append(
                _err(
                    config,
                    "endpoint-duplicate",
                    dep,
                    "endpoints",
                    f"more than one {what}: one endpoint per network",
                )
            )
    if dep.custom:
        model = models.get(dep.model)
        if model and (model.region, model.project_id) != (dep.region, dep.project_id):
            out.append(
                _err(
                    config,
                    "model-region",
                    dep,
                    "model",
                    f"custom model `{model.key}` is imported in {model.region}"
                    f"{'/' + model.project_id if model.project_id else ''} but the deployment is in "
                    f"{dep.region}{'/' + dep.project_id if dep.project_id else ''}: a model is only "
                    "usable in its own region and project",
                )
            )
        if dep.features:
            out.append(
                _err(
                    config,
                    "custom-model-features",
                    dep,
                    "features",
                    f"{', '.join(dep.features)} not available for custom models (docs: structured "
                    "outputs and function calling are not yet supported for custom models)",
                )
            )
    return out


def _duplicate_names(config: Config) -> list[Finding]:
    seen: dict[tuple[str, str | None, str], DeploymentSpec] = {}
    out = []
    for dep in config.deployments:
        key = (dep.region, dep.project_id, dep.name)
        if key in seen:
            out.append(
                _err(
                    config,
                    "name-duplicate",
                    dep,
                    "name" if dep.name != dep.key else "",
                    f"deployment name `{dep.name}` is already used by `{seen[key].key}` in "
                    f"{dep.region}: names must be unique per region and project",
                )
            )
        else:
            seen[key] = dep
    return out


MODEL_SOURCE = "model-source"  # neither `source` nor `id`: what `import model.KEY ID` resolves


def _model_findings(config: Config, raw: dict[str, Any]) -> list[Finding]:
    used = {
        d.get("model")
        for d in raw["deployments"].values()
        if isinstance(d, dict) and isinstance(d.get("model"), str)
    }
    out = []
    adopted: dict[str, str] = {}
    for key, item in raw["models"].items():  # raw: a model whose key the builder refuses counts too
        if isinstance(item, dict) and "source" not in item and "id" not in item:
            out.append(
                Finding(
                    MODEL_SOURCE,
                    "error",
                    "`source` is required (or `id`, to adopt an existing custom model)",
                    f"model.{key}",
                    config.locations.get(f"models.{key}"),
                    f"models.{key}",
                    "write `source: ORG/NAME` (the Hugging Face repository to import), or adopt an existing "
                    "model with `infermod import model.KEY ID`",
                )
            )
    for model in config.models:
        if model.id is not None and model.id in adopted:
            out.append(
                Finding(
                    "model-id-twice",
                    "error",
                    f"models `{adopted[model.id]}` and `{model.key}` both adopt model {model.id}: one model, one key",
                    model.address,
                    config.where(f"models.{model.key}.id"),
                    f"models.{model.key}.id",
                    "keep the `id` under one key, and point the deployments at that key",
                )
            )
        elif model.id is not None:
            adopted[model.id] = model.key
        if model.secret is not None and model.secret.origin == "literal":
            out.append(
                Finding(
                    "secret-literal",
                    "warning",
                    "the Hugging Face token is written in the file: anyone reading it can use it",
                    model.address,
                    config.where(f"models.{model.key}.secret"),
                    f"models.{model.key}.secret",
                    "write `secret: ${HF_TOKEN}` and set HF_TOKEN in the environment (a masked CI variable)",
                )
            )
        if model.key not in used:
            out.append(
                Finding(
                    "model-unused",
                    "info",
                    f"custom model `{model.key}` is not used by any deployment (it is still imported)",
                    model.address,
                    model.location,
                    f"models.{model.key}",
                )
            )
    return out
