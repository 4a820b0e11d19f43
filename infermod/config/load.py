"""From `-f` arguments to a Config: find files, read, schema-check, merge, build.

Problems are returned as Findings, all of them at once; a resource whose part of the file
failed the schema is left out of the Config so that later rules never see malformed data.
"""

from __future__ import annotations

import contextlib
import gc
import os
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, NamedTuple

from infermod.config import closed, credentials, salvage
from infermod.config.locations import Locations, dotted
from infermod.config.model import (
    Config,
    DeploymentSpec,
    EndpointSpec,
    Lifecycle,
    ModelSpec,
)
from infermod.config.schema import schema_findings, typed_interpolations
from infermod.config.yamlsource import LoadedFile, load_bytes, load_file
from infermod.errors import ConfigError
from infermod.findings import Finding, Location
from infermod.limits import Timeouts, parse_span
from infermod.secrets import Secret
from infermod.writefile import protect_inputs

DEFAULT_FILE = "infermod.yaml"
DEFAULT_REGION = "fr-par"


class LoadResult(NamedTuple):
    config: Config | None  # with errors, it lacks the broken fields: check it, never plan it
    findings: list[Finding]
    raw: dict[str, Any] | None = None  # the merged document, for the structural rules
    broken: frozenset[str] = frozenset()  # fields an error made unusable (config/salvage.py)


def find_files(args: Sequence[str]) -> list[str]:
    """Expand `-f` arguments: a directory means every *.yaml/*.yml in it, sorted."""
    if not args:
        if not os.path.exists(DEFAULT_FILE):
            raise ConfigError(
                f"no {DEFAULT_FILE} in the current directory: give files with -f FILE or -f DIR"
            )
        return [DEFAULT_FILE]
    files: list[str] = []
    for arg in args:
        if os.path.isdir(arg):
            found = sorted(
                os.path.join(arg, name)
                for name in os.listdir(arg)
                if name.endswith((".yaml", ".yml")) and os.path.isfile(os.path.join(arg, name))
            )
            if not found:
                raise ConfigError(f"{arg}: directory has no *.yaml or *.yml file")
            files.extend(_inside(arg, found))
        elif os.path.exists(arg):
            files.append(arg)
        else:
            raise ConfigError(f"{arg}: no such file or directory")
    # One file under two spellings (`dir` and `dir/a.yaml`, `./a.yaml`, a symlink) is read once:
    # otherwise every key in it would be "defined more than once" at the very same line.
    unique: dict[str, str] = {}
    for path in files:
        unique.setdefault(os.path.realpath(path), path)
    return list(unique.values())


def _inside(directory: str, found: list[str]) -> list[str]:
    """`-f DIR` reads what is in DIR: a symlink there to a file elsewhere (credentials, another
    project's files) is refused, as check-model refuses one out of a model's directory."""
    root = os.path.realpath(directory)
    for path in found:
        real = os.path.realpath(path)
        if os.path.commonpath([root, real]) != root:
            raise ConfigError(
                f"{path}: a symbolic link to {real}, outside {directory}: a directory given with -f "
                "is read alone; give that file with its own -f to read it"
            )
    return found


def load_config(args: Sequence[str], environ: Mapping[str, str] | None = None) -> LoadResult:
    """Read and schema-check; the rules on the result are infermod.rules.engine's job."""
    files = find_files(args)
    protect_inputs(files)
    env = os.environ if environ is None else environ
    with _collector_paused():
        return _load([typed_interpolations(load_file(path, env)) for path in files], files, env)


