"""Lifecycle warnings from the docs, applied to the catalog's status and dates.

Docs (Generative APIs model lifecycle): Preview has no SLA and may be removed from Generative
APIs with one month's notice, though a Preview model normally stays deployable on Dedicated
Deployment; Deprecated models get an End-of-Life date with three months' notice and traffic
may be redirected to a similar model afterwards; End-of-Life models cannot be used.

Where each fact comes from: the stage from the Product Catalog entry's `status`, the dates
from its `end_of_life_at`/`end_of_sale_at`, the entry found by the model's name (its
`variant`); see docs/scaleway-api-assumptions.md. A model without an entry gets a
`lifecycle-unknown` warning, never a guessed stage.
"""

from __future__ import annotations

import datetime as dt

from infermod.catalog import Catalog, days_until, utc_today
from infermod.config.model import Config, DeploymentSpec
from infermod.findings import Finding

# A Deprecated model gets its End-of-Life date with three months' notice (a Preview model's one
# month of notice is for Generative APIs, and no date comes with it: nothing to count)
EOL_NOTICE_DAYS = 90


def lifecycle_findings(
    config: Config, catalog: Catalog, eol_horizon: int | None, today: dt.date | None = None
) -> list[Finding]:
    today = today or utc_today()
    out: list[Finding] = []
    for dep in config.deployments:
        if dep.custom:
            continue
        life = catalog.lifecycle_of(dep.model)
        if life is None:
            out.append(_unknown(config, dep, catalog.source))
            continue
        finding = _finding(config, dep, life.stage, life.end_of_life, eol_horizon, today)
        if finding:
            out.append(finding)
    for model in config.models:
        out.append(
            Finding(
                "custom-model-beta",
                "info",
                f"custom model support is in beta; `{model.key}` ({model.type}) is served on {model.api}; "
                "structured outputs and function calling are not available for custom models",
                model.address,
                model.location,
                f"models.{model.key}",
            )
        )
    return out


def _unknown(config: Config, dep: DeploymentSpec, source: str) -> Finding:
    """No Product Catalog entry: say so rather than guess a stage (Active or otherwise)."""
    path = f"deployments.{dep.key}.model"
    where = "the Product Catalog" if source == "live" else "the shipped catalog snapshot"
    return Finding(
        "lifecycle-unknown",
        "warning",
        f"`{dep.model}` has no lifecycle entry in {where}: its stage (Preview, Active, Deprecated, "
        "End-of-Life) and End-of-Life date could not be checked",
        dep.address,
        config.where(path),
        path,
        "check the model's status on Scaleway's Generative APIs model lifecycle page",
    )


def _finding(
    config: Config, dep: DeploymentSpec, stage: str, eol: dt.date | None, horizon: int | None, today: dt.date
) -> Finding | None:
    path = f"deployments.{dep.key}.model"
    where = config.where(path)
    if stage == "Preview":
        return Finding(
            "lifecycle-preview",
            "warning",
            f"`{dep.model}` is in Preview: no SLA, and it may never reach Active (Preview models normally "
            "stay deployable on Dedicated Deployment; on Generative APIs they may be removed with one month's notice)",
            dep.address,
            where,
            path,
            "prefer an Active model for production",
        )
    if stage == "End-of-Life":
        when = f" on {eol.isoformat()}" if eol else ""
        return Finding(
            "lifecycle-eol",
            "error",
            f"`{dep.model}` reached End-of-Life{when} and can no longer be deployed",
            dep.address,
            where,
            path,
            "move to an Active model",
        )
    if stage == "Deprecated":
        if eol is None:
            return Finding(
                "lifecycle-deprecated",
                "warning",
                f"`{dep.model}` is Deprecated",
                dep.address,
                where,
                path,
                "plan the move to an Active model",
            )
        days = days_until(eol, today)
        inside = days <= EOL_NOTICE_DAYS
        window = " (inside the 3-month End-of-Life notice window)" if inside else ""
        message = (
            f"`{dep.model}` is Deprecated: End-of-Life on {eol.isoformat()}, in {days} days{window}; "
            "after that, traffic may be redirected to a similar model"
        )
        if horizon is not None and days <= horizon:
            return Finding(
                "lifecycle-eol-horizon",
                "error",
                message + f" — within the {horizon}-day horizon",
                dep.address,
                where,
                path,
                "move to an Active model before the End-of-Life date",
            )
        rule = "lifecycle-eol-notice" if inside else "lifecycle-deprecated"
        return Finding(
            rule,
            "warning",
            message,
            dep.address,
            where,
            path,
            "move to an Active model before the End-of-Life date",
        )
    return None
