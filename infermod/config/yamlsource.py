"""Read one YAML file into plain data plus the file:line:column of every value.

PyYAML is used only to parse; config/yamlnodes.py composes its events into light nodes (a
large file's PyYAML nodes were most of the load's memory). Walking them ourselves lets us
refuse duplicate keys (PyYAML silently keeps the last), interpolate `${VAR}` with the exact
location of an unset variable, bound nesting and alias expansion, and never raise on any input.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import stat
from collections.abc import Iterator, Mapping
from typing import Any, NamedTuple, TypeVar

import yaml

from infermod.config.locations import Locations, Path, Recorder, dotted
from infermod.config.yamlerrors import diagnose, snippet
from infermod.config.yamlnodes import MappingNode, Node, ScalarNode, SequenceNode, compose
from infermod.findings import Finding, Location
from infermod.lazyre import lazy

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_DEPTH = 64
MAX_NODES = 200_000
MAX_EXPANDED_CHARS = 2 * MAX_FILE_BYTES
# each limit's setting: an environment variable that raises it for a larger configuration
FILE_MB_SETTING = "INFERMOD_MAX_CONFIG_MB"
VALUES_SETTING = "INFERMOD_MAX_CONFIG_VALUES"
DEPTH_SETTING = "INFERMOD_MAX_CONFIG_DEPTH"
_ANCHOR = lazy(r"(?:^|[\s\[{,:-])&[^\s,\[\]{}]")
_DIGITS = lazy(r"[-+]?[0-9_]+")
# C0 but tab, DEL, C1, and the bidirectional overrides that make text read other than it is
# C0/C1 controls, bidirectional overrides and isolates, and the invisible format characters
# (zero-width space and joiners, direction marks, word joiner, BOM) that make `prod` and
# `prod\u200b` print alike
_CONTROL = lazy("[\x00-\x08\x0a-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")


def _plain(text: str) -> bool:
    """Printable ASCII (most values), which holds no _CONTROL character: known without the
    pattern, whose Unicode ranges take a quarter of a millisecond to compile."""
    return text.isascii() and text.isprintable()


# `\Z`, not `$`: `$` also matches before a trailing newline, so "A\n" would pass as a name.
_VAR_BODY = lazy(r"([A-Za-z_][A-Za-z0-9_]*)(?::-(.*))?\Z", re.DOTALL)
_COLLECTION_TAGS = frozenset(f"tag:yaml.org,2002:{kind}" for kind in ("map", "seq", "set", "omap", "pairs"))
# The YAML 1.1 scalar types a document may spell out with an explicit tag.
_CORE_TAGS = {
    "tag:yaml.org,2002:null": "null",
    "tag:yaml.org,2002:bool": "boolean",
    "tag:yaml.org,2002:int": "integer",
    "tag:yaml.org,2002:float": "number",
    "tag:yaml.org,2002:timestamp": "timestamp",
}

# libyaml is ~10x faster but its composer crashed the whole process on deeply nested input;
# its parser is still used only when a cheap scan shows the document cannot nest deeply (the
# composition, ours, raises RecursionError on a deep one, which we report).
_Loader = yaml.SafeLoader
_FastLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_BRACKETS = lazy(r"[\[\]{}]")
_NESTING_LINE = lazy(r"^( {200,}|(?:\s*[-?:] ){50,})", re.MULTILINE)


class LoadedFile(NamedTuple):
    path: str
    data: Any  # None when the file could not be read
    locations: Locations  # where each value is written
    env_values: dict[Path, list[str]]  # values that came from the environment, per path
    findings: list[Finding]
    interpolated: frozenset[Path] = frozenset()  # unquoted `${VAR}` scalars, typed later by the schema
    # every string value but a model's `secret`: where config/credentials.py looks for a
    # credential before it walks the values to say which one holds it
    texts: tuple[str, ...] = ()
    # each `${NAME}` a value reads, where: what a saved plan records (never a comment's text)
    variables: tuple[tuple[str, Location], ...] = ()


class Limits(NamedTuple):
    file_bytes: int = MAX_FILE_BYTES
    values: int = MAX_NODES
    depth: int = MAX_DEPTH

    @property
    def expanded_chars(self) -> int:
        return 2 * self.file_bytes


def limits(env: Mapping[str, str]) -> Limits:
    """The loader's limits, each raised by its setting when that is a larger positive number
    (a smaller or invalid one keeps the default: the limits protect the machine)."""

    def setting(name: str, default: int, unit: int = 1) -> int:
        try:
            value = int(env.get(name, "") or 0) * unit
        except ValueError:
            return default
        return max(default, value)

    return Limits(
        setting(FILE_MB_SETTING, MAX_FILE_BYTES, 1024 * 1024),
        setting(VALUES_SETTING, MAX_NODES),
        min(setting(DEPTH_SETTING, MAX_DEPTH), 400),  # deeper, and Python's own stack would fail
    )


_Item = TypeVar("_Item")


class _TooBig(Exception):
    pass


def _location(path: str, mark: Any) -> Location:
    return Location(path, mark.line + 1, mark.column + 1)


def load_file(path: str, environ: Mapping[str, str] | None = None) -> LoadedFile:
    env = os.environ if environ is None else environ
    try:
        # O_NONBLOCK: opening a FIFO would otherwise wait for a writer forever.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        return _failed(path, "config-unreadable", f"cannot read file: {exc.strerror or exc}")
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return _failed(path, "config-unreadable", "not a regular file (a FIFO, device or socket)")
        try:
            raw = fh.read(limits(env).file_bytes + 1)
        except OSError as exc:
            return _failed(path, "config-unreadable", f"cannot read file: {exc.strerror or exc}")
    return load_bytes(path, raw, env)


def load_bytes(path: str, raw: bytes, env: Mapping[str, str]) -> LoadedFile:
    bounds = limits(env)
    if len(raw) > bounds.file_bytes:
        return _failed(
            path,
            "config-too-large",
            f"file is larger than {bounds.file_bytes // (1024 * 1024)} MB",
            hint=f"split it into several files (-f DIR), or raise the limit: {FILE_MB_SETTING}=MB",
        )
    if b"\x00" in raw:
        return _failed(path, "config-not-text", "file is binary, expected YAML text")
    try:
        # as "utf-8-sig" decodes, without loading that codec's module at every start
        text = (raw[3:] if raw.startswith(b"\xef\xbb\xbf") else raw).decode("utf-8")
    except UnicodeDecodeError as exc:
        return _failed(path, "config-not-text", f"file is not UTF-8 text ({exc.reason})")
    try:
        node = compose(text, _FastLoader if _shallow(text) else _Loader)
    except yaml.MarkedYAMLError as exc:
        found = diagnose(path, text, exc)
        return _failed(path, "yaml-syntax", found.message, found.location, found.hint, found.snippet)
    except yaml.reader.ReaderError as exc:  # a character YAML refuses; it has no mark, only a position
        line_start = text.rfind("\n", 0, exc.position) + 1
        line, column = text.count("\n", 0, exc.position), exc.position - line_start
        loc = Location(path, line + 1, column + 1)
        what = f"U+{exc.character:04X}" if isinstance(exc.character, int) else "character"
        return _failed(
            path,
            "yaml-syntax",
            f"invalid YAML: the non-printable character {what} is not allowed",
            loc,
            'delete it, or write it as an escape inside double quotes ("\\u00A0")',
            snippet(text.split("\n"), line, column),
        )
    except yaml.YAMLError as exc:
        return _failed(path, "yaml-syntax", f"invalid YAML: {exc}")
    except RecursionError:
        return _failed(
            path,
            "yaml-too-deep",
            "YAML is nested too deeply",
            hint=f"nest less; the loader's limit is {DEPTH_SETTING}",
        )
    if node is None:
        return _failed(path, "config-empty", "file is empty: expected a mapping starting with `version: 1`")
    walker = _Walker(path, env, bounds, _ANCHOR.search(text) is not None)
    try:
        data = walker.walk(node, (), 0)
    except _TooBig as exc:
        return _failed(path, "yaml-too-large", exc.args[0], _location(path, node.start_mark), exc.args[1])
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
    return LoadedFile(
        path,
        data,
        walker.locations.done(),
        walker.env_values,
        walker.findings,
        frozenset(walker.interpolated),
        tuple(walker.texts),
        tuple(walker.variables),
    )


def _shallow(text: str) -> bool:
    """True when the document certainly nests less than a few hundred levels."""
    depth = deepest = 0
    for match in _BRACKETS.finditer(text):
        depth += 1 if match.group() in "[{" else -1
        deepest = max(deepest, depth)
    return deepest < 100 and _NESTING_LINE.search(text) is None


def _failed(
    path: str,
    rule: str,
    message: str,
    loc: Location | None = None,
    hint: str | None = None,
    source: str | None = None,
) -> LoadedFile:
    finding = Finding(rule, "error", message, location=loc or Location(path, 1, 1), hint=hint, snippet=source)
    return LoadedFile(path, None, Locations(), {}, [finding])


def _kind(value: Any) -> str:
    if isinstance(value, list):
        return "list"
    if value is None:
        return "null value"
    return type(value).__name__


class _Walker:
    def __init__(self, path: str, env: Mapping[str, str], bounds: Limits, anchors: bool) -> None:
        self.path = path
        self.env = env
        self.bounds = bounds
        self.anchors = anchors  # whether aliases can repeat parts of the document
        self.locations = Recorder(path)
        self.env_values: dict[Path, list[str]] = {}
        self.findings: list[Finding] = []
        self.count = 0
        self.chars = 0
        self.interpolated: set[Path] = set()
        self.texts: list[str] = []
        self.variables: list[tuple[str, Location]] = []
        self.constructor = yaml.SafeLoader("")

    def walk(self, node: Node, path: Path, depth: int, located: bool = False) -> Any:
        """The value of `node` at `path`; `located`: its location is set already (a mapping
        value's location is its key's)."""
        self.count += 1
        if self.count > self.bounds.values:
            raise _TooBig(
                f"document has more than {self.bounds.values:,} values"
                + (" once its aliases (*name) are expanded" if self.anchors else ""),
                f"split it into several files (-f DIR), or raise the limit: {VALUES_SETTING}=N",
            )
        if depth > self.bounds.depth:
            raise _TooBig(
                f"document is nested deeper than {self.bounds.depth} levels",
                f"nest less, or raise the limit: {DEPTH_SETTING}=N (at most 400)",
            )
        if not located:
            self.locations.add(path, node.line + 1, node.column + 1)
        if not isinstance(node, ScalarNode) and node.tag not in _COLLECTION_TAGS:
            loc = _location(self.path, node.start_mark)
            self._error("yaml-tag", f"unsupported tag `{_short_text(node.tag)}`", loc, path)
        if isinstance(node, MappingNode):
            return self._mapping(node, path, depth)
        if isinstance(node, SequenceNode):
            return [
                self.walk(item, (*path, i), depth + 1) for i, item in enumerate(self._consumed(node.value))
            ]
        return self._scalar(node, path)

    def _consumed(self, items: list[_Item]) -> Iterator[_Item]:
        """The items in order. Without anchors no alias can name a node again, so each is let
        go once walked (the list empties): the node tree shrinks as the data grows, and the
        load's peak memory is the larger of the two, not their sum."""
        if self.anchors:
            yield from items
            return
        items.reverse()
        while items:
            yield items.pop()

    def _mapping(self, node: MappingNode, path: Path, depth: int) -> dict[str, Any]:
        result: dict[str, Any] = {}
        seen: dict[str, int] = {}  # key -> its line
        merged: list[MappingNode] = []
        for key_node, value_node in self._consumed(node.value):
            if key_node.tag == "tag:yaml.org,2002:merge":
                merged.extend(_merge_sources(value_node))
                continue
            key_loc = _location(self.path, key_node.start_mark)
            if not isinstance(key_node, ScalarNode):
                self._error("yaml-key-type", "mapping keys must be plain strings", key_loc, path)
                continue
            key = str(key_node.value)
            # the raw key is never shown: the error is at the key with U+FFFD in its place
            key = self._printable(key, key_loc, (*path, key if _plain(key) else _CONTROL.sub("\ufffd", key)))
            if key in seen:
                self._error(
                    "yaml-duplicate-key",
                    f"duplicate key `{key}` (first defined at line {seen[key]})",
                    key_loc,
                    (*path, key),
                )
                continue
            seen[key] = key_loc.line
            self.locations.add((*path, key), key_loc.line, key_loc.column)
            result[key] = self.walk(value_node, (*path, key), depth + 1, located=True)
        for source in merged:  # YAML merge keys: explicit keys win
            for key_node, value_node in source.value:
                key = str(key_node.value)
                if key not in result:
                    self.locations.add((*path, key), key_node.line + 1, key_node.column + 1)
                    result[key] = self.walk(value_node, (*path, key), depth + 1, located=True)
        return result

    def _scalar(self, node: Node, path: Path) -> Any:
        text = str(node.value)
        self.chars += len(text)
        if self.chars > self.bounds.expanded_chars:
            # Aliases of a large scalar would multiply it (and every message quoting it).
            raise _TooBig(
                f"aliases expand the document to more than {self.bounds.expanded_chars:,} characters",
                f"twice the file size limit: raise it with {FILE_MB_SETTING}=MB",
            )
        if node.tag != "tag:yaml.org,2002:str":
            return self._typed(node, path)
        if "$" not in text:
            return self._text(self._printable(text, _location(self.path, node.start_mark), path), path)
        errors_before = len(self.findings)
        interpolated, used = self._interpolate(text, _location(self.path, node.start_mark), path)
        if len(self.findings) > errors_before:
            # already reported; keep the text so no second, confusing error follows
            return self._text(text, path)
        if used:
            self.env_values.setdefault(path, []).extend(used)
        interpolated = self._printable(interpolated, _location(self.path, node.start_mark), path)
        if not getattr(node, "style", None) and interpolated != text:
            # An unquoted `${VAR}` takes the type its field wants (decided with the schema):
            # `size: ${N}` is a number, `node_type: ${T}` keeps `010` or `L4 #x` verbatim.
            self.interpolated.add(path)
        return self._text(interpolated, path)

    def _text(self, text: str, path: Path) -> str:
        if not (len(path) == 3 and path[0] == "models" and path[2] == "secret"):
            self.texts.append(text)
        return text

    def _typed(self, node: Node, path: Path) -> Any:
        """A plain scalar that YAML resolves to a non-string, or one with an explicit tag."""
        known = _COMMON.get((node.tag, node.value))
        if known is not None:  # saves the constructor on the usual `true`, `1`, `8`
            return known[0]
        kind = _CORE_TAGS.get(node.tag)
        loc = _location(self.path, node.start_mark)
        if kind is None:
            self._error("yaml-tag", f"unsupported tag `{_short_text(node.tag)}`", loc, path)
            return self._text(str(node.value), path)
        try:
            value = self.constructor.construct_object(_yaml_node(node), deep=True)
        except (yaml.YAMLError, ValueError, TypeError, OverflowError, KeyError, AttributeError, IndexError):
            value = None
            if kind == "integer" and _DIGITS.fullmatch(str(node.value)):
                message = f"integer {self._shown(path, str(node.value))} has too many digits"
            else:
                message = f"{self._shown(path, str(node.value))} is not a valid {kind}"
            self._error("yaml-value", message, loc, path)
            return self._text(str(node.value), path)
        finally:
            self.constructor.constructed_objects.clear()  # each node is constructed once: keep none
        if isinstance(value, dt.date | dt.datetime):
            return self._text(value.isoformat(), path)
        return self._text(value, path) if isinstance(value, str) else value

    def _interpolate(self, text: str, loc: Location, path: Path) -> tuple[str, list[str]]:
        """Replace `${NAME}` and `${NAME:-default}`; one left-to-right pass, so linear in the text."""
        used: list[str] = []
        out: list[str] = []
        pos = 0
        while True:
            start = text.find("$", pos)
            if start < 0 or start + 1 >= len(text):
                break
            if text.startswith("$${", start):
                out += [text[pos:start], "${"]
                pos = start + 3
                continue
            if text[start + 1] != "{":
                out.append(text[pos : start + 1])
                pos = start + 1
                continue
            close = text.find("}", start + 2)
            if close < 0:
                self._error(
                    "env-syntax",
                    f"unclosed `${{` in {self._shown(path, text[start:])}: expected ${{NAME}} or ${{NAME:-default}}",
                    loc,
                    path,
                )
                break
            out += [text[pos:start], self._variable(text[start + 2 : close], loc, path, used)]
            pos = close + 1
        out.append(text[pos:])
        return "".join(out), used

    def _variable(self, body_text: str, loc: Location, path: Path, used: list[str]) -> str:
        body = _VAR_BODY.match(body_text)
        if body is None:
            self._error(
                "env-syntax",
                f"invalid interpolation {self._shown(path, '${' + body_text + '}')}: expected ${{NAME}} or ${{NAME:-default}}",
                loc,
                path,
            )
            return ""
        name, default = body.group(1), body.group(2)
        self.variables.append((name, loc))
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
                return ""
            value = default
        used.append(value)
        return value

    def _printable(self, text: str, loc: Location, path: Path) -> str:
        """Terminal control characters (ESC, CR, C1...) would reach the reader's terminal or CI
        log raw through every message quoting the value: an error, and later rules see U+FFFD."""
        found = None if _plain(text) else _CONTROL.search(text)
        if found is None:
            return text
        self._error(
            "yaml-control-character",
            f"the value contains the {_kind_of(found.group())} character U+{ord(found.group()):04X}; expected printable text",
            loc,
            path,
        )
        return _CONTROL.sub("\ufffd", text)

    def _shown(self, path: Path, text: str) -> str:
        """A value quoted in a message: shortened, and never one of a sensitive field."""
        return "the value (sensitive)" if "secret" in path else f"`{_short_text(text)}`"

    def _error(self, rule: str, message: str, loc: Location, path: Path, hint: str | None = None) -> None:
        self.findings.append(Finding(rule, "error", message, location=loc, field=dotted(path), hint=hint))


_COMMON: dict[tuple[str, str], tuple[Any]] = {
    **{("tag:yaml.org,2002:bool", t): (True,) for t in ("true", "True", "TRUE", "yes", "on")},
    **{("tag:yaml.org,2002:bool", f): (False,) for f in ("false", "False", "FALSE", "no", "off")},
    **{("tag:yaml.org,2002:int", str(i)): (i,) for i in range(0, 257)},
}


def _merge_sources(node: Node) -> list[MappingNode]:
    if isinstance(node, MappingNode):
        return [node]
    if isinstance(node, SequenceNode):
        return [n for n in node.value if isinstance(n, MappingNode)]
    return []


def _yaml_node(node: Node) -> yaml.Node:
    if isinstance(node, ScalarNode):
        return node.yaml_node()
    raise TypeError("only scalars are constructed")


def _short_text(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _kind_of(char: str) -> str:
    """C0 and C1 are control characters; the rest `_CONTROL` finds are invisible ones."""
    return "control" if ord(char) <= 0x9F else "invisible"
