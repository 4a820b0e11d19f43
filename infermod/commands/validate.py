"""`infermod validate`: schema, structure, compatibility and lifecycle findings; no API writes."""

from __future__ import annotations

from infermod import events, output
from infermod.commands.common import gate_failed
from infermod.findings import unique
from infermod.render.validation import render_validation
from infermod.rules.engine import checked_findings, load_checked_config


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
        # every check runs in one pass, even when some fields are broken: the config lacks
        # those fields, and the findings of checks that read them are dropped
        output.register_secrets(config.sensitive_values)
        from infermod.scw.catalog import load_catalog

        cat, notes = load_catalog(config.projects, catalog, profile, sandbox)
        findings += notes
        if sandbox and check_models:  # the custom models are read from the sandbox's local Hub
            from infermod.sandbox import running_hub

            with running_hub():
                findings += checked_findings(result, cat, eol_horizon, check_models)
        else:
            findings += checked_findings(result, cat, eol_horizon, check_models)
    findings = unique(findings)
    failed = gate_failed(findings, fail_on)
    files_read = list(config.files) if config else list(files)
    if codequality or junit:
        from infermod.gitlab.reports import write_codequality, write_junit

        if codequality:
            write_codequality(codequality, findings)
        if junit:
            write_junit(junit, findings, [d.address for d in config.deployments] if config else [])
    output.out(render_validation(findings, files_read, failed, fmt))
    if events.active():
        from infermod.render.events import emit_findings
        from infermod.render.findings import counts, summary_line

        emit_findings(findings)
        verdict = "Invalid" if failed else "Valid"
        events.summarize(
            f"{verdict}: {summary_line(findings)}.",
            operation="validate",
            valid=not failed,
            files=files_read,
            findings=counts(findings),
        )
    return 1 if failed else 0
