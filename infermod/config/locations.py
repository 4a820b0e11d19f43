"""Where each value of the configuration is written (file, line, column), kept compactly.

A large configuration has ten or so located values per deployment; a `Location` tuple and a
key per value cost about 2 KB a deployment (issue 25). Here each resource (`deployments.KEY`,
`models.KEY`; everything else is one group) keeps its fields' lines and columns in one array
of integers, and the field names in a shape shared by every resource written with the same
fields in the same order. A `Location` is made only when one is asked for.
Fields are named dotted, so two paths spelt alike (`a.b` and `a`→`b`: a key holding `.` or `[`,
which the schema refuses) share the location written first.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator, Sequence

from infermod.findings import Location

Path = tuple[str | int, ...]
RESOURCES = ("deployments", "models")  # sections whose entries are grouped by resource


def dotted(path: Path) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


class _Part:
    """The located values of one group in one file: field name -> index, and the lines and
    columns, two integers a field."""

    __slots__ = ("file", "positions", "shape")

    def __init__(self, file: str, shape: dict[str, int], positions: array[int]) -> None:
        self.file = file
        self.shape = shape
        self.positions = positions

    def get(self, field: str) -> Location | None:
        i = self.shape.get(field)
        if i is None:
            return None
        return Location(self.file, self.positions[2 * i], self.positions[2 * i + 1])


class Locations:
    """Field -> Location, looked up by a dotted field (`deployments.bot.endpoints[0].public`)
    or by the path the loader walked (`("deployments", "bot", "endpoints", 0, "public")`)."""

    __slots__ = ("_groups",)

    def __init__(self, groups: dict[str, tuple[_Part, ...]] | None = None) -> None:
        self._groups: dict[str, tuple[_Part, ...]] = groups or {}

    @staticmethod
    def merged(each: Sequence[Locations]) -> Locations:
        """Several files' locations as one; where two locate the same field, the first wins."""
        if len(each) == 1:
            return each[0]
        groups: dict[str, tuple[_Part, ...]] = {}
        for one in each:
            for key, parts in one._groups.items():
                groups[key] = groups.get(key, ()) + parts
        return Locations(groups)

    def get(self, field: str | Path) -> Location | None:
        if isinstance(field, tuple):
            if len(field) >= 2 and field[0] in RESOURCES:
                return self._in(dotted(field[:2]), dotted(field[2:]))
            return self._in("", dotted(field))
        for end in _ends(field):
            parts = self._groups.get(field[:end])
            if parts is not None:
                found = self._in(
                    field[:end], field[end + 1 :] if field[end : end + 1] == "." else field[end:]
                )
                if found is not None:
                    return found
        return self._in("", field)

    def _in(self, group: str, field: str) -> Location | None:
        for part in self._groups.get(group, ()):
            found = part.get(field)
            if found is not None:
                return found
        return None

    def __getitem__(self, field: str | Path) -> Location:
        found = self.get(field)
        if found is None:
            raise KeyError(field)
        return found

    def __contains__(self, field: object) -> bool:
        if isinstance(field, str):
            return self.get(field) is not None
        return isinstance(field, tuple) and self.get(field) is not None

    def __iter__(self) -> Iterator[str]:
        """Every located field, dotted (a field two files locate, once)."""
        seen: set[str] = set()
        for group, parts in self._groups.items():
            for part in parts:
                for name in part.shape:
                    field = _join(group, name)
                    if field not in seen:
                        seen.add(field)
                        yield field

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def __bool__(self) -> bool:
        return bool(self._groups)


def _join(group: str, field: str) -> str:
    if not group or not field:
        return group or field
    return group + field if field.startswith("[") else f"{group}.{field}"


def _ends(field: str) -> Iterator[int]:
    """Where a resource's group can end in a dotted field: after `deployments.` (or `models.`),
    at each `.` or `[`, and at the end (a key holding a dot is cut at each of them in turn)."""
    for section in RESOURCES:
        if field.startswith(section) and field[len(section) : len(section) + 1] in (".", "["):
            start = len(section) + 1
            for end in range(start, len(field)):
                if field[end] in ".[":
                    yield end
            yield len(field)
            return


class Recorder:
    """Collects the locations of one file as the loader walks it, then makes its Locations."""

    __slots__ = ("_file", "_open")

    def __init__(self, file: str) -> None:
        self._file = file
        self._open: dict[Path, tuple[list[Path], list[int]]] = {}

    def add(self, path: Path, line: int, column: int) -> None:
        """The 1-based line and column of `path`; a path added twice keeps its first."""
        if len(path) >= 2 and path[0] in RESOURCES:
            group, field = path[:2], path[2:]
        else:
            group, field = (), path
        fields = self._open.get(group)
        if fields is None:
            fields = self._open[group] = ([], [])
        fields[0].append(field)
        fields[1].extend((line, column))

    def done(self) -> Locations:
        shapes: dict[tuple[str, ...], dict[str, int]] = {}
        groups: dict[str, tuple[_Part, ...]] = {}
        for group, (fields, positions) in self._open.items():
            names = tuple(dotted(f) for f in fields)
            shape = shapes.get(names)
            if shape is None:
                shape = shapes[names] = {}
                for i, name in enumerate(names):
                    shape.setdefault(name, i)
            groups[dotted(group)] = (_Part(self._file, shape, array("I", positions)),)
        self._open = {}
        return Locations(groups)
