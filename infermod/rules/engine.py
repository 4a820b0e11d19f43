"""All catalog-based rules for a configuration, in one call (validate and plan share it)."""

from __future__ import annotations

from infermod.catalog import Catalog
from infermod.config.model import Config
from infermod.findings import Finding
from infermod.rules.fit import fit_findings
from infermod.rules.lifecycle import lifecycle_findings


def catalog_findings(config: Config, catalog: Catalog, eol_horizon: int | None) -> list[Finding]:
    return fit_findings(config, catalog) + lifecycle_findings(config, catalog, eol_horizon)
