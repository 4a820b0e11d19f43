"""Small, verifiable edits of a configuration file: the `id:` line that adopts a model.

Custom models cannot be tagged or renamed, so `infermod import model.KEY ID` records the
adoption where the stack's ownership of that model can live: the configuration. The line goes
first in the model's mapping, indented like its other fields (block style) or as the first
entry of a `{...}` (flow style); everything else in the file, comments included, is kept byte
for byte. `apply --replace model.KEY` takes the line out again once the model it names is
deleted. The caller loads the file again to prove the edit says what it should.

A configuration file that is a symbolic link is edited where it points: the link stays a link
(its target is replaced atomically, in the target's directory).
"""

from __future__ import annotations

import os
import stat

from infermod.config.closed import MODEL
from infermod.config.model import Config
from infermod.errors import FatalError
from infermod.lazyre import lazy
from infermod.writefile import write_atomically


class NotEditable(FatalError):
    """The file is written in a way this edit does not handle: the user adds the line."""


def model_id_edit(config: Config, key: str, model_id: str) -> tuple[str, int, bytes]:
    """(file, line, the file's bytes before) once `id: model_id` is written into models.KEY."""
    here = config.locations.get(f"models.{key}")
    located = (config.locations.get(f"models.{key}.{field}") for field in MODEL)
    fields = [loc for loc in located if loc is not None]
    if here is None or not fields:
        raise NotEditable(f"models.{key} has no fields this edit can place the line beside")
    first = min(fields, key=lambda loc: (loc.line, loc.column))
    if first.file != here.file:
        raise NotEditable(f"models.{key} is written across files")
    with open(_target(here.file), "rb") as fh:
        before = fh.read()
    text = before.decode("utf-8")
    lines = text.splitlines(keepends=True)
    if first.line > len(lines) or here.line > len(lines):
        raise NotEditable(f"{here.file} changed while it was read")
    key_line = lines[here.line - 1]
    after_key = key_line[here.column - 1 :].split(":", 1)
    flow = len(after_key) == 2 and after_key[1].lstrip().startswith("{")
    line = lines[first.line - 1]
    at = first.column - 1
    if flow:
        lines[first.line - 1] = f"{line[:at]}id: {model_id}, {line[at:]}"
        written = first.line
    elif first.line > here.line and line[:at].strip() == "":
        newline = "\r\n" if line.endswith("\r\n") else "\n"
        lines.insert(first.line - 1, f"{line[:at]}id: {model_id}{newline}")
        written = first.line
    else:
        raise NotEditable(f"models.{key} is not written as a plain mapping")
    _write(here.file, "".join(lines).encode("utf-8"))
    return here.file, written, before


def model_id_removal(config: Config, key: str, model_id: str) -> tuple[str, int, bytes]:
    """(file, line, the file's bytes before) once the `id: model_id` of models.KEY is taken out:
    a line of its own (block style), or an entry of a `{...}` followed by another."""
    where = config.locations.get(f"models.{key}.id")
    if where is None:
        raise NotEditable(f"models.{key}.id is not written in a file")
    with open(_target(where.file), "rb") as fh:
        before = fh.read()
    lines = before.decode("utf-8").splitlines(keepends=True)
    if where.line > len(lines):
        raise NotEditable(f"{where.file} changed while it was read")
    line = lines[where.line - 1]
    at = where.column - 1
    entry = _ID_ENTRY.match(line, at)
    if entry is None or entry.group("id") != model_id:
        raise NotEditable(f"models.{key}.id is not written as `id: {model_id}`")
    rest = line[entry.end() :]
    if line[:at].strip() == "" and (rest.strip() == "" or rest.lstrip().startswith("#")):
        del lines[where.line - 1]  # the line of its own, its comment included
    elif rest.lstrip().startswith(","):
        lines[where.line - 1] = line[:at] + rest.lstrip()[1:].lstrip()
    else:
        raise NotEditable(
            f"models.{key}.id is not written as a line of its own or a `{{id: ..., ...}}` entry"
        )
    _write(where.file, "".join(lines).encode("utf-8"))
    return where.file, where.line, before


# `id: VALUE` at a field's position, plain or quoted, the value what `import model.KEY` writes
_ID_ENTRY = lazy(r"""id[ \t]*:[ \t]*(?P<q>["']?)(?P<id>[0-9a-fA-F-]+)(?P=q)""")


def restore(path: str, before: bytes) -> None:
    _write(path, before)


def _target(path: str) -> str:
    """Where a configuration file's bytes are: a symbolic link's target (whole chain), so that an
    edit replaces the file the link names and leaves the link a link."""
    return os.path.realpath(path)


def _write(path: str, body: bytes) -> None:
    target = _target(path)
    mode = stat.S_IMODE(os.stat(target).st_mode)
    write_atomically(target, body, "configuration", mode=mode, input_ok=True)
