"""Where a custom model's files are read from: a local directory, or a Hugging Face repository.

Only the small metadata files are read (config.json, tokenizer and chat-template files, the
safetensors index) plus each safetensors header; weights are never downloaded. Hub files are
read into memory with a size limit (no temporary files), each request has a time limit and is
not retried, so an unreachable Hub fails in seconds with a message naming the endpoint.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from infermod.lazyre import lazy
from infermod.rules.model_files import (
    Entry,
    SourceError,
    header_length,
    header_parameters,
    limit_for,
    local_safetensors,
    parse_json,
    read_file,
    read_json_file,
    too_large,
    walk,
)
from infermod.scw import deadline

__all__ = ["HubSource", "LocalSource", "ModelSource", "SourceError", "hub_endpoint", "is_repo_id"]

# Seconds per request (connect, then between bytes); INFERMOD_HF_TIMEOUT overrides it. Each
# call is also cut off after twice that, whatever the HTTP stack does (it may retry).
HUB_TIMEOUT = 4.0
DEFAULT_ENDPOINT = "https://huggingface.co"
_REPO_ID = lazy(r"[A-Za-z0-9][A-Za-z0-9._-]{0,95}/[A-Za-z0-9][A-Za-z0-9._-]{0,95}")
T = TypeVar("T")
MiB = 1024 * 1024


def is_repo_id(value: str) -> bool:
    return _REPO_ID.fullmatch(value) is not None


class ModelSource(Protocol):
    name: str
    identity: str | None  # the Hugging Face repository id; for a directory, only as the user names it
    # Headers read at once: 1 for local files (memory stays bounded), a few for the Hub's
    # round trips (each header is still limited, so memory stays bounded too).
    parallel_reads: int

    def entries(self) -> list[Entry]: ...
    def problems(self) -> list[SourceError]: ...
    def read_json(self, path: str) -> Any: ...
    def read_bytes(self, path: str, limit: int) -> bytes | bytearray: ...
    def safetensors_parameters(self, path: str) -> int: ...


class LocalSource:
    parallel_reads = 1

    def __init__(self, root: str, identity: str | None = None) -> None:
        """`identity`: the repository the user says this directory is a copy of; never guessed."""
        self.root = root
        self.name = os.path.abspath(root)
        self.identity = identity
        self._walked: tuple[list[Entry], list[SourceError]] | None = None

    def entries(self) -> list[Entry]:
        if self._walked is None:
            self._walked = walk(self.root)
        return self._walked[0]

    def problems(self) -> list[SourceError]:
        self.entries()
        return self._walked[1] if self._walked else []

    def read_json(self, path: str) -> Any:
        return read_json_file(self.root, path)

    def read_bytes(self, path: str, limit: int) -> bytes | bytearray:
        return read_file(self.root, path, limit)

    def safetensors_parameters(self, path: str) -> int:
        return local_safetensors(self.root, path)


def _per_request() -> float:
    try:
        return min(max(float(os.environ.get("INFERMOD_HF_TIMEOUT", HUB_TIMEOUT)), 0.1), 60.0)
    except ValueError:
        return HUB_TIMEOUT


def _timeout() -> float:
    """A request's limit: INFERMOD_HF_TIMEOUT, or less when the command's --timeout ends sooner."""
    return max(deadline.cap(_per_request()), 0.05)


def hub_endpoint() -> str:
    """The Hub to read: the sandbox's local Hub while one runs, else HF_ENDPOINT."""
    from infermod import sandbox

    return (sandbox.hub_url() or os.environ.get("HF_ENDPOINT") or DEFAULT_ENDPOINT).rstrip("/")


