"""Is a custom model deployable? The docs' rules, checked on its files.

Rules (Generative APIs - Dedicated Deployment, custom models; each decision with the docs'
sentence behind it: docs/custom-model-rules.md): config.json with a supported `architectures`
entry and `max_position_embeddings` (top level, else the language model's sub-config:
model_content.context_length); weights in .safetensors (pickle formats are refused: they can
execute code), counted where the loader reads them (the root and its index), every shard the
index names present and every header sound (model_weights.py); tokenizer.json, a chat template for chat, vision
and multimodal models (the template file wins over tokenizer_config.json's field), each checked
for its content (model_content.py); the type consistent with where the docs list the
architecture (model_types.py).

Identity is where the files come from: the Hugging Face repository id, or for a local directory
none unless the user names it (`check-model DIR --repo ORG/NAME`); never a field inside the files
(`_name_or_path` only records the base a fine-tune was loaded from). The verified list speaks only
for the exact repositories it names: a verified repository passes whatever the architecture list
says; any other model, fine-tunes of verified ones included, is judged by its own architecture.
An architecture only a verified model uses, absent from the docs' list, is a warning (the docs
contradict themselves there), not a refusal.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from infermod.findings import Finding
from infermod.rules.model_content import (
    CONTEXT_ALIASES,
    chat_template,
    config_type_problems,
    context_length,
    tokenizer_notes,
)
from infermod.rules.model_source import ModelSource, SourceError
from infermod.rules.model_types import (
    CHAT_TYPES,
    POOLING_FILES,
    Architecture,
    Note,
    api_of,
    architectures,
    lookup,
    serving_type,
    verified_models,
)
from infermod.rules.model_weights import PICKLE, check_weights

MAX_LISTED = 3

__all__ = ["ModelReport", "architectures", "check_model", "verified_models"]


class ModelReport(NamedTuple):
    source: str
    type: str | None  # declared, or inferred from the architecture
    architecture: str | None
    verified: bool
    parameters: int | None
    max_position_embeddings: int | None
    chat_template: str | None  # where the template comes from
    api: str | None
    findings: tuple[Finding, ...]
    max_position_from: str | None = None  # where config.json holds it: `llm_config.max_position_embeddings`

    @property
    def compatible(self) -> bool:
        return not any(f.severity == "error" for f in self.findings)

    def weights_bytes(self, bits: int) -> int | None:
        return None if self.parameters is None else self.parameters * bits // 8


class _Check:
    """One model's findings, collected as the rules run."""

    def __init__(self, source: ModelSource, resource: str | None) -> None:
        self.source = source
        self.resource = resource
        self.findings: list[Finding] = []

    def add(self, rule: str, severity: str, message: str, hint: str | None = None) -> None:
        finding = Finding(rule, severity, message, self.resource, None, None, hint)
        if finding not in self.findings:  # a file read by two rules is reported once
            self.findings.append(finding)

    def notes(self, notes: list[Note]) -> None:
        for note in notes:
            self.add(*note)

    def problem(self, exc: SourceError) -> None:
        self.add(exc.rule, "error", str(exc), exc.hint)

    def json(self, path: str) -> Any:
        """A file's JSON, or None after reporting why it cannot be used."""
        try:
            return self.source.read_json(path)
        except SourceError as exc:
            self.problem(exc)
            return None


def check_model(
    source: ModelSource, declared_type: str | None, identity: str | None = None, resource: str | None = None
) -> ModelReport:
    check = _Check(source, resource)
    try:
        files = {e.path: e.size for e in source.entries()}
    except SourceError as exc:
        check.problem(exc)
        return ModelReport(
            source.name, declared_type, None, False, None, None, None, None, tuple(check.findings)
        )
    for problem in source.problems()[:10]:
        check.problem(problem)
    if _is_adapter(files):
        _adapter(check)
        return ModelReport(
            source.name, declared_type, None, False, None, None, None, None, tuple(check.findings)
        )
    config = check.json("config.json") if "config.json" in files else None
    name = identity or source.identity
    verified = verified_models().get(name.lower()) if name else None
    if name is None:
        _unnamed(check, config)
    arch_name, arch, (max_pos, max_from) = _config(check, files, config, verified is not None)
    params, notes = check_weights(source, files)
    check.notes(notes)
    check.notes(tokenizer_notes(source, files))
    pooling = any(f in files for f in POOLING_FILES)
    model_type, notes = serving_type(arch, declared_type, verified, pooling)
    check.notes(notes)
    template = _template(check, files, model_type)
    api = api_of(model_type) if model_type else None
    if verified:
        check.add(
            "model-verified", "info", f"{verified.repo} is on the docs' list of models verified compatible"
        )
    if api:
        check.add(
            "model-api",
            "info",
            f"served on {api}; structured outputs and function calling are not available for custom models",
        )
    return ModelReport(
        source.name,
        model_type,
        arch_name,
        verified is not None,
        params,
        max_pos,
        template,
        api,
        tuple(check.findings),
        max_from,
    )


