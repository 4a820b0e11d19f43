"""Read one YAML file into plain data plus the file:line:column of every value.

PyYAML is used only to compose the node tree: walking it ourselves lets us refuse duplicate
keys (PyYAML silently keeps the last), interpolate `${VAR}` with the exact location of an
unset variable, bound nesting and alias expansion, and never raise on any input.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Mapping
from typing import Any, NamedTuple

import yaml

from infermod.findings import Finding, Location

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_DEPTH = 64
MAX_NODES = 200_000

Path = tuple[str | int, ...]

_VAR = re.compile(r"\$\$\{|\$\{([^}]*)\}")
_VAR_BODY = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)(?::-(.*))?$", re.DOTALL)

# libyaml is ~10x faster but its composer crashes the whole process on deeply nested input;
# the pure-Python loader raises RecursionError instead, which we report. So libyaml is used
# only when a cheap scan shows the document cannot nest deeply.
_Loader = yaml.SafeLoader
_FastLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_BRACKETS = re.compile(r"[\[\]{}]")
_NESTING_LINE = re.compile(r"^( {200,}|(?:\s*[-?:] ){50,})", re.MULTILINE)


class LoadedFile(NamedTuple):
    path: str
    data: Any  # None when the file could not be read
    locations: dict[Path, Location]
    env_values: dict[Path, list[str]]  # values that came from the environment, per path
    findings: list[Finding]


class _TooBig(Exception):
    pass


def _location(path: str, mark: Any) -> Location:
    return Location(path, mark.line + 1, mark.column + 1)


def load_file(path: str, environ: Mapping[str, str] | None = None) -> LoadedFile:
    env = os.environ if environ is None else environ
    try:
        with open(path, "rb") as fh:
            raw = fh.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        return _failed(path, "config-unreadable", f"cannot read file: {exc.strerror or exc}")
    return load_bytes(path, raw, env)


def load_bytes(path: str, raw: bytes, env: Mapping[str, str]) -> LoadedFile:
    if len(raw) > MAX_FILE_BYTES:
        return _failed(path, "config-too-large", f"file is larger than {MAX_FILE_BYTES} bytes")
    if b"\x00" in raw:
        return _failed(path, "config-not-text", "file is binary, expected YAML text")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return _failed(path, "config-not-text", f"file is not UTF-8 text ({exc.reason})")
    try:
        node = yaml.compose(text, Loader=_FastLoader if _shallow(text) else _Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        loc = _location(path, mark) if mark else Location(path, 1, 1)
        problem = exc.problem or exc.context or "invalid YAML"
        return _failed(path, "yaml-syntax", f"invalid YAML: {problem}", loc)
    except yaml.YAMLError as exc:
        return _failed(path, "yaml-syntax", f"invalid YAML: {exc}")
    except RecursionError:
        return _failed(path, "yaml-too-deep", "YAML is nested too deeply")
    if node is None:
        return _failed(path, "config-empty", "file is empty: expected a mapping starting with `version: 1`")
    walker = _Walker(path, env)
    try:
        data = walker.walk(node, (), 0)
    except _TooBig as exc:
        return _failed(path, "yaml-too-large", str(exc), _location(path, node.start_mark))
    if not isinstance(data, dict):
        walker.findings.append(
            Finding(
                "config-not-mapping",
                "error",
                f"the document is a {_kind(data)}, expected a mapping with `version`, "
                "`stack`, `deployments`...",
                location=_location(path, node.start_mark),
            )
        )
        data = None
    return LoadedFile(path, data, walker.locations, walker.env_values, walker.findings)


def _shallow(text: str) -> bool:
    """True when the document certainly nests less than a few hundred levels."""
    depth = deepest = 0
    for match in _BRACKETS.finditer(text):
        depth += 1 if match.group() in "[{" else -1
        deepest = max(deepest, depth)
    return deepest < 100 and _NESTING_LINE.search(text) is None


def _failed(path: str, rule: str, message: str, loc: Location | None = None) -> LoadedFile:
    finding = Finding(rule, "error", message, location=loc or Location(path, 1, 1))
    return LoadedFile(path, None, {}, {}, [finding])


def _kind(value: Any) -> str:
    if isinstance(value, list):
        return "list"
    if value is None:
        return "null value"
    return type(value).__name__


class _Walker:
    def __init__(self, path: str, env: Mapping[str, str]) -> None:
        self.path = path
        self.env = env
        self.locations: dict[Path, Location] = {}
        self.env_values: dict[Path, list[str]] = {}
        self.findings: list[Finding] = []
        self.count = 0
        self.constructor = yaml.SafeLoader("")

    def walk(self, node: yaml.Node, path: Path, depth: int) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise _TooBig(f"document has more than {MAX_NODES} values (alias expansion?)")
        if depth > MAX_DEPTH:
            raise _TooBig(f"document is nested deeper than {MAX_DEPTH} levels")
        self.locations.setdefault(path, _location(self.path, node.start_mark))
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path, depth)
        if isinstance(node, yaml.SequenceNode):
            return [self.walk(item, (*path, i), depth + 1) for i, item in enumerate(node.value)]
        return self._scalar(node, path)

    def _mapping(self, node: yaml.MappingNode, path: Path, depth: int) -> dict[str, Any]:
        result: dict[str, Any] = {}
        seen: dict[str, Location] = {}
        merged: list[yaml.MappingNode] = []
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                merged.extend(_merge_sources(value_node))
                continue
            key_loc = _location(self.path, key_node.start_mark)
            if not isinstance(key_node, yaml.ScalarNode):
                self._error("yaml-key-type", "mapping keys must be plain strings", key_loc, path)
                continue
            key = str(key_node.value)
            if key in seen:
                self._error(
                    "yaml-duplicate-key",
                    f"duplicate key `{key}` (first defined at line {seen[key].line})",
                    key_loc,
                    (*path, key),
                )
                continue
            seen[key] = key_loc
            self.locations[(*path, key)] = key_loc
            result[key] = self.walk(value_node, (*path, key), depth + 1)
        for source in merged:  # YAML merge keys: explicit keys win
            for key_node, value_node in source.value:
                key = str(key_node.value)
                if key not in result:
                    self.locations.setdefault((*path, key), _location(self.path, key_node.start_mark))
                    result[key] = self.walk(value_node, (*path, key), depth + 1)
        return result

    def _scalar(self, node: yaml.Node, path: Path) -> Any:
        if node.tag != "tag:yaml.org,2002:str":
            try:
                value = self.constructor.construct_object(node, deep=True)
            except (yaml.YAMLError, ValueError, TypeError, OverflowError):
                value = node.value
            if isinstance(value, dt.date | dt.datetime):
                return value.isoformat()
            if isinstance(value, bytes):
                return str(node.value)
            return value
        text = str(node.value)
        if "$" not in text:
            return text
        errors_before = len(self.findings)
        interpolated, used = self._interpolate(text, _location(self.path, node.start_mark), path)
        if len(self.findings) > errors_before:
            return text  # already reported; keep the text so no second, confusing error follows
        if used:
            self.env_values.setdefault(path, []).extend(used)
        if not getattr(node, "style", None) and interpolated != text:
            # An unquoted `${VAR}` resolves like the literal would: `min_size: ${N}` is an int.
            return _resolve_plain(interpolated)
        return interpolated

    def _interpolate(self, text: str, loc: Location, path: Path) -> tuple[str, list[str]]:
        used: list[str] = []

        def replace(match: re.Match[str]) -> str:
            if match.group(0) == "$${":
                return "${"
            body = _VAR_BODY.match(match.group(1))
            if body is None:
                self._error(
                    "env-syntax",
                    f"invalid interpolation `{match.group(0)}`: expected ${{NAME}} or ${{NAME:-default}}",
                    loc,
                    path,
                )
                return match.group(0)
            name, default = body.group(1), body.group(2)
            value = self.env.get(name)
            if value is None or (value == "" and default is not None):
                if default is None:
                    self._error(
                        "env-unset",
                        f"environment variable `{name}` is not set and has no default",
                        loc,
                        path,
                        hint=f"export {name}=... or write ${{{name}:-default}}",
                    )
                    return match.group(0)
                value = default
            used.append(value)
            return value

        return _VAR.sub(replace, text), used

    def _error(self, rule: str, message: str, loc: Location, path: Path, hint: str | None = None) -> None:
        self.findings.append(Finding(rule, "error", message, location=loc, field=dotted(path), hint=hint))


def _merge_sources(node: yaml.Node) -> list[yaml.MappingNode]:
    if isinstance(node, yaml.MappingNode):
        return [node]
    if isinstance(node, yaml.SequenceNode):
        return [n for n in node.value if isinstance(n, yaml.MappingNode)]
    return []


def _resolve_plain(text: str) -> Any:
    try:
        value = yaml.load(text, Loader=_Loader)
    except yaml.YAMLError:
        return text
    return value if isinstance(value, str | int | float | bool) or value is None else text


def dotted(path: Path) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out
