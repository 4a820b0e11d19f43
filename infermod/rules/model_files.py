"""Reading a model's files defensively: the directory may be hostile or broken.

Only regular files inside the model directory are read (no FIFO, device or socket, no link
that resolves outside), metadata files have a size limit, JSON a bound on how many values it
may hold, and a safetensors header is checked against the file it sits in. Nothing here can
block or take more than a few hundred MB, whatever the input.
"""

from __future__ import annotations

import json
import os
import stat
from typing import Any, NamedTuple

MiB = 1024 * 1024
METADATA_LIMIT = 4 * MiB  # config.json, tokenizer_config.json, chat_template.json: KBs in practice
INDEX_LIMIT = 32 * MiB  # model.safetensors.index.json of the largest models: about 10 MB
HEADER_LIMIT = 8 * MiB  # a safetensors header: a few hundred KB in practice
MAX_JSON_VALUES = 300_000  # about 100 MB of Python objects at most
MAX_ENTRIES = 10_000  # files and directories walked in a local model directory
MAX_DEPTH = 8

# Bytes per element; sub-byte and exotic types are known but not size-checked.
DTYPE_BYTES = {
    "F64": 8, "I64": 8, "U64": 8,
    "F32": 4, "I32": 4, "U32": 4,
    "F16": 2, "BF16": 2, "I16": 2, "U16": 2,
    "I8": 1, "U8": 1, "BOOL": 1, "F8_E4M3": 1, "F8_E5M2": 1, "F8_E8M0": 1, "E8M0": 1,
}  # fmt: skip
OTHER_DTYPES = ("F4", "F6_E2M3", "F6_E3M2", "C64")
# What git leaves in place of a Git LFS file whose content was never fetched (about 130 bytes)
LFS_PREFIX = b"version https://git-lfs.github.com/spec/v1"
LFS_POINTER_MAX = 1024


