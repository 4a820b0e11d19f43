"""`infermod check-model SOURCE`: the custom-model rules on one repository or local directory."""

from __future__ import annotations

import json
import os

from infermod import output
from infermod.render.findings import findings_json, findings_text


def run(source: str, model_type: str | None, fmt: str) -> int:
    from infermod.config.load import repo_id
    from infermod.rules.custom_model import check_model
    from infermod.rules.model_source import HubSource, LocalSource

    reader = LocalSource(source) if os.path.isdir(source) else HubSource(repo_id(source), None)
    report = check_model(reader, model_type)
    if fmt == "json":
        body = {
            "format_version": "1",
            "source": report.source,
            "compatible": report.compatible,
            "type": report.type,
            "architecture": report.architecture,
            "verified": report.verified,
            "parameters": report.parameters,
            "max_position_embeddings": report.max_position_embeddings,
            "chat_template": report.chat_template,
            "api": report.api,
            "findings": findings_json(report.findings),
        }
        output.out(json.dumps(body, indent=2))
    else:
        output.out(f"{report.source}: {'compatible' if report.compatible else 'NOT compatible'}")
        facts = [
            ("type", report.type),
            ("architecture", report.architecture),
            ("parameters", f"{report.parameters:,}" if report.parameters else None),
            ("max_position_embeddings", report.max_position_embeddings),
            ("chat template", report.chat_template),
            ("API", report.api),
        ]
        for label, value in facts:
            if value is not None:
                output.out(f"  {label}: {value}")
        for line in findings_text(report.findings):
            output.out("  " + line)
    return 0 if report.compatible else 1
