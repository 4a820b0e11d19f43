"""Custom model imports: what the emulated import finds on its stand-in Hugging Face."""

from __future__ import annotations

from typing import Any

from infermod.emulator import catalog

CUSTOM_BITS = (32, 16, 8, 4)  # the order the recordings list custom models' quantizations in
CUSTOM_CONTEXT = 32768


def import_error(repo: str, info: dict[str, Any] | None, has_secret: bool) -> str | None:
    if info is None:
        return f"could not access https://huggingface.co/{repo}: repository not found, or gated/private without a valid token"
    if info.get("error"):
        return str(info["error"])
    if info.get("gated") and not has_secret:
        return f"https://huggingface.co/{repo} is gated: a Hugging Face token with access is required"
    return None


def support(region: str, info: dict[str, Any]) -> list[dict[str, Any]]:
    """Every node type of the region, as the real API lists them: those the weights fit on
    allow the model's own precision; the others allow nothing (max_context_size 0)."""
    bits = int(info.get("bits", 16))
    weights = info.get("parameters", 0) * bits / 8
    out = []
    for node in catalog.node_types(region):
        fits = weights * 1.2 <= node["vram"]
        out.append(
            {
                "node_type_name": node["name"],
                "quantizations": [
                    {
                        "quantization_bits": b,
                        "allowed": fits and b == bits,
                        "max_context_size": CUSTOM_CONTEXT if fits and b == bits else 0,
                    }
                    for b in CUSTOM_BITS
                ],
            }
        )
    return out


def new_record(
    model_id: str, region: str, project: str, name: str, url: str, has_secret: bool, now: str
) -> dict[str, Any]:
    repo = url[len("https://huggingface.co/") :].strip("/")
    info = catalog.raw_catalog()["hub_repositories"].get(repo)
    error = import_error(repo, info, has_secret)
    bits = int((info or {}).get("bits", 16))
    record: dict[str, Any] = {
        "id": model_id,
        "name": name or repo,
        "project_id": project,
        "tags": ["custom"],
        "status": "preparing",
        "description": "",
        "has_eula": False,
        "region": region,
        "nodes_support": [] if error else [{"nodes": support(region, info or {})}],
        "parameter_size_bits": 0 if error else bits,
        "size_bytes": 0 if error else int((info or {}).get("parameters", 0) * bits / 8),
        "created_at": now,
        "updated_at": None,
    }
    if error:
        record["_error"] = error
    elif (info or {}).get("cached"):
        record["_cached"] = True
    return record