def load_sources(sources: Sequence[tuple[str, str]], environ: Mapping[str, str] | None = None) -> LoadResult:
    """The same from (path, text) pairs already in hand: the configuration a plan file embeds."""
    env = os.environ if environ is None else environ
    with _collector_paused():
        loaded = [typed_interpolations(load_bytes(path, text.encode("utf-8"), env)) for path, text in sources]
        return _load(loaded, [path for path, _ in sources], env)


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Loading makes hundreds of thousands of objects and no reference cycle: the cycle
    collector, run again and again as they pile up, scanned them all each time, so a
    deployment cost 2.3x as much to load at 20,000 as at 1,000 with Python's default thresholds
    (a library caller's; the CLI raises them: issue 25). Reference counting
    still frees everything; the collector resumes afterwards."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _load(loaded: list[LoadedFile], files: list[str], environ: Mapping[str, str]) -> LoadResult:
    findings: list[Finding] = []
    for one in loaded:
        findings.extend(one.findings)
        if one.data is not None:
            findings.extend(_once(schema_findings(one), one.findings))
    usable = [one for one in loaded if one.data is not None]
    merged, merge_findings = _merge(usable)
    findings.extend(merge_findings)
    findings.extend(closed.wrong_shapes(merged.raw, merged.locations, findings))
    findings.extend(closed.unknown_fields(merged.raw, merged.locations, findings))
    known = credentials.known_credentials(usable, environ)
    misplaced = credentials.misplaced(usable, known) + credentials.misnamed(files, known)
    findings = credentials.scrubbed(findings + misplaced, known)
    if not usable or salvage.is_fatal(findings):
        return LoadResult(None, findings)
    # a broken field costs only the checks that read it (config/salvage.py)
    broken = salvage.broken_fields(findings)
    broken |= salvage.inherited_breakage(merged.raw["deployments"], broken)
    config = _build(merged, files, broken)
    config = config._replace(
        sensitive_values=config.sensitive_values + credentials.as_secrets(known),
        variables=tuple(read for one in usable for read in one.variables),
    )
    return LoadResult(config, findings, merged.raw, frozenset(broken))


def _once(schema: list[Finding], earlier: list[Finding]) -> list[Finding]:
    """A value the loader already refused (an unset `${VAR}`, a bad tag...) is reported once:
    not again as the schema's complaint about what was left in its place."""
    refused = {f.field for f in earlier if f.severity == "error" and f.field}
    return [f for f in schema if f.field not in refused]


class _Merged(NamedTuple):
    raw: dict[str, Any]  # version, stack, defaults, models, deployments
    locations: Locations
    env_values: dict[str, list[str]]


def _merge(files: list[LoadedFile]) -> tuple[_Merged, list[Finding]]:
    raw: dict[str, Any] = {"models": {}, "deployments": {}, "defaults": {}}
    locations = Locations.merged([one.locations for one in files])  # the first file's, where two say
    env_values: dict[str, list[str]] = {}
    findings: list[Finding] = []
    for one in files:
        for path, values in one.env_values.items():
            env_values.setdefault(dotted(path), []).extend(values)
        for key, value in one.data.items():
            loc = one.locations.get((key,))
            if key in ("models", "deployments", "defaults") and isinstance(value, dict):
                for name, item in value.items():
                    if name in raw[key]:
                        first = locations.get((key, name))
                        findings.append(_dup(f"{key}.{name}", one.locations.get((key, name)), first))
                        continue
                    raw[key][name] = item
            elif key in raw and raw[key] != value:
                findings.append(_dup(key, loc, locations.get((key,))))
            else:
                raw[key] = value
    return _Merged(raw, locations, env_values), findings


def _dup(field: str, loc: Location | None, first: Location | None) -> Finding:
    where = f" (first defined at {first})" if first else ""
    return Finding(
        "duplicate-key",
        "error",
        f"`{field}` is defined more than once across the configuration files{where}",
        location=loc,
        field=field,
        hint="each model, deployment and top-level setting may be defined in one file only",
    )


def _build(merged: _Merged, files: list[str], broken: set[str]) -> Config:
    raw = merged.raw
    stack = str(raw.get("stack") or "") if "stack" not in broken else ""
    defaults = salvage.usable_defaults(raw.get("defaults"), broken)
    region = defaults.get("region", DEFAULT_REGION)
    project = defaults.get("project_id")
    sensitive: list[Secret] = []
    models = []
    for key, found in sorted(raw["models"].items()):
        item = salvage.usable("models", key, found, broken)
        if item is None:
            continue
        secret = None
        if "secret" in item:
            from_env = merged.env_values.get(f"models.{key}.secret") or "${" in str(item["secret"])
            origin = "env" if from_env else "literal"
            secret = Secret(str(item["secret"]), origin)
            sensitive.append(secret)
            sensitive.extend(Secret(v, "env") for v in merged.env_values.get(f"models.{key}.secret", []) if v)
        repo = repo_id(str(item.get("source") or ""))
        models.append(
            ModelSpec(
                key=key,
                name=model_resource_name(stack, key, repo),
                repo_id=repo,
                secret=secret,
                type=item["type"],
                region=item.get("region", region),
                project_id=item.get("project_id", project),
                location=merged.locations.get(("models", key)),
                timeouts=_timeouts(item.get("timeouts"), closed.MODEL_TIMEOUTS),
                id=str(item["id"]).lower() if item.get("id") else None,
            )
        )
    model_keys = {m.key for m in models} | set(raw["models"])
    deployments = [
        _deployment(key, item, defaults, region, project, model_keys, merged.locations)
        for key, found in sorted(raw["deployments"].items())
        if (item := salvage.usable("deployments", key, found, broken)) is not None
    ]
    return Config(
        stack=stack,
        files=tuple(files),
        models=tuple(models),
        deployments=tuple(deployments),
        locations=merged.locations,
        sensitive_values=tuple(sensitive),
        prevent_destroy_default=bool(
            closed.known(defaults.get("lifecycle") or {}, closed.LIFECYCLE).get("prevent_destroy", False)
        ),
    )


def _deployment(
    key: str,
    item: dict[str, Any],
    defaults: dict[str, Any],
    region: str,
    project: str | None,
    model_keys: set[str],
    locations: Locations,
) -> DeploymentSpec:
    min_size = item.get("size", item.get("min_size", 1))
    max_size = item.get("size", item.get("max_size", min_size))
    life = closed.known(
        {**(defaults.get("lifecycle") or {}), **(item.get("lifecycle") or {})}, closed.LIFECYCLE
    )
    tags = list(dict.fromkeys([*(defaults.get("tags") or []), *(item.get("tags") or [])]))
    return DeploymentSpec(
        key=key,
        name=item.get("name", key),
        model=item["model"],
        custom=item["model"] in model_keys,
        node_type=item["node_type"],
        min_size=min_size,
        max_size=max_size,
        quantization=item.get("quantization"),
        context_size=item.get("context_size"),
        features=tuple(item.get("features") or ()),
        accept_eula=bool(item.get("accept_eula", defaults.get("accept_eula", False))),
        region=item.get("region", region),
        project_id=item.get("project_id", project),
        endpoints=tuple(
            EndpointSpec(
                public=bool(e.get("public", False)),
                private_network_id=e.get("private_network_id"),
                disable_auth=bool(e.get("disable_auth", False)),
            )
            for e in item["endpoints"]
        ),
        tags=tuple(tags),
        lifecycle=Lifecycle(**life),
        location=locations.get(("deployments", key)),
        id=str(item["id"]).lower() if item.get("id") else None,
        timeouts=_timeouts(item.get("timeouts"), closed.TIMEOUTS),
    )


def _timeouts(block: Any, fields: tuple[str, ...]) -> Timeouts:
    """A `timeouts:` block in seconds; what the schema refused (a bad span) keeps its default."""
    if not isinstance(block, dict):
        return Timeouts()
    spans = {
        k: parse_span(v)
        for k, v in closed.known(block, fields).items()
        if isinstance(v, str | int) and not isinstance(v, bool)
    }
    return Timeouts(**{k: v for k, v in spans.items() if v is not None})


def repo_id(source: str) -> str:
    """ORG/NAME of a Hugging Face source written as a URL, hf://ORG/NAME or ORG/NAME."""
    for prefix in ("https://huggingface.co/", "hf://"):
        if source.startswith(prefix):
            source = source[len(prefix) :]
    return source.strip("/")


def model_resource_name(stack: str, key: str, repo_id: str) -> str:
    """The Scaleway name of a custom model: it carries the stack (ownership, since models
    cannot be tagged at creation) and a digest of the source (the API does not return the
    source, so a changed source must show in the name to be noticed)."""
    import hashlib  # a configuration without custom models, and validate of it, never loads it

    digest = hashlib.sha256(repo_id.encode()).hexdigest()[:8]
    return f"{stack}--{key}--{digest}"
