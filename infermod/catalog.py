"""What Scaleway offers: node types, models and their fit, prices and lifecycle, as plain data.

Read live through the SDK (scw/catalog.py) or from the dated snapshot shipped in
data/catalog.json; rules and costs only ever see this form.
"""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple


class NodeType(NamedTuple):
    name: str
    region: str
    gpus: int
    vram_bytes: int
    stock: str  # available | low_stock | out_of_stock | unknown_stock
    disabled: bool
    beta: bool


class Quantization(NamedTuple):
    bits: int
    allowed: bool
    max_context_size: int


class ModelInfo(NamedTuple):
    id: str
    name: str
    region: str
    has_eula: bool
    parameter_size_bits: int
    size_bytes: int
    support: dict[str, tuple[Quantization, ...]]  # node type -> quantizations
    status: str = "ready"
    error_message: str | None = None


class Lifecycle(NamedTuple):
    stage: str  # Preview | Active | Deprecated | End-of-Life
    status: str  # the Product Catalog status it comes from
    end_of_life: dt.date | None
    end_of_sale: dt.date | None


class Catalog(NamedTuple):
    source: str  # "live" or "snapshot"
    captured_at: str | None  # the snapshot's date
    node_types: dict[tuple[str, str], NodeType]  # (region, name)
    models: dict[tuple[str, str], ModelInfo]  # (region, name): catalog models
    prices: dict[tuple[str, str], float]  # (region, node type) -> price per node-hour
    lifecycle: dict[str, Lifecycle]  # model name (with and without the :variant) -> lifecycle
    currency: str = "EUR"

    def custom(self, region: str, name: str, model_id: str | None) -> ModelInfo | None:
        """A custom model's entry: by its id when the configuration adopts one (`id:`),
        else by the name infermod gives the models it imports."""
        if model_id is None:
            return self.models.get((region, name))
        return next((m for m in self.models.values() if m.id == model_id and m.region == region), None)

    def lifecycle_of(self, model: str) -> Lifecycle | None:
        """The entry named like the model: exactly, then without its `:variant`, then also
        without its `provider/` (how the Product Catalog names models is not documented)."""
        for name in lifecycle_names(model):
            found = self.lifecycle.get(name)
            if found is not None:
                return found
        return None


def lifecycle_names(model: str) -> tuple[str, ...]:
    """The names a model's Product Catalog entry may have, most exact first."""
    base = model.split(":")[0]
    return (model, base, model.split("/")[-1], base.split("/")[-1])


PREVIEW = {"preview", "public_beta"}
DEPRECATED = {"end_of_deployment", "end_of_support", "end_of_sale"}
END_OF_LIFE = {"end_of_life", "retired"}


def utc_today() -> dt.date:
    """The one "today" of every command: the UTC date. Catalog dates are UTC midnights, so a
    local date would count one day more or less than the sandbox's emulator, depending on
    the time zone and the hour."""
    return dt.datetime.now(dt.UTC).date()


def days_until(day: dt.date, today: dt.date | None = None) -> int:
    """Days left until `day` (negative once past): the only place they are counted."""
    return (day - (today or utc_today())).days


def stage_of(status: str, end_of_life: dt.date | None, today: dt.date) -> str:
    """Map the Product Catalog status to the docs' lifecycle stages."""
    if status in END_OF_LIFE or (end_of_life is not None and end_of_life <= today):
        return "End-of-Life"
    if status in DEPRECATED or end_of_life is not None:
        return "Deprecated"
    if status in PREVIEW:
        return "Preview"
    return "Active"


def load_snapshot(today: dt.date | None = None) -> Catalog:
    """The shipped catalog. Its lifecycle dates are written relative (`*_in_days`) and are
    resolved against the UTC date of use, exactly as the sandbox's emulator serves them, so
    `validate` on the snapshot and a sandbox `plan` count the same days to End-of-Life."""
    from infermod.catalogdata import catalog_data

    raw = catalog_data()
    day = today or utc_today()
    node_types = {}
    prices = {}
    for nt in raw["node_types"]:
        for region, stock in nt["regions"].items():
            node_types[(region, nt["name"])] = NodeType(
                nt["name"],
                region,
                nt["gpus"],
                nt["vram"],
                stock,
                bool(nt.get("disabled")),
                bool(nt.get("beta")),
            )
            prices[(region, nt["name"])] = float(nt["price_per_hour"])
    models = {}
    lifecycle = {}
    for m in raw["models"]:
        support = {
            n["node_type_name"]: tuple(
                Quantization(q["quantization_bits"], q["allowed"], q["max_context_size"])
                for q in n["quantizations"]
            )
            for n in m["nodes_support"]
        }
        for region in m["regions"]:
            models[(region, m["name"])] = ModelInfo(
                "", m["name"], region, m["has_eula"], m["parameter_size_bits"], m["size_bytes"], support
            )
        life = m["lifecycle"]
        eol = _offset(day, life.get("end_of_life_in_days"))
        eos = _offset(day, life.get("end_of_sale_in_days"))
        lifecycle[m["name"]] = Lifecycle(stage_of(life["status"], eol, day), life["status"], eol, eos)
    return Catalog("snapshot", raw["captured_at"], node_types, models, prices, lifecycle, raw["currency"])


def _offset(day: dt.date, days: int | None) -> dt.date | None:
    return None if days is None else day + dt.timedelta(days=days)
