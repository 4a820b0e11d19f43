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


def _plain(text: str) -> str:
    """A key or name as written: plain when YAML reads it back as that very string, else quoted.
    PyYAML reads YAML 1.1, where `yes`, `no`, `on`, `off`, `y`, `n`, `true` and `null` are not
    strings (nor `123`, `0x1f`): a key `yes:` would load as the boolean true."""
    import yaml

    try:
        plain = list(yaml.safe_load(f"{text}: 0")) == [text]
    except (yaml.YAMLError, TypeError):
        plain = False
    return text if plain else _q(text)


def _shown(text: str) -> str:
    """A Scaleway name in a comment: quoted, as text (`"Café"`, not `"Caf\\u00e9"`); only what
    cannot be shown as text (control and format characters, such as a bidirectional override)
    is escaped, so that a name cannot rewrite the reader's terminal or the file's lines."""
    import unicodedata

    return "".join(
        f"\\u{ord(ch):04x}" if ord(ch) > 127 and unicodedata.category(ch) in _HIDDEN else ch
        for ch in json.dumps(text, ensure_ascii=False)
    )


_HIDDEN = frozenset(("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"))  # JSON escapes those below 128


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
    live: Sequence[ActualDeployment] = (),
) -> Generated:
    """`live`: every deployment of the project, written here or not: a name a deployment must
    be renamed to is one none of them holds in its region (names are unique per region and
    project)."""
    model_out, model_keys = _models(models)
    dep_out = _Out()
    written = []
    for d in sorted(deployments, key=lambda d: (d.region, d.name, d.created_at, d.id)):
        why = _left_out(d, catalog, model_keys, custom_ids)
        if why is None:
            written.append(d)
        else:
            dep_out.left.append(Left(f"deployment `{d.name}` ({d.id})", why))
    keys = _deployment_keys(written, live)
    for d in written:
        _deployment(d, catalog, model_keys, keys[d.id], dep_out)
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


class _Key(NamedTuple):
    key: str
    rename: bool  # its Scaleway name cannot stay: it is renamed to its key
    taken_by: str | None  # who holds the key (or name) made from the name, when this one could not


def _deployment_keys(
    deployments: Sequence[ActualDeployment], live: Sequence[ActualDeployment]
) -> dict[str, _Key]:
    """Each deployment's key: a deployment whose name is a key already keeps it as its key
    (`support-bot-v2` before `Support Bot v2`, whatever the order); the others get a key made from
    the name, unique. One whose name infermod does not accept, or that another deployment written
    here has in its region (names are unique per region and project), is renamed to its key, so
    that key must be a name no other deployment of its region holds (written here or not)."""
    names = {(d.region, d.name): d for d in (*live, *deployments)}
    keys: dict[str, ActualDeployment] = {}
    kept: dict[tuple[str, str], ActualDeployment] = {}  # names written as they are
    out: dict[str, _Key] = {}
    ordered = sorted(deployments, key=lambda d: (d.region, d.name, d.created_at, d.id))
    for d in [d for d in ordered if _is_key(d.name)] + [d for d in ordered if not _is_key(d.name)]:
        twin = kept.get((d.region, d.name))
        rename = twin is not None or not _name_ok(d.name)
        base = key_of(d.name, set(), "deployment")

        def free(key: str, d: ActualDeployment = d, rename: bool = rename) -> bool:
            other = names.get((d.region, key))
            return key not in keys and not (rename and other is not None and other.id != d.id)

        key, n = base, 2
        while not free(key):
            suffix = f"-{n}"
            key = base[: KEY_MAX - len(suffix)].rstrip("-") + suffix
            n += 1
        holder = twin or keys.get(base) or (names.get((d.region, base)) if rename else None)
        keys[key] = d
        if not rename:
            kept[(d.region, d.name)] = d
        taken = holder is not None and (key != base or twin is not None)
        out[d.id] = _Key(key, rename, _what(holder) if taken and holder is not None else None)
    return out


def _what(d: ActualDeployment) -> str:
    return f"deployment {_shown(d.name)} ({d.id})"


def _is_key(name: str) -> bool:
    return key_of(name, set(), "") == name


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
            f"  {_plain(key)}:" + ("" if key == m.name else f"  # Scaleway name: {_shown(m.name)}"),
            f"    id: {m.id}",
            "    type: chat   # DECIDE: the API does not say a model's type: chat, vision, multimodal or embedding",
            "    # source: ORG/NAME   # not readable from the API: write it to be able to import the model again",
            "    # secret: ${HF_TOKEN}   # a gated or private repository's token is never readable either",
        ]
        if m.region != DEFAULT_REGION:
            out.lines.append(f"    region: {_q(m.region)}")
    return out, keys


def _left_out(
    d: ActualDeployment, catalog: Catalog, model_keys: dict[str, str], custom_ids: set[str]
) -> str | None:
    """Why a deployment cannot be written, or None."""
    if d.status in ("error", "deleting", "locked"):
        return f"it is {d.status}"
    if not d.endpoints:
        return "it has no endpoint (infermod needs one)"
    info = catalog.models.get((d.region, d.model_name))
    if d.model_id not in model_keys and (info is None or d.model_id in custom_ids):
        return f"its custom model `{d.model_name}` ({d.model_id}) is not among the models written here"
    return None


def _deployment(
    d: ActualDeployment,
    catalog: Catalog,
    model_keys: dict[str, str],
    made: _Key,
    out: _Out,
) -> None:
    info = catalog.models.get((d.region, d.model_name))
    custom = model_keys.get(d.model_id)
    key = made.key
    out.count += 1
    if made.taken_by is None:
        taken = ""
    elif made.rename and _name_ok(d.name):
        taken = f"{made.taken_by} has it too"
    else:
        taken = f"`{key_of(d.name, set(), 'deployment')}` is {made.taken_by}'s"
    if key == d.name:
        out.lines.append(f"  {_plain(key)}:")
    elif not made.rename:
        if taken:
            out.decisions += 1
            out.lines.append(
                f"  {_plain(key)}:   # DECIDE: key made from the name ({taken}): keep it or choose another now "
                "(the key is the deployment's ownership tag: changing it later is a tag change)"
            )
        else:
            out.lines.append(f"  {_plain(key)}:   # key made from the name")
        out.lines.append(f"    name: {_q(d.name)}")
    else:
        out.decisions += 1
        why = "is not a name infermod accepts" if not _name_ok(d.name) else "must be unique in its region"
        out.lines += [
            f"  {_plain(key)}:",
            f"    name: {_plain(key)}   # DECIDE: Scaleway name {_shown(d.name)} {why}"
            f"{f' ({taken})' if taken else ''}: renaming it is an in-place change (≈2 min `deploying`)",
        ]
    out.lines += [
        f"    id: {d.id}",
        f"    model: {_plain(custom) if custom else _q(d.model_name)}",
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
