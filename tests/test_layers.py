"""The house has floors (docs/architecture.md): no two modules import each other, even through
others, and no package (`plan/`, `rules/`, ...) imports one that imports it back, so every
import runs down a floor. Read from the code's own imports: at the top of a module, inside
functions and under TYPE_CHECKING alike, since each one ties the two modules together."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import infermod

PACKAGE = Path(infermod.__file__).parent

Edge = tuple[str, str, str]  # importer, imported, where (path:line)


def modules() -> dict[str, Path]:
    """Every module of infermod by its dotted name (a package by its __init__.py)."""
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        out[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return out


def imports(name: str, path: Path, known: dict[str, Path], root: Path = PACKAGE.parent) -> Iterator[Edge]:
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            targets = [
                f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base for alias in node.names
            ]
        for target in targets:
            while target and target not in known:  # infermod.x.y.Name -> infermod.x.y
                target = target.rpartition(".")[0]
            if target and target != name:
                yield name, target, f"{path.relative_to(root)}:{node.lineno}"


def room(module: str) -> str:
    """A package directly under infermod is one room (`infermod.plan`); a module is its own."""
    parts = module.split(".")
    return ".".join(parts[:2]) if len(parts) > 2 or (PACKAGE / parts[-1]).is_dir() else module


def circle(edges: list[Edge]) -> list[Edge]:
    """One loop of imports among `edges` ([] when there is none), each with where it is made."""
    out: dict[str, list[Edge]] = {}
    for edge in edges:
        out.setdefault(edge[0], []).append(edge)
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[Edge] = []

    def visit(node: str) -> list[Edge]:
        state[node] = 1
        for edge in out.get(node, []):
            path.append(edge)
            if state.get(edge[1]) == 1:
                start = next(i for i, e in enumerate(path) if e[0] == edge[1])
                return path[start:]
            if edge[1] not in state and (found := visit(edge[1])):
                return found
            path.pop()
        state[node] = 2
        return []

    for node in sorted(out):
        if node not in state and (found := visit(node)):
            return found
    return []


def every_import() -> list[Edge]:
    known = modules()
    return [edge for name, path in known.items() for edge in imports(name, path, known)]


def said(loop: list[Edge]) -> str:
    return "\n".join(f"  {a} imports {b} ({where})" for a, b, where in loop)


def test_no_two_modules_import_each_other():
    loop = circle(every_import())
    assert not loop, "a circle of imports:\n" + said(loop) + "\nmove what they share down a floor"


def test_every_import_runs_down_a_floor():
    edges = [(room(a), room(b), where) for a, b, where in every_import() if room(a) != room(b)]
    loop = circle(edges)
    assert not loop, (
        "an import runs back up a floor (each package is one floor, docs/architecture.md):\n"
        + said(loop)
        + "\nmove the shared piece down, or the caller up"
    )


def test_the_check_sees_a_circle_through_a_function_level_import(tmp_path):
    # what the two tests above rely on: imports inside functions and relative imports are read
    package = tmp_path / "infermod"
    (package / "rules").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "rules" / "__init__.py").write_text("")
    (package / "rules" / "safety.py").write_text("def f():\n    from ..planning import build\n")
    (package / "planning.py").write_text("from infermod.rules import safety\n\ndef build(): ...\n")
    known = {
        "infermod": package / "__init__.py",
        "infermod.rules": package / "rules" / "__init__.py",
        "infermod.rules.safety": package / "rules" / "safety.py",
        "infermod.planning": package / "planning.py",
    }
    edges = [edge[:2] for name, path in known.items() for edge in imports(name, path, known, tmp_path)]
    assert sorted(edges) == [
        ("infermod.planning", "infermod.rules.safety"),
        ("infermod.rules.safety", "infermod.planning"),
    ]
    loop = circle([(a, b, "") for a, b in edges])
    assert {edge[0] for edge in loop} == {"infermod.planning", "infermod.rules.safety"}
