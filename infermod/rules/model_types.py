"""The docs' architecture list and model types, as one table, and the type a model is served as.

The docs ("Supported custom model architectures") give one list without headings: "Custom model
deployment currently supports the following model architectures:". It is vLLM's model registry
in its order, and its groups show where the alphabet restarts: text generation, encoder-decoder,
embedding (pooling), cross-encoder, multimodal, speculative decoding. data/architectures.json
keeps each group as one run of that list, every entry with its line in the seed file, so that a
test can hold the table to the docs line by line. An architecture listed twice (e.g.
`Qwen2ForCausalLM` among the generative and among the embedding models) has both groups' types.

The types are the docs' ("Supported model types"): chat, vision, "multimodal (chat + vision)",
embedding. A multimodal (image and text) architecture serves all three chat-side types; audio
is not vision: an audio or speech architecture is taken as chat, with a warning, since the docs
name no audio type. Where the docs are silent on a group's type (`doubt` in the table), the type
is a warning that says so, never a refusal. A declared type the docs do not give the
architecture is an error when it changes the API (embedding vs the chat side: "The Embeddings
API is exposed for embedding models", "The Chat API is exposed for chat models ... for vision
models"), and a warning when it does not ("Multimodal models are treated the same way as chat
and vision models").
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Any, NamedTuple

from infermod.config.model import CHAT_API, EMBEDDINGS_API

SEED = "000_e3f6a5f744ad36e7.txt"  # shared/seeds/: the docs page the table is read from
CHAT_TYPES = ("chat", "vision", "multimodal")
# sentence-transformers files: a model laid out to be used for embeddings
POOLING_FILES = ("modules.json", "1_Pooling/config.json", "config_sentence_transformers.json")


class Listing(NamedTuple):
    """One entry of the docs' list: the group it sits in, the types that group serves."""

    group: str
    types: tuple[str, ...]
    line: int  # in shared/seeds/SEED
    doubt: str | None  # what the docs leave unsaid about this group's type


class Architecture(NamedTuple):
    name: str
    listings: tuple[Listing, ...]  # empty for one that only a verified model uses
    verified_by: tuple[str, ...]  # verified repositories whose config.json names it

    @property
    def types(self) -> tuple[str, ...]:
        found = [t for listing in self.listings for t in listing.types]
        if not self.listings:
            found = [verified_models()[repo.lower()].type for repo in self.verified_by]
        return tuple(dict.fromkeys(found))

    def placed(self) -> str:
        """Where the docs list it: `chat (text generation, line 162), embedding (...)`."""
        return "; ".join(
            f"{'/'.join(listing.types)} ({listing.group}, {SEED} line {listing.line})"
            for listing in self.listings
        )


class VerifiedModel(NamedTuple):
    repo: str
    architecture: str
    type: str


class Note(NamedTuple):
    """A finding to report: rule id, severity, message, hint."""

    rule: str
    severity: str
    message: str
    hint: str | None


def api_of(model_type: str) -> str:
    return EMBEDDINGS_API if model_type == "embedding" else CHAT_API


def _data(name: str) -> dict[str, Any]:
    return json.loads(resources.files("infermod.rules").joinpath(f"data/{name}").read_text("utf-8"))  # type: ignore[no-any-return]


@lru_cache(maxsize=1)
def verified_models() -> dict[str, VerifiedModel]:
    """The docs' verified repositories, by lowercased id (Hub ids are case-insensitive)."""
    models = _data("verified_models.json")["models"]
    return {m["repo"].lower(): VerifiedModel(m["repo"], m["architecture"], m["type"]) for m in models}


@lru_cache(maxsize=1)
def architectures() -> dict[str, Architecture]:
    """Every architecture the docs list, with each of its listings."""
    listings: dict[str, list[Listing]] = {}
    for group in _data("architectures.json")["groups"]:
        for name, line in group["entries"]:
            listing = Listing(group["group"], tuple(group["types"]), line, group.get("doubt"))
            listings.setdefault(name, []).append(listing)
    users: dict[str, list[str]] = {}
    for model in verified_models().values():
        users.setdefault(model.architecture, []).append(model.repo)
    return {name: Architecture(name, tuple(ls), tuple(users.get(name, ()))) for name, ls in listings.items()}


def lookup(name: str) -> Architecture | None:
    """The docs' entry, else the architecture as only verified models show it, else None."""
    if name in architectures():
        return architectures()[name]
    users = tuple(m.repo for m in verified_models().values() if m.architecture == name)
    return Architecture(name, (), users) if users else None


def serving_type(
    arch: Architecture | None, declared: str | None, verified: VerifiedModel | None, pooling: bool
) -> tuple[str | None, list[Note]]:
    """The type the model is served as (declared, else inferred), and what to say about it."""
    kinds = tuple(dict.fromkeys(((verified.type,) if verified else ()) + (arch.types if arch else ())))
    notes: list[Note] = []
    if declared:
        chosen: str | None = declared
        if kinds and declared not in kinds:
            notes.append(_mismatch(arch, declared, kinds))
    elif verified:
        chosen = verified.type
    elif len({api_of(k) for k in kinds}) > 1 and arch:
        chosen = "embedding" if pooling else next(k for k in kinds if k != "embedding")
        why = "it ships sentence-transformers pooling files" if pooling else "it ships no pooling files"
        notes.append(
            Note(
                "model-type-inferred",
                "info",
                f"the docs list {arch.name} under more than one type ({arch.placed()}); "
                f"taken as {chosen} because {why}",
                "declare the type to choose (`type:` in the configuration, `--type` here)",
            )
        )
    else:
        chosen = kinds[0] if kinds else None
    doubt = _doubt(arch, chosen)
    if doubt:
        notes.append(
            Note(
                "model-type-undocumented",
                "warning",
                f"{arch.name if arch else 'this architecture'}: {doubt}",
                "the docs are silent here, so infermod warns instead of refusing: "
                "try the model in a test project, or ask Scaleway support, before relying on it",
            )
        )
    return chosen, notes


def _mismatch(arch: Architecture | None, declared: str, kinds: tuple[str, ...]) -> Note:
    placed = arch.placed() if arch and arch.listings else "/".join(kinds) + " (its verified model)"
    name = arch.name if arch else "the architecture"
    if api_of(declared) in {api_of(k) for k in kinds}:
        return Note(
            "model-type",
            "warning",
            f"type `{declared}` is not one the docs give {name}: {placed}",
            f"both are served on {api_of(declared)} ('Multimodal models are treated the same way as "
            f"chat and vision models'), so this is a warning; declare type: {kinds[0]} to match the docs",
        )
    return Note(
        "model-type",
        "error",
        f"type `{declared}` does not match architecture {name}, which the docs list as: {placed}",
        f"declare type: {kinds[0]}, or use an architecture the docs list for {declared} models",
    )


def _doubt(arch: Architecture | None, chosen: str | None) -> str | None:
    """The docs' silence about this type for this architecture, when every listing giving it
    that type is one the docs leave in doubt."""
    if arch is None or chosen is None:
        return None
    giving = [listing for listing in arch.listings if chosen in listing.types]
    doubts = [listing.doubt for listing in giving if listing.doubt]
    return doubts[0] if giving and len(doubts) == len(giving) else None
