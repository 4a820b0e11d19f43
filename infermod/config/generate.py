"""The configuration `infermod import --all` writes: the project's resources no stack owns.

As Terraform's `plan -generate-config-out`: each deployment and custom model that carries no
stack's ownership becomes a resource of a new configuration, written so that its first plan
shows adoptions only (every field as Scaleway has it) and `infermod validate` accepts it. Each
resource names what it adopts with `id:`; what the API cannot tell (a model's source, type and
secret) or what needs a person's decision (an End User License Agreement) is a `DECIDE:`
comment beside the line. Strings that come from Scaleway are written as JSON strings (valid
YAML double-quoted scalars), so no name or tag can break the file or smuggle a key in.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import NamedTuple

from infermod.catalog import Catalog
from infermod.state import ActualDeployment, ActualModel

DEFAULT_REGION = "fr-par"
KEY_MAX = 63


class Left(NamedTuple):
    """A resource the configuration leaves out, and why (said on stderr)."""

    what: str
    why: str


class Generated(NamedTuple):
    text: str
    deployments: int
    models: int
    decisions: int  # DECIDE comments
    left_out: tuple[Left, ...]


def key_of(name: str, taken: set[str], fallback: str) -> str:
    """A configuration key from a Scaleway name: lowercase letters, digits and single hyphens,
    at most 63 characters, unique (`-2`, `-3`... when taken)."""
    out = []
    for ch in name.lower():
        out.append(ch if ("a" <= ch <= "z" or "0" <= ch <= "9") else "-")
    key = "-".join(part for part in "".join(out).split("-") if part)[:KEY_MAX].strip("-") or fallback
    base, n = key, 2
    while key in taken:
        suffix = f"-{n}"
        key = base[: KEY_MAX - len(suffix)].rstrip("-") + suffix
        n += 1
    taken.add(key)
    return key


def _name_ok(name: str) -> bool:
    """What the schema accepts as a deployment's `name`."""
    allowed = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
    return 0 < len(name) <= 255 and name[0].isascii() and name[0].isalnum() and set(name) <= allowed


def _q(text: str) -> str:
    return json.dumps(text)


class _Out:
    """The lines of one section, and what the user has to decide or see left out."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.decisions = 0
        self.left: list[Left] = []
        self.count = 0


def generate(
    stack: str,
    project: str,
    deployments: Sequence[ActualDeployment],
    models: Sequence[ActualModel],
    catalog: Catalog,
    header: Sequence[str],
    custom_ids: set[str],
) -> Generated:
    model_out, model_keys = _models(models)
    dep_out = _Out()
    taken: set[str] = set()
    for d in sorted(deployments, key=lambda d: (d.region, d.name, d.id)):
        _deployment(d, catalog, model_keys, custom_ids, taken, dep_out)
    body = [*header, "version: 1", f"stack: {stack}", "defaults:", f"  project_id: {project}"]
    if model_out.lines:
        body += ["models:", *model_out.lines]
    if dep_out.lines:
        body += ["deployments:", *dep_out.lines]
    return Generated(
        "\n".join(body) + "\n",
        dep_out.count,
        model_out.count,
        model_out.decisions + dep_out.decisions,
        (*model_out.left, *dep_out.left),
    )


def _models(models: Sequence[ActualModel]) -> tuple[_Out, dict[str, str]]:
    out = _Out()
    keys: dict[str, str] = {}  # model id -> key
    taken: set[str] = set()
    for m in sorted(models, key=lambda m: (m.region, m.name, m.id)):
        if m.status == "error":
            out.left.append(
                Left(f"model `{m.name}` ({m.id})", f"its import failed ({m.error_message or 'no message'})")
            )
            continue
        key = key_of(m.name, taken, "model")
        keys[m.id] = key
        out.count += 1
        out.decisions += 1
        out.lines += [
            f"  {key}:" + ("" if key == m.name else f"  # Scaleway name: {_q(m.name)}"),
            f"    id: {m.id}",
            "    type: chat   # DECIDE: the API does not say a model's type: chat, vision, multimodal or embedding",
            "    # source: ORG/NAME   # not readable from the API: write it to be able to import the model again",
            "    # secret: ${HF_TOKEN}   # a gated or private repository's token is never readable either",
        ]
        if m.region != DEFAULT_REGION:
            out.lines.append(f"    region: {_q(m.region)}")
    return out, keys


def _deployment(
    d: ActualDeployment,
    catalog: Catalog,
    model_keys: dict[str, str],
    custom_ids: set[str],
    taken: set[str],
    out: _Out,
) -> None:
    what = f"deployment `{d.name}` ({d.id})"
    if d.status in ("error", "deleting", "locked"):
        out.left.append(Left(what, f"it is {d.status}"))
        return
    if not d.endpoints:
        out.left.append(Left(what, "it has no endpoint (infermod needs one)"))
        return
    info = catalog.models.get((d.region, d.model_name))
    custom = model_keys.get(d.model_id)
    if custom is None and (info is None or d.model_id in custom_ids):
        out.left.append(
            Left(
                what, f"its custom model `{d.model_name}` ({d.model_id}) is not among the models written here"
            )
        )
        return
    key = key_of(d.name, taken, "deployment")
    out.count += 1
    if key == d.name:
        out.lines.append(f"  {key}:")
    elif _name_ok(d.name):
        out.lines += [f"  {key}:   # key made from the name", f"    name: {_q(d.name)}"]
    else:
        out.decisions += 1
        out.lines += [
            f"  {key}:",
            f"    name: {key}   # DECIDE: Scaleway name {_q(d.name)} is not a name infermod accepts: "
            "renaming it is an in-place change (≈2 min `deploying`)",
        ]
    out.lines += [
        f"    id: {d.id}",
        f"    model: {custom or _q(d.model_name)}",
        f"    node_type: {_q(d.node_type)}",
    ]
    if d.min_size == d.max_size:
        out.lines.append(f"    size: {d.min_size}")
    else:
        out.decisions += 1
        out.lines += [
            f"    min_size: {d.min_size}   # DECIDE: infermod runs a fixed node count (min_size = max_size)",
            f"    max_size: {d.max_size}",
        ]
    if d.quantization is not None:
        out.lines.append(f"    quantization: {d.quantization}")
    if custom is None and info is not None and info.has_eula:
        out.decisions += 1
        out.lines.append(
            "    accept_eula: true   # DECIDE: the model has an End User License Agreement, accepted when "
            "this deployment was made; keep `true` only if you accept it"
        )
    if d.region != DEFAULT_REGION:
        out.lines.append(f"    region: {_q(d.region)}")
    out.lines.append("    endpoints:")
    for e in d.endpoints:
        where = "public: true" if e.public else f"private_network_id: {_q(e.private_network_id or '')}"
        out.lines.append(f"      - {{{where}{', disable_auth: true' if e.disable_auth else ''}}}")
    if d.user_tags:
        out.lines.append(f"    tags: [{', '.join(_q(t) for t in d.user_tags)}]")
