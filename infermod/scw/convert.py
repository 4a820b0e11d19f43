"""SDK objects to infermod's plain data: the actual state and the live catalog.

Semantics the real API has and the conversion honours (docs/scaleway-api-assumptions.md):
public catalog models belong to the zero project; every model lists every node type, with no
`allowed` quantization where it cannot run; a deployment in status `deleted` is gone.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, NamedTuple

from infermod.catalog import Catalog, Lifecycle, ModelInfo, NodeType, Quantization, stage_of, utc_today
from infermod.scw.statuses import GONE
from infermod.state import PUBLIC_PROJECT_ID, ActualDeployment, ActualEndpoint, ActualModel, ActualState


class RegionRead(NamedTuple):
    region: str
    project_id: str
    deployments: list[Any] = []
    models: list[Any] = []
    node_types: list[Any] = []


def _iso(value: dt.datetime | None) -> str:
    return value.isoformat() if value else ""


def to_deployment(d: Any) -> ActualDeployment:
    return ActualDeployment(
        id=d.id,
        name=d.name,
        region=str(d.region),
        project_id=d.project_id,
        status=str(d.status),
        tags=tuple(d.tags or ()),
        node_type=d.node_type_name,
        model_id=d.model_id,
        model_name=d.model_name,
        min_size=d.min_size,
        max_size=d.max_size,
        size=d.size,
        quantization=d.quantization.bits if d.quantization else None,
        endpoints=tuple(
            ActualEndpoint(
                id=e.id,
                public=e.private_network is None,
                private_network_id=e.private_network.private_network_id if e.private_network else None,
                disable_auth=bool(e.disable_auth),
                url=e.url or "",
            )
            for e in d.endpoints or ()
        ),
        error_message=d.error_message,
        created_at=_iso(d.created_at),
        updated_at=_iso(d.updated_at),
    )


def to_model(m: Any) -> ActualModel:
    return ActualModel(
        m.id, m.name, str(m.region), m.project_id, str(m.status), m.error_message, _iso(m.updated_at)
    )


def to_model_info(m: Any) -> ModelInfo:
    support = {
        node.node_type_name: tuple(
            Quantization(q.quantization_bits, q.allowed, q.max_context_size) for q in node.quantizations
        )
        for info in m.nodes_support or ()
        for node in info.nodes
    }
    return ModelInfo(
        m.id,
        m.name,
        str(m.region),
        bool(m.has_eula),
        m.parameter_size_bits,
        m.size_bytes,
        support,
        str(m.status),
        m.error_message,
    )


def state_of(reads: list[RegionRead]) -> ActualState:
    deployments = [  # already ActualDeployment: read from JSON (scw/listing.py)
        d for r in reads for d in r.deployments if d.project_id == r.project_id and d.status not in GONE
    ]
    models = [to_model(m) for r in reads for m in r.models if m.project_id == r.project_id]
    return ActualState(tuple(deployments), tuple(models), tuple((r.region, r.project_id) for r in reads))


def catalog_of(reads: list[RegionRead], products: list[Any]) -> Catalog:
    node_types = {
        (r.region, n.name): NodeType(
            n.name, r.region, n.gpus, n.vram, str(n.stock_status), n.disabled, n.beta
        )
        for r in reads
        for n in r.node_types
    }
    projects = {r.project_id for r in reads}
    models: dict[tuple[str, str], ModelInfo] = {}
    for r in reads:
        for m in r.models:
            # the public catalog, and the custom models of the projects read (the rules look
            # them up by name); other projects' custom models cannot be deployed here
            if m.project_id == PUBLIC_PROJECT_ID or m.project_id in projects:
                models[(r.region, m.name)] = to_model_info(m)
    prices: dict[tuple[str, str], float] = {}
    lifecycle: dict[str, Lifecycle] = {}
    currency = "EUR"
    today = utc_today()
    for p in products:
        props = p.properties
        if (
            props
            and props.managed_inference
            and p.price
            and p.price.retail_price
            and p.locality
            and p.locality.region
        ):
            money = p.price.retail_price
            name = (
                props.managed_inference.deployment.instance_gpu_name
                if props.managed_inference.deployment
                else props.managed_inference.instance_gpu_name
            )
            prices[(str(p.locality.region), name)] = float(money.units) + money.nanos / 1e9
            currency = money.currency_code
        elif props and props.generative_apis:
            eol = _utc_date(p.end_of_life_at)
            eos = _utc_date(p.end_of_sale_at)
            lifecycle[p.variant] = Lifecycle(stage_of(str(p.status), eol, today), str(p.status), eol, eos)
    return Catalog("live", None, node_types, models, prices, lifecycle, currency)


def _utc_date(moment: dt.datetime | None) -> dt.date | None:
    if moment is None:
        return None
    return (moment.astimezone(dt.UTC) if moment.tzinfo else moment).date()
