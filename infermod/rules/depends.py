"""Which fields each rule reads, so that a rule is skipped only where its input is broken."""

from __future__ import annotations

from collections.abc import Iterable

from infermod.findings import Finding

_NODE = ("region", "node_type")
_FIT = ("model", "region", "node_type")
DEPENDS: dict[str, tuple[str, ...]] = {
    "node-type-unknown": _NODE,
    "node-type-disabled": _NODE,
    "node-type-out-of-stock": _NODE,
    "node-type-low-stock": _NODE,
    "model-unknown": ("model", "region"),
    "model-reference": ("model",),
    "eula-required": ("model", "region", "accept_eula"),
    "model-node-type": _FIT,
    "quantization-not-allowed": (*_FIT, "quantization"),
    "context-size": (*_FIT, "quantization", "context_size"),
    "model-vram": (*_FIT, "quantization"),
    "lifecycle-preview": ("model",),
    "lifecycle-deprecated": ("model",),
    "lifecycle-eol-notice": ("model",),
    "lifecycle-eol-horizon": ("model",),
    "lifecycle-eol": ("model",),
    "lifecycle-unknown": ("model",),
    "size": ("size", "min_size", "max_size"),
    "size-autoscaling": ("size", "min_size", "max_size"),
    "endpoint-duplicate": ("endpoints",),
    "public-endpoint-without-auth": ("endpoints",),
    "model-region": ("model", "region", "project_id"),
    "custom-model-features": ("model", "features"),
    "name-duplicate": ("name", "region", "project_id"),
    "custom-model-beta": ("type",),
    "secret-literal": ("secret",),
    "model-unused": (),
    "model-id-twice": ("id",),
    "model-source": ("source", "id"),
}


def _section(resource: str) -> str:
    kind, _, key = resource.partition(".")
    return f"{kind}s.{key}"


def without_dependent(findings: Iterable[Finding], broken: set[str]) -> list[Finding]:
    """Drop the rule findings that read a broken field: their problem is already reported.
    A rule not in the table is taken to read every field of its resource."""
    if not broken:
        return list(findings)
    under = _by_prefix(broken)
    out = []
    for f in findings:
        if f.resource is None:
            out.append(f)
            continue
        prefix = _section(f.resource)
        mine = under.get(prefix, set())
        reads = DEPENDS.get(f.rule_id)
        hit = bool(mine) if reads is None else any(f"{prefix}.{name}" in mine for name in reads)
        if not hit:
            out.append(f)
    return out


def _by_prefix(broken: set[str]) -> dict[str, set[str]]:
    """Each broken path under each of its dotted prefixes (itself included), so that a
    resource's broken fields are one lookup: 10,000 findings over 10,000 broken fields stay
    linear instead of comparing every finding with every field."""
    under: dict[str, set[str]] = {}
    for path in broken:
        parts = path.split(".")
        for end in range(1, len(parts) + 1):
            under.setdefault(".".join(parts[:end]), set()).add(path)
    return under
