"""`infermod check-model SOURCE`: the custom-model rules on one repository or local directory."""

from __future__ import annotations

import json
import os

from infermod import output
from infermod.render.findings import findings_json, findings_text

UNCHECKED = frozenset({"hf-unreachable", "hf-offline", "hf-access"})


def run(source: str, model_type: str | None, fmt: str, repo: str | None = None) -> int:
    """A model's identity is where its files come from: a Hub repository's id, or for a local
    directory the repository the user names with --repo (never a field inside the files)."""
    import click

    from infermod.config.load import repo_id
    from infermod.rules.custom_model import check_model
    from infermod.rules.model_source import HubSource, LocalSource, is_repo_id

    identity = None
    if repo is not None:
        identity = repo_id(repo)
        if not is_repo_id(identity):
            raise click.BadParameter(
                f"{repo[:200]!r} is not a Hugging Face repository id (ORG/NAME)", param_hint="--repo"
            )
    if not os.path.isdir(source):
        if identity is not None:
            raise click.UsageError(
                "--repo names the repository a local directory is a copy of; SOURCE is not a directory"
            )
        reader: LocalSource | HubSource = HubSource(repo_id(source), None)
    else:
        reader = LocalSource(source, identity)
    report = check_model(reader, model_type)
    # the Hub could not be read or refused access: nothing was checked, which is no verdict
    unchecked = [f for f in report.findings if f.rule_id in UNCHECKED]
    if fmt == "json":
        body = {
            "format_version": "1",
            "source": report.source,
            "compatible": report.compatible,
            "checked": not unchecked,
            "type": report.type,
            "architecture": report.architecture,
            "verified": report.verified,
            "parameters": report.parameters,
            "max_position_embeddings": report.max_position_embeddings,
            "max_position_embeddings_from": report.max_position_from,
            "chat_template": report.chat_template,
            "api": report.api,
            "findings": findings_json(report.findings),
        }
        output.out(json.dumps(body, indent=2))
    else:
        verdict = "compatible" if report.compatible else "NOT compatible"
        output.out(f"{report.source}: {'could not be checked' if unchecked else verdict}")
        facts = [
            ("type", report.type),
            ("architecture", report.architecture),
            ("parameters", f"{report.parameters:,}" if report.parameters else None),
            ("max_position_embeddings", _context(report.max_position_embeddings, report.max_position_from)),
            ("chat template", report.chat_template),
            ("API", report.api),
        ]
        for label, value in facts:
            if value is not None:
                output.out(f"  {label}: {value}")
        for line in findings_text(report.findings):
            output.out("  " + line)
    return 0 if report.compatible else 1


def _context(value: int | None, where: str | None) -> str | None:
    if value is None:
        return None
    return f"{value:,}" if where in (None, "max_position_embeddings") else f"{value:,} ({where})"