class SourceError(Exception):
    """A source or one of its files cannot be used; `rule` says why (not found, unsafe...)."""

    def __init__(self, rule: str, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.rule = rule
        self.hint = hint


class Entry(NamedTuple):
    path: str  # relative, with `/`
    size: int


def walk(root: str) -> tuple[list[Entry], list[SourceError]]:
    """The regular files under root, and a problem for each entry that is refused."""
    base = os.path.realpath(root)
    files: list[Entry] = []
    problems: list[SourceError] = []
    pending: list[tuple[str, int]] = [("", 0)]
    seen = 0
    while pending:
        rel_dir, depth = pending.pop()
        try:
            entries = list(os.scandir(os.path.join(root, rel_dir)))
        except OSError as exc:
            problems.append(SourceError("model-file-unsafe", f"cannot list {rel_dir or '.'}: {exc.strerror}"))
            continue
        for entry in entries:
            seen += 1
            if seen > MAX_ENTRIES:
                raise SourceError(
                    "model-directory-too-large",
                    f"the model directory has more than {MAX_ENTRIES} files and directories",
                    "point check-model at the directory that holds config.json",
                )
            rel = f"{rel_dir}/{entry.name}" if rel_dir else entry.name
            kind = _kind(base, os.path.join(root, rel))
            if kind == "dir" and not entry.is_symlink() and depth < MAX_DEPTH:
                pending.append((rel, depth + 1))
            elif isinstance(kind, Entry):
                files.append(kind._replace(path=rel))
            elif isinstance(kind, SourceError):
                problems.append(SourceError(kind.rule, f"{rel}: {kind}", kind.hint))
    return sorted(files), problems


def _kind(base: str, path: str) -> Entry | SourceError | str:
    real = os.path.realpath(path)
    if real != base and not real.startswith(base + os.sep):
        return SourceError(
            "model-file-unsafe",
            "is a link to outside the model directory; not read",
            "copy the file into the directory instead of linking to it",
        )
    try:
        st = os.stat(real)
    except OSError:
        return SourceError("model-file-unsafe", "is a broken link; not read")
    if stat.S_ISDIR(st.st_mode):
        return "dir"
    if not stat.S_ISREG(st.st_mode):
        return SourceError("model-file-unsafe", "is not a regular file (a FIFO, device or socket); not read")
    return Entry("", st.st_size)


def open_regular(root: str, rel: str) -> tuple[int, int]:
    """An open descriptor on root/rel and its size, refusing anything but a regular file inside
    root. O_NONBLOCK: opening a FIFO would otherwise wait for a writer forever."""
    base = os.path.realpath(root)
    real = os.path.realpath(os.path.join(root, rel))
    if not real.startswith(base + os.sep):
        raise SourceError("model-file-unsafe", f"{rel} is a link to outside the model directory; not read")
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(real, flags)
    except OSError as exc:
        raise SourceError("model-file-unsafe", f"cannot open {rel}: {exc.strerror}") from None
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        os.close(fd)
        raise SourceError(
            "model-file-unsafe", f"{rel} is not a regular file (a FIFO, device or socket); not read"
        )
    return fd, st.st_size


def read_limited(fd: int, count: int) -> bytes:
    chunks: list[bytes] = []
    left = count
    while left > 0:
        chunk = os.read(fd, min(left, MiB))
        if not chunk:
            break
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def limit_for(path: str) -> int:
    return INDEX_LIMIT if path.endswith(".index.json") else METADATA_LIMIT


def too_large(path: str, size: int, limit: int | None = None) -> SourceError:
    limit = limit_for(path) if limit is None else limit
    return SourceError(
        "model-file-too-large",
        f"{path} is {size:,} bytes, more than the {limit:,} bytes such a file can need; not read",
        "check that the file is what its name says",
    )


def lfs_pointer(raw: bytes | bytearray) -> bool:
    return len(raw) <= LFS_POINTER_MAX and bytes(raw[: len(LFS_PREFIX)]) == LFS_PREFIX


def lfs_error(path: str) -> SourceError:
    return SourceError(
        "model-file-lfs-pointer",
        f"{path} is a Git LFS pointer, not the file: its content was never fetched",
        "run `git lfs pull` in the clone the files come from (then upload them again, for a Hub repository)",
    )


def parse_json(path: str, raw: bytes | bytearray) -> Any:
    """JSON, with the count of values bounded before parsing so that memory stays bounded."""
    if lfs_pointer(raw):
        raise lfs_error(path)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise SourceError("model-file-invalid", f"{path} is not UTF-8 text") from None
    if text.count(",") + text.count("{") + text.count("[") > MAX_JSON_VALUES:
        raise SourceError(
            "model-file-too-large", f"{path} holds more than {MAX_JSON_VALUES:,} values; not read"
        )
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        raise SourceError("model-file-invalid", f"{path} is not valid JSON") from None


def read_json_file(root: str, rel: str) -> Any:
    return parse_json(rel, read_file(root, rel, limit_for(rel)))


def read_file(root: str, rel: str, limit: int) -> bytes:
    """The whole of root/rel, refused when larger than `limit` (checked before reading, and
    again while reading: a file may grow)."""
    fd, size = open_regular(root, rel)
    try:
        if size > limit:
            raise too_large(rel, size, limit)
        raw = read_limited(fd, limit + 1)
    finally:
        os.close(fd)
    if len(raw) > limit:
        raise too_large(rel, len(raw), limit)
    return raw


def local_safetensors(root: str, rel: str) -> int:
    """Parameters in root/rel, after checking its header against the file."""
    fd, size = open_regular(root, rel)
    try:
        length = header_length(rel, read_limited(fd, 8), size)
        raw = read_limited(fd, length)
    finally:
        os.close(fd)
    return header_parameters(rel, raw, size - 8 - length)


def header_length(rel: str, first: bytes | bytearray, size: int) -> int:
    """The header length the first 8 bytes declare, checked against the file's size."""
    if size < 8 or len(first) < 8:
        raise _bad(rel, f"is {size} bytes long: too short for a safetensors header (empty or truncated?)")
    if size <= LFS_POINTER_MAX and bytes(first[:8]) == LFS_PREFIX[:8]:
        raise lfs_error(rel)
    length = int.from_bytes(first[:8], "little")
    if length > HEADER_LIMIT:
        raise _bad(rel, f"declares a {length:,}-byte header, more than {HEADER_LIMIT:,} bytes")
    if 8 + length > size:
        raise _bad(rel, f"declares a {length:,}-byte header but the file is {size:,} bytes (truncated?)")
    return length


def header_parameters(rel: str, raw: bytes | bytearray, data_size: int) -> int:
    """Parameters the JSON header describes, each tensor checked against the data that follow."""
    try:
        header = parse_json(rel, raw)
    except SourceError:
        raise _bad(rel, "has a header that is not valid JSON") from None
    if not isinstance(header, dict):
        raise _bad(rel, "has a header that is not a JSON object")
    tensors = [
        (name, info.get("dtype"), info.get("shape"), info.get("data_offsets"))
        for name, info in header.items()
        if name != "__metadata__" and isinstance(info, dict)
    ]
    if len(tensors) != len([n for n in header if n != "__metadata__"]):
        raise _bad(rel, "has a header entry that is not a tensor description")
    return check_tensors(rel, tensors, data_size)


def check_tensors(rel: str, tensors: list[tuple[str, Any, Any, Any]], data_size: int) -> int:
    """Each tensor has a known dtype, a shape of non-negative sizes and data inside the file."""
    total = 0
    for name, dtype, shape, offsets in tensors:
        what = f"tensor {name[:80]!r}"
        if not isinstance(dtype, str) or (dtype not in DTYPE_BYTES and dtype not in OTHER_DTYPES):
            raise _bad(rel, f"has {what} with an unknown dtype {str(dtype)[:20]!r}")
        if not isinstance(shape, list) or not all(_natural(d) for d in shape):
            raise _bad(rel, f"has {what} whose shape is not a list of non-negative integers")
        if not (isinstance(offsets, list) and len(offsets) == 2 and all(_natural(o) for o in offsets)):
            raise _bad(rel, f"has {what} without valid data offsets")
        begin, end = offsets
        if begin > end or end > data_size:
            raise _bad(
                rel,
                f"has {what} whose data ({begin:,}-{end:,}) lies outside the file's {data_size:,} data bytes",
            )
        count = 0 if 0 in shape else 1
        for dim in shape if count else ():
            count *= dim
            # stop before the product grows huge: 2,000 dims of 4,000 digits each take minutes
            if count > 2 * data_size:  # no dtype packs more than two elements in a byte
                raise _bad(rel, f"has {what} whose shape holds more elements than the file has data for")
        if dtype in DTYPE_BYTES and count * DTYPE_BYTES[dtype] != end - begin:
            raise _bad(rel, f"has {what} whose size does not match its shape and dtype")
        total += count
    return total


def _natural(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _bad(rel: str, problem: str) -> SourceError:
    return SourceError(
        "model-weights-invalid",
        f"{rel} {problem}",
        "upload the file again: it is not a complete safetensors file",
    )
