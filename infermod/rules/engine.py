"""All catalog-based rules for a configuration, in one call (validate and plan share it)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from infermod.catalog import Catalog
from infermod.config.load import LoadResult, load_config, load_sources
from infermod.config.model import Config
from infermod.findings import Finding
from infermod.rules.fit import fit_findings
from infermod.rules.lifecycle import lifecycle_findings


def load_checked_config(args: Sequence[str], environ: Mapping[str, str] | None = None) -> LoadResult:
    """The configuration with every finding that needs no API: schema, then the structural rules."""
    return _checked(load_config(args, environ))


def load_checked_sources(
    sources: Sequence[tuple[str, str]], environ: Mapping[str, str] | None = None
) -> LoadResult:
    """The same for a configuration given as (path, text) pairs (a plan file's)."""
    return _checked(load_sources(sources, environ))


def _checked(result: LoadResult) -> LoadResult:
    from infermod.rules.depends import without_dependent
    from infermod.rules.structural import structural_findings

    if result.config is None or result.raw is None:
        return result
    structural = without_dependent(structural_findings(result.config, result.raw), set(result.broken))
    return result._replace(findings=result.findings + structural)


def checked_findings(
    result: LoadResult, catalog: Catalog, eol_horizon: int | None, check_models: bool
) -> list[Finding]:
    """The catalog, lifecycle (and custom-model) rules, even on a configuration with errors:
    its broken fields are left out of it, and so are the findings of the rules that read one
    (or read a field already reported wrong), so each problem is said once."""
    from infermod.config.salvage import broken_fields
    from infermod.rules.depends import without_dependent

    if result.config is None:
        return []
    checked = catalog_findings(result.config, catalog, eol_horizon)
    if check_models:
        checked += custom_model_findings(result.config, catalog)
    broken = set(result.broken) | broken_fields(result.findings, rules=None)
    return without_dependent(checked, broken)


def catalog_findings(config: Config, catalog: Catalog, eol_horizon: int | None) -> list[Finding]:
    return fit_findings(config, catalog) + lifecycle_findings(config, catalog, eol_horizon)


OVERHEAD = 1.1  # weights need some headroom for the runtime; the KV cache is on top


def custom_model_findings(config: Config, catalog: Catalog) -> list[Finding]:
    """Read each custom model's files (Hugging Face, through huggingface_hub) and check them,
    then estimate its weights against the GPU memory of the node types that would run it."""
    from infermod.rules.custom_model import check_model
    from infermod.rules.model_source import HubSource

    out: list[Finding] = []
    for model in config.models:
        if not model.repo_id:  # an adopted model written without its source: nothing to read
            continue
        source = HubSource(model.repo_id, model.secret.reveal() if model.secret else None)
        report = check_model(source, model.type, identity=model.repo_id, resource=model.address)
        out += [
            f._replace(location=model.location, field=f"models.{model.key}")
            for f in report.findings
            if f.rule_id != "model-api"
        ]
        for dep in config.deployments:
            node = catalog.node_types.get((dep.region, dep.node_type))
            weights = report.weights_bytes(dep.quantization or 16)
            if dep.model != model.key or node is None or weights is None:
                continue
            imported = catalog.custom(dep.region, model.name, model.id)
            if imported is not None and imported.support:
                continue  # once imported, the API's `allowed` per node type is the verdict (fit.py)
            if weights * OVERHEAD > node.vram_bytes:
                path = f"deployments.{dep.key}.node_type"
                out.append(
                    Finding(
                        "model-vram",
                        "error",
                        f"custom model `{model.key}` has {report.parameters:,} parameters: about {weights / 2**30:.0f} GiB of weights at "
                        f"{dep.quantization or 16} bits, more than the {node.vram_bytes / 2**30:.0f} GiB of GPU memory of {dep.node_type} "
                        "(infermod's estimate: Scaleway's catalog gives no verdict before the import)",
                        dep.address,
                        config.where(path),
                        path,
                        "use a node type with more GPU memory, or quantize further",
                    )
                )
    return out