class HubSource:
    """A repository on the Hub (or on HF_ENDPOINT), read with huggingface_hub."""

    parallel_reads = 4

    def __init__(self, repo: str, token: str | None) -> None:
        self.name = repo
        self.identity: str | None = repo
        self.token = token or os.environ.get("HF_TOKEN") or None
        self.endpoint = hub_endpoint()
        self._entries: list[Entry] | None = None

    def entries(self) -> list[Entry]:
        if self._entries is None:
            from huggingface_hub import HfApi

            if not is_repo_id(self.name):
                raise SourceError(
                    "model-source",
                    f"{self.name[:200]!r} is neither a local directory nor a Hugging Face repository (ORG/NAME)",
                    "give a directory that holds config.json, or ORG/NAME, hf://ORG/NAME or a huggingface.co URL",
                )
            self._offline_check()
            api = HfApi(endpoint=self.endpoint, token=self.token or False)
            info = self._call(lambda: api.model_info(self.name, files_metadata=True, timeout=_timeout()))
            self._entries = sorted(Entry(s.rfilename, s.size or 0) for s in info.siblings or [])
        return self._entries

    def problems(self) -> list[SourceError]:
        return []

    def read_json(self, path: str) -> Any:
        size = next((e.size for e in self.entries() if e.path == path), 0)
        if size > limit_for(path):
            raise too_large(path, size)
        return parse_json(path, self._call(lambda: self._download(path, limit_for(path))))

    def read_bytes(self, path: str, limit: int) -> bytes | bytearray:
        """A whole file, refused over `limit`; its time limit grows with its listed size (at
        1 MiB/s at least), so that a tokenizer of tens of MB is not cut off as a small file is."""
        size = next((e.size for e in self.entries() if e.path == path), 0)
        if size > limit:
            raise too_large(path, size, limit)
        seconds = 2 * _per_request() + size / MiB
        return self._call(lambda: self._download(path, limit), seconds)

    def safetensors_parameters(self, path: str) -> int:
        """Read with two range requests (length, then header), as huggingface_hub does, but
        with infermod's limits on both so that a hostile repository cannot exhaust memory."""
        size = next((e.size for e in self.entries() if e.path == path), 0)
        first = self._call(lambda: self._download(path, 8, (0, 7))) if size >= 8 else b""
        length = header_length(path, first, size)
        raw = self._call(lambda: self._download(path, length, (8, 7 + length))) if length else b""
        return header_parameters(path, raw, size - 8 - length)

    def _download(self, path: str, limit: int, byte_range: tuple[int, int] | None = None) -> bytearray:
        """The file's bytes (or a range of them), never more than `limit` whatever the server
        sends: too much is an error for a whole file, and cut off for a range."""
        from huggingface_hub import hf_hub_url
        from huggingface_hub.utils._headers import build_hf_headers
        from huggingface_hub.utils._http import get_session, hf_raise_for_status

        url = hf_hub_url(self.name, path, endpoint=self.endpoint)
        headers = build_hf_headers(token=self.token or False)
        if byte_range:
            headers["range"] = f"bytes={byte_range[0]}-{byte_range[1]}"
        with get_session().stream("GET", url, headers=headers, timeout=_timeout()) as response:
            if response.status_code >= 400:
                response.read()
                hf_raise_for_status(response)
            data = bytearray()  # grown in place: no second copy of a large file
            for chunk in response.iter_bytes():
                data += chunk
                if len(data) > limit and not byte_range:
                    raise too_large(path, len(data), limit)
                if len(data) >= limit and byte_range:
                    break
        del data[limit:]
        return data

    def _offline_check(self) -> None:
        from infermod import sandbox

        flag = os.environ.get("HF_HUB_OFFLINE", "").strip().lower()
        if flag in ("1", "true", "yes", "on") and not sandbox.hub_url():
            raise SourceError(
                "hf-offline",
                f"HF_HUB_OFFLINE is set: {self.name} cannot be read from {self.endpoint}",
                "unset HF_HUB_OFFLINE, or check a local copy with `infermod check-model DIR`",
            )

    def _call(self, fn: Callable[[], T], seconds: float | None = None) -> T:
        """fn's answer, waiting at most `seconds` (twice the per-request limit unless given),
        and never past the command's deadline."""
        box: list[Any] = []
        limit = 2 * _per_request() if seconds is None else seconds

        def run() -> None:
            try:
                box.append((True, fn()))
            except Exception as exc:  # every failure of the Hub or the network becomes a finding
                box.append((False, exc))

        if deadline.expired():
            raise self._late()
        worker = threading.Thread(target=run, daemon=True)
        worker.start()
        worker.join(deadline.cap(limit))
        if not box:
            if deadline.expired():
                raise self._late()
            raise SourceError(
                "hf-unreachable",
                f"no answer from the Hugging Face Hub at {self.endpoint} for {self.name} within {limit:g} s",
                "check the network, or HF_ENDPOINT",
            )
        ok, value = box[0]
        if ok:
            return value  # type: ignore[no-any-return]
        if isinstance(value, SourceError):
            raise value
        raise self._explain(value) from None

    def _late(self) -> SourceError:
        """The command's one deadline covers the Hub too: once it has passed, nothing more is read."""
        return SourceError(
            "hf-unreachable",
            f"{deadline.describe()} before {self.name} could be read from the Hugging Face Hub at {self.endpoint}",
            "check the network, or HF_ENDPOINT; or give a longer --timeout",
        )

    def _explain(self, exc: Exception) -> SourceError:
        from huggingface_hub.errors import (
            GatedRepoError,
            HfHubHTTPError,
            OfflineModeIsEnabled,
            RemoteEntryNotFoundError,
            RepositoryNotFoundError,
        )

        if isinstance(exc, GatedRepoError):
            if self.token:
                return SourceError(
                    "hf-access",
                    f"{self.name} is gated and the token was refused",
                    "request access on Hugging Face with the token's account",
                )
            return SourceError(
                "hf-access",
                f"{self.name} is gated: a Hugging Face token is required",
                "declare `secret: ${HF_TOKEN}` and export HF_TOKEN",
            )
        if isinstance(exc, RepositoryNotFoundError):
            hint = (
                "check the name and that the token can read it"
                if self.token
                else "check the name; a private repository needs `secret: ${HF_TOKEN}`"
            )
            return SourceError(
                "hf-not-found", f"{self.name} was not found on {self.endpoint}, or is private", hint
            )
        if isinstance(exc, RemoteEntryNotFoundError):
            return SourceError("hf-not-found", f"a file listed in {self.name} could not be downloaded")
        if isinstance(exc, OfflineModeIsEnabled):
            return SourceError("hf-offline", f"HF_HUB_OFFLINE is set: {self.name} cannot be read")
        if isinstance(exc, HfHubHTTPError):
            status = getattr(getattr(exc, "response", None), "status_code", None)
            if status in (401, 403):
                return SourceError(
                    "hf-access",
                    f"access to {self.name} was refused ({status})",
                    "check the Hugging Face token",
                )
            return SourceError(
                "hf-unreachable", f"{self.endpoint} answered {status or 'an error'} for {self.name}"
            )
        return SourceError(
            "hf-unreachable",
            f"cannot reach the Hugging Face Hub at {self.endpoint} for {self.name} "
            f"({type(exc).__name__}, {_per_request():g} s limit per request)",
            "check the network, or HF_ENDPOINT",
        )
