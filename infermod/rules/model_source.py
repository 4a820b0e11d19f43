"""Where a custom model's files are read from: a local directory, or a Hugging Face repository.

Only the small metadata files are read (config.json, tokenizer files, chat templates) plus the
safetensors headers for the parameter count; weights are never downloaded.
"""

from __future__ import annotations

import json
import os
import struct
import tempfile
from typing import Any, Protocol


class SourceError(Exception):
    """The source cannot be read; `rule` says why (not found, gated, refused...)."""

    def __init__(self, rule: str, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.rule = rule
        self.hint = hint


class ModelSource(Protocol):
    name: str

    def files(self) -> list[str]: ...
    def read_json(self, path: str) -> Any: ...
    def read_text(self, path: str) -> str | None: ...
    def parameter_count(self) -> int | None: ...


class LocalSource:
    def __init__(self, root: str) -> None:
        self.root = root
        self.name = os.path.abspath(root)

    def files(self) -> list[str]:
        out = []
        for base, _, names in os.walk(self.root):
            for name in names:
                out.append(os.path.relpath(os.path.join(base, name), self.root).replace(os.sep, "/"))
        return sorted(out)

    def read_text(self, path: str) -> str | None:
        try:
            with open(os.path.join(self.root, path), encoding="utf-8") as fh:
                return fh.read()
        except (OSError, UnicodeDecodeError):
            return None

    def read_json(self, path: str) -> Any:
        text = self.read_text(path)
        return _json(text)

    def parameter_count(self) -> int | None:
        total = 0
        found = False
        for path in self.files():
            if path.endswith(".safetensors"):
                count = _safetensors_params(os.path.join(self.root, path))
                if count is not None:
                    total += count
                    found = True
        return total if found else None


class HubSource:
    """A repository on the Hub (or on HF_ENDPOINT), read with huggingface_hub."""

    def __init__(self, repo_id: str, token: str | None) -> None:
        from huggingface_hub import HfApi

        self.name = repo_id
        self.token = token or os.environ.get("HF_TOKEN") or None
        self.endpoint = os.environ.get("HF_ENDPOINT") or None
        self.api = HfApi(endpoint=self.endpoint, token=self.token or False)
        self.cache = tempfile.mkdtemp(prefix="infermod-hf-")
        self._files: list[str] | None = None

    def files(self) -> list[str]:
        if self._files is None:
            self._files = sorted(self._call(lambda: self.api.list_repo_files(self.name)))
        return self._files

    def read_text(self, path: str) -> str | None:
        if path not in self.files():
            return None
        from huggingface_hub import hf_hub_download

        local = self._call(
            lambda: hf_hub_download(
                self.name, path, token=self.token or False, endpoint=self.endpoint, cache_dir=self.cache
            )
        )
        with open(local, encoding="utf-8", errors="replace") as fh:
            return fh.read()

    def read_json(self, path: str) -> Any:
        return _json(self.read_text(path))

    def parameter_count(self) -> int | None:
        if not any(f.endswith(".safetensors") for f in self.files()):
            return None
        try:
            meta = self._call(lambda: self.api.get_safetensors_metadata(self.name))
        except SourceError:
            return None
        return sum(meta.parameter_count.values()) or None

    def _call(self, fn: Any) -> Any:
        from huggingface_hub.errors import GatedRepoError, HfHubHTTPError, RepositoryNotFoundError

        try:
            return fn()
        except GatedRepoError:
            if self.token:
                raise SourceError(
                    "hf-access",
                    f"{self.name} is gated and the token was refused",
                    "request access on Hugging Face with the token's account",
                ) from None
            raise SourceError(
                "hf-access",
                f"{self.name} is gated: a Hugging Face token is required",
                "declare `secret: ${HF_TOKEN}` and export HF_TOKEN",
            ) from None
        except RepositoryNotFoundError:
            hint = (
                "check the name; a private repository needs `secret: ${HF_TOKEN}`"
                if not self.token
                else "check the name and that the token can read it"
            )
            raise SourceError(
                "hf-not-found", f"{self.name} was not found on the Hub, or is private", hint
            ) from None
        except HfHubHTTPError as exc:
            status = getattr(getattr(exc, "response", None), "status_code", None)
            if status in (401, 403):
                raise SourceError(
                    "hf-access",
                    f"access to {self.name} was refused ({status})",
                    "check the Hugging Face token",
                ) from None
            raise SourceError(
                "hf-unreachable", f"cannot read {self.name} from the Hub ({status or type(exc).__name__})"
            ) from None
        except OSError as exc:
            raise SourceError(
                "hf-unreachable",
                f"cannot reach the Hub for {self.name}: {exc}",
                "check HF_ENDPOINT or the network",
            ) from None
        except Exception as exc:
            raise SourceError(
                "hf-unreachable",
                f"cannot reach the Hub for {self.name}: {type(exc).__name__}",
                "check HF_ENDPOINT or the network",
            ) from None


def _json(text: str | None) -> Any:
    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return ValueError("invalid JSON")


def _safetensors_params(path: str) -> int | None:
    """Count parameters from a safetensors header without reading the weights."""
    try:
        with open(path, "rb") as fh:
            (length,) = struct.unpack("<Q", fh.read(8))
            if length > 100 * 1024 * 1024:
                return None
            header = json.loads(fh.read(length))
    except (OSError, struct.error, ValueError):
        return None
    total = 0
    for name, info in header.items():
        if name == "__metadata__" or not isinstance(info, dict):
            continue
        count = 1
        for dim in info.get("shape", []):
            count *= int(dim)
        total += count
    return total
