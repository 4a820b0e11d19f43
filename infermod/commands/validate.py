"""`infermod validate`: schema, structure, compatibility and lifecycle findings; no API writes."""

from __future__ import annotations

from infermod import output
from infermod.commands.common import gate_failed
from infermod.render.validation import render_validation
from infermod.rules.engine import catalog_findings, custom_model_findings, load_checked_config


def run(
    files: tuple[str, ...],
    fmt: str,
    catalog: str,
    profile: str | None,
    sandbox: bool,
    fail_on: str | None,
    eol_horizon: int,
    codequality: str | None,
    junit: str | None,
    check_models: bool,
) -> int:
    result = load_checked_config(files)
    findings = list(result.findings)
    config = result.config
    if config is not None:
        output.register_secrets(config.sensitive_values)
        if not any(f.severity == "error" for f in findings):
            from infermod.scw.catalog import load_catalog

            cat, notes = load_catalog(config, catalog, profile, sandbox)
            findings.extend(notes)
            findings.extend(catalog_findings(config, cat, eol_horizon))
            if check_models:
                findings.extend(custom_model_findings(config, cat))
    failed = gate_failed(findings, fail_on)
    files_read = list(config.files) if config else list(files)
    if codequality or junit:
        from infermod.gitlab.reports import write_codequality, write_junit

        if codequality:
            write_codequality(codequality, findings)
        if junit:
            write_junit(junit, findings, [d.address for d in config.deployments] if config else [])
    output.out(render_validation(findings, files_read, failed, fmt))
    return 1 if failed else 0
