"""The emulator's catalog, built from the shipped data file into API-shaped JSON."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from infermod.catalogdata import catalog_data

EPOCH = "2025-01-15T09:00:00Z"
PUBLIC_PROJECT_ID = "00000000-0000-0000-0000-000000000000"  # public catalog models (recorded traffic)
BITS = (4, 8, 16, 32)  # the order the recordings list public models' quantizations in


def raw_catalog() -> dict[str, Any]:
    return catalog_data()


def stable_id(*parts: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "infermod-emulator:" + "/".join(parts)))


def resolve_day(offset_days: int | None, today: dt.date) -> str | None:
    if offset_days is None:
        return None
    day = today + dt.timedelta(days=offset_days)
    return f"{day.isoformat()}T00:00:00Z"


def regions() -> tuple[str, ...]:
    """The regions of the data file."""
    return tuple(raw_catalog()["regions"])


def _data_region(region: str) -> str:
    """A region the emulator was told to serve beyond its data (to try INFERMOD_REGIONS) gets
    a copy of the data file's first region."""
    return region if region in regions() else regions()[0]


def node_types(region: str) -> list[dict[str, Any]]:
    out = []
    source = _data_region(region)
    for nt in raw_catalog()["node_types"]:
        if source not in nt["regions"]:
            continue
        out.append(
            {
                "name": nt["name"],
                "stock_status": nt["regions"][source],
                "description": nt["description"],
                "vcpus": nt["vcpus"],
                "memory": nt["memory"],
                "vram": nt["vram"],
                "disabled": bool(nt.get("disabled", False)),
                "beta": bool(nt.get("beta", False)),
                "gpus": nt["gpus"],
                "region": region,
                "created_at": EPOCH,
                "updated_at": EPOCH,
            }
        )
    return out


def public_models(region: str) -> list[dict[str, Any]]:
    """The region's catalog models as the real API lists them: under the zero project, no
    `error_message`, and every node type of the region for every model, with all
    quantizations `allowed: false, max_context_size: 0` where the model cannot run."""
    cat = raw_catalog()
    names = [n["name"] for n in node_types(region)]
    out = []
    for m in cat["models"]:
        if _data_region(region) not in m["regions"]:
            continue
        out.append(
            {
                "id": stable_id("model", region, m["name"]),
                "name": m["name"],
                "project_id": cat["public_project_id"],
                "tags": m.get("tags") or [m.get("type", "chat")],
                "status": "ready",
                "description": m["description"],
                "has_eula": m["has_eula"],
                "region": region,
                "nodes_support": [{"nodes": [_every_bits(name, m["nodes_support"]) for name in names]}],
                "parameter_size_bits": m["parameter_size_bits"],
                "size_bytes": m["size_bytes"],
                "created_at": EPOCH,
                "updated_at": EPOCH,
                "_end_of_life_in_days": m["lifecycle"].get("end_of_life_in_days"),
            }
        )
    return out


def _every_bits(node_type: str, supported: list[dict[str, Any]]) -> dict[str, Any]:
    known = {
        q["quantization_bits"]: q
        for n in supported
        if n["node_type_name"] == node_type
        for q in n["quantizations"]
        if q["allowed"]
    }
    return {
        "node_type_name": node_type,
        "quantizations": [
            {
                "quantization_bits": bits,
                "allowed": bits in known,
                "max_context_size": known[bits]["max_context_size"] if bits in known else 0,
            }
            for bits in BITS
        ],
    }


def products(today: dt.date, served: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    cat = raw_catalog()
    out: list[dict[str, Any]] = []
    for nt in cat["node_types"]:
        for region in served or regions():
            if _data_region(region) in nt["regions"]:
                out.append(_node_product(nt, region, cat["currency"]))
    for m in cat["models"]:
        out.append(_model_product(m, today))
    return out


def _money(amount: float, currency: str) -> dict[str, Any]:
    units = int(amount)
    return {"currency_code": currency, "units": units, "nanos": round((amount - units) * 1e9)}


def _node_product(nt: dict[str, Any], region: str, currency: str) -> dict[str, Any]:
    return {
        "sku": f"/managed-inference/deployment/{region}/{nt['name'].lower()}",
        "service_category": "AI",
        "product_category": "Managed Inference",
        "product": f"Dedicated Deployment {nt['name']}",
        "variant": nt["name"],
        "description": nt["description"],
        "status": "public_beta" if nt.get("beta") else "general_availability",
        "badges": [],
        "locality": {"region": region},
        "price": {"retail_price": _money(nt["price_per_hour"], currency)},
        "properties": {
            "managed_inference": {
                "instance_gpu_name": nt["name"],
                "deployment": {"instance_gpu_name": nt["name"]},
            }
        },
        "unit_of_measure": {"unit": "hour", "size": 1},
    }


def _model_product(m: dict[str, Any], today: dt.date) -> dict[str, Any]:
    life = m["lifecycle"]
    provider = m["name"].split("/")[0]
    return {
        "sku": f"/generative-apis/models/{m['name'].split(':')[0]}",
        "service_category": "AI",
        "product_category": "Generative APIs",
        "product": m["display"],
        "variant": m["name"],
        "description": m["description"],
        "status": life["status"],
        "badges": [],
        "locality": {"global": True},
        "properties": {
            "generative_apis": {
                "reasoning": False,
                "supported_apis": ["/v1/embeddings"]
                if m.get("type") == "embedding"
                else ["/v1/chat/completions"],
                "consumption_mode": "realtime",
                "provider_name": provider,
                "tasks": ["embeddings"] if m.get("type") == "embedding" else ["chat"],
                "token_type": "unknown_token_type",
                "supported_reasoning_values": [],
            }
        },
        "end_of_life_at": resolve_day(life.get("end_of_life_in_days"), today),
        "end_of_sale_at": resolve_day(life.get("end_of_sale_in_days"), today),
    }
