"""infermod's plan notes on a merge request: the hidden marker that names each note's stack,
and the notes that carry it written by the token's own user (anyone else's, a quoted plan or
another bot's note, is never taken for ours)."""

from __future__ import annotations

from collections.abc import Iterator

from infermod.gitlab.api import GitLab
from infermod.lazyre import lazy

MARKER_PREFIX = "<!-- infermod-plan stack="
MARKER_RE = lazy(r"<!-- infermod-plan stack=(\S+) -->")


def marker(stack: str) -> str:
    return f"{MARKER_PREFIX}{stack} -->"


def our_plan_notes(api: GitLab, base: str) -> Iterator[tuple[int, str, str]]:
    """(note id, the stack its marker names, its body) of each of our plan notes at `base`
    (`/projects/:id/merge_requests/:iid/notes`), oldest first."""
    me = api.user_id()
    for note in api.pages(base, {"sort": "asc", "order_by": "created_at"}):
        author = note.get("author")
        if note.get("system") or not isinstance(author, dict) or author.get("id") != me:
            continue
        body = str(note.get("body", ""))
        match = MARKER_RE.search(body)
        if match and isinstance(note.get("id"), int):
            yield note["id"], match.group(1), body