def _config(
    check: _Check, files: dict[str, int], config: Any, verified: bool
) -> tuple[str | None, Architecture | None, tuple[int | None, str | None]]:
    """config.json: its architecture, its context length (and where), and its keys' types."""
    if "config.json" not in files:
        check.add("model-config", "error", "config.json is missing", "add the config.json of the base model")
        return None, None, (None, None)
    if not isinstance(config, dict):
        if config is not None:  # else unreadable, and already said why
            check.add("model-config", "error", "config.json is not a JSON object")
        return None, None, (None, None)
    arch_name, arch = _architecture(check, config, verified)
    max_pos = _max_position(check, config)
    for problem in config_type_problems(config)[:5]:
        check.add(
            "model-config-type",
            "error",
            f"config.json: {problem}",
            "fix the value (the base model's config.json has the right one)",
        )
    return arch_name, arch, max_pos


def _template(check: _Check, files: dict[str, int], model_type: str | None) -> str | None:
    """Where the chat template comes from (chat-side and undeclared types; embedding needs none)."""
    if model_type not in (*CHAT_TYPES, None):
        return None
    template, notes = chat_template(check.source, files)
    check.notes(notes)
    if template is None and model_type in CHAT_TYPES:
        check.add(
            "model-chat-template",
            "error",
            f"a {model_type} model needs a chat template",
            "add chat_template.jinja, chat_template.json, or a chat_template field in tokenizer_config.json",
        )
    return template


def _unnamed(check: _Check, config: Any) -> None:
    """A local directory has no identity of its own: `_name_or_path` in config.json only records
    what a fine-tune was loaded from, so it is never taken as the model's name. When it names a
    verified model, say how to claim that identity (the user knows whether the copy is exact)."""
    base = config.get("_name_or_path") if isinstance(config, dict) else None
    if not isinstance(base, str) or base.lower() not in verified_models():
        return
    shown = verified_models()[base.lower()].repo
    check.add(
        "model-identity",
        "info",
        f"config.json records that this model was loaded from {shown}, a model the docs verify; "
        "that says nothing about these files, so the model is judged by its own architecture",
        f"if this directory is an unmodified copy of {shown}, name it: `--repo {shown}`",
    )


def _is_adapter(files: dict[str, int]) -> bool:
    """A LoRA/PEFT adapter: adapter_config.json and no full model weights beside it."""
    if "adapter_config.json" not in files:
        return False
    weights = [
        f for f in files if f.endswith((".safetensors", *PICKLE)) and not f.startswith("adapter_model.")
    ]
    return not weights


def _adapter(check: _Check) -> None:
    adapter = check.json("adapter_config.json")
    base = adapter.get("base_model_name_or_path") if isinstance(adapter, dict) else None
    on = f" on {base[:100]}" if isinstance(base, str) and base else ""
    check.add(
        "model-lora-adapter",
        "error",
        f"this is a LoRA adapter{on}, not a full model: custom models need the complete weights",
        f"merge the adapter into its base model{on} (for example with peft: "
        "`PeftModel.from_pretrained(base, adapter).merge_and_unload()`, then "
        "`save_pretrained(..., safe_serialization=True)`) and upload the merged model",
    )


def _architecture(
    check: _Check, config: dict[str, Any], verified: bool
) -> tuple[str | None, Architecture | None]:
    """The first `architectures` entry the docs list (or a verified model uses), as vLLM picks
    the first it supports; a verified repository passes whatever its architecture."""
    archs = config.get("architectures")
    if not isinstance(archs, list) or not archs or not all(isinstance(a, str) for a in archs):
        check.add("model-architectures", "error", "config.json has no `architectures` array")
        return None, None
    found = [arch for arch in map(lookup, archs) if arch is not None]
    if found:
        arch = found[0]
        if not arch.listings and not verified:
            check.add(
                "model-architecture-unlisted",
                "warning",
                f"architecture {arch.name} is not in the docs' list of supported architectures, "
                f"though a model the docs verify compatible ({', '.join(arch.verified_by)}) uses it",
                "the docs contradict themselves here, so this is a warning rather than a refusal; "
                "the verified list speaks only for the repositories it names, and this model is not "
                "one of them: try it in a test project before relying on it",
            )
        return arch.name, arch
    if not verified:
        shown = ", ".join(a[:80] for a in archs[:MAX_LISTED])
        check.add(
            "model-architecture-unsupported",
            "error",
            f"architecture {shown} is not supported for custom models",
            "see the supported architectures in the product docs",
        )
    return str(archs[0]), None


def _max_position(check: _Check, config: dict[str, Any]) -> tuple[int | None, str | None]:
    """The context length and where config.json holds it (see context_length); another key for
    it (`n_positions`...) is a warning, since the docs list families that never write the one
    they require; none at all is the docs' requirement unmet."""
    found = context_length(config)
    if found is None:
        alias = context_length(config, CONTEXT_ALIASES)
        if alias is not None and _positive(alias[1]):
            path, value = alias
            check.add(
                "model-max-position-embeddings",
                "warning",
                f"config.json has no `max_position_embeddings`, which the docs require; its family "
                f"names the context length `{path}` ({value:,}), taken instead",
                "the docs list architectures whose config.json never has the key, so this is a warning; "
                f'if the import is refused, add "max_position_embeddings": {value} to config.json',
            )
            return value, path
        check.add(
            "model-max-position-embeddings",
            "error",
            "config.json has no `max_position_embeddings` (at the top level or in a language-model "
            "sub-config such as text_config or llm_config)",
            "copy it from the base model's config.json",
        )
        return None, None
    path, value = found
    if _positive(value):
        return value, path
    check.add(
        "model-max-position-embeddings",
        "error",
        f"config.json has an invalid `{path}` (a positive integer is needed)",
        "copy it from the base model's config.json",
    )
    return None, None


def _positive(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0
