"""Is a custom model deployable? The docs' rules, checked on its files.

Rules (Generative APIs - Dedicated Deployment, custom models): config.json with a supported
`architectures` entry and `max_position_embeddings`; weights in .safetensors (pickle formats
are refused: they can execute code); tokenizer.json; a chat template for chat, vision and
multimodal models (chat_template.jinja or chat_template.json win over tokenizer_config.json's
field); the type consistent with the architecture. The verified list is authoritative.
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Any, NamedTuple

from infermod.config.model import CHAT_API, EMBEDDINGS_API
from infermod.findings import Finding
from infermod.rules.model_source import ModelSource, SourceError

PICKLE = (".bin", ".pt", ".pth", ".ckpt", ".pkl", ".pickle")
CHAT_TYPES = ("chat", "vision", "multimodal")


@lru_cache(maxsize=1)
def architectures() -> dict[str, list[str]]:
    return _data("architectures.json")["architectures"]  # type: ignore[no-any-return]


@lru_cache(maxsize=1)
def verified_models() -> list[str]:
    return _data("verified_models.json")["models"]  # type: ignore[no-any-return]


def _data(name: str) -> dict[str, Any]:
    return json.loads(resources.files("infermod.rules").joinpath(f"data/{name}").read_text("utf-8"))  # type: ignore[no-any-return]


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

    @property
    def compatible(self) -> bool:
        return not any(f.severity == "error" for f in self.findings)

    def weights_bytes(self, bits: int) -> int | None:
        return None if self.parameters is None else self.parameters * bits // 8


def check_model(
    source: ModelSource, declared_type: str | None, identity: str | None = None, resource: str | None = None
) -> ModelReport:
    def finding(rule: str, severity: str, message: str, hint: str | None = None) -> Finding:
        return Finding(rule, severity, message, resource, None, None, hint)

    try:
        files = source.files()
    except SourceError as exc:
        return ModelReport(
            source.name,
            declared_type,
            None,
            False,
            None,
            None,
            None,
            None,
            (finding(exc.rule, "error", str(exc), exc.hint),),
        )
    out: list[Finding] = []
    config = source.read_json("config.json") if "config.json" in files else None
    name = identity or (config.get("_name_or_path") if isinstance(config, dict) else None) or source.name
    verified = name in verified_models()
    arch = None
    max_pos = None
    if config is None:
        out.append(
            finding(
                "model-config", "error", "config.json is missing", "add the config.json of the base model"
            )
        )
    elif not isinstance(config, dict):
        out.append(finding("model-config", "error", "config.json is not valid JSON"))
    else:
        arch, max_pos = _config_checks(config, verified, out, finding)
    _weights(files, out, finding)
    if "tokenizer.json" not in files:
        out.append(
            finding(
                "model-tokenizer",
                "error",
                "tokenizer.json is missing",
                "fine-tuned models should ship the base model's tokenizer.json",
            )
        )
    kinds = architectures().get(arch or "", [])
    model_type = declared_type or (kinds[0] if kinds else None)
    if declared_type and kinds and declared_type not in kinds:
        out.append(
            finding(
                "model-type",
                "error",
                f"type `{declared_type}` does not match architecture {arch}, which serves: {', '.join(kinds)}",
                f"declare type: {kinds[0]}",
            )
        )
    template = None
    if model_type in CHAT_TYPES or model_type is None:
        template = _chat_template(source, files)
        if template is None and model_type in CHAT_TYPES:
            out.append(
                finding(
                    "model-chat-template",
                    "error",
                    f"a {model_type} model needs a chat template",
                    "add chat_template.jinja, chat_template.json, or a chat_template field in tokenizer_config.json",
                )
            )
    api = EMBEDDINGS_API if model_type == "embedding" else (CHAT_API if model_type else None)
    params = source.parameter_count() if not any(f.rule_id == "model-weights" for f in out) else None
    if verified:
        out.append(
            finding("model-verified", "info", f"{name} is on the docs' list of models verified compatible")
        )
    if api:
        out.append(
            finding(
                "model-api",
                "info",
                f"served on {api}; structured outputs and function calling are not available for custom models",
            )
        )
    return ModelReport(source.name, model_type, arch, verified, params, max_pos, template, api, tuple(out))


def _config_checks(
    config: dict[str, Any], verified: bool, out: list[Finding], finding: Any
) -> tuple[str | None, int | None]:
    archs = config.get("architectures")
    arch = None
    if not isinstance(archs, list) or not archs or not all(isinstance(a, str) for a in archs):
        out.append(finding("model-architectures", "error", "config.json has no `architectures` array"))
    else:
        arch = archs[0]
        supported = [a for a in archs if a in architectures()]
        if supported:
            arch = supported[0]
        elif not verified:
            out.append(
                finding(
                    "model-architecture-unsupported",
                    "error",
                    f"architecture {', '.join(archs)} is not supported for custom models",
                    "see the supported architectures in the product docs",
                )
            )
    max_pos = config.get("max_position_embeddings")
    if not isinstance(max_pos, int):
        text_config = config.get("text_config")
        max_pos = text_config.get("max_position_embeddings") if isinstance(text_config, dict) else None
    if not isinstance(max_pos, int) or isinstance(max_pos, bool):
        out.append(
            finding(
                "model-max-position-embeddings",
                "error",
                "config.json has no `max_position_embeddings`",
                "copy it from the base model's config.json",
            )
        )
        max_pos = None
    return arch, max_pos


def _weights(files: list[str], out: list[Finding], finding: Any) -> None:
    safetensors = [f for f in files if f.endswith(".safetensors")]
    pickles = [f for f in files if f.endswith(PICKLE)]
    if not safetensors:
        what = (
            f" (found {', '.join(pickles[:3])}: pickle formats can execute code and are refused)"
            if pickles
            else ""
        )
        out.append(
            finding(
                "model-weights",
                "error",
                f"no weights in .safetensors format{what}",
                "convert the weights to safetensors (e.g. save_pretrained(..., safe_serialization=True))",
            )
        )
    elif pickles:
        out.append(
            finding(
                "model-weights-pickle",
                "warning",
                f"pickle files are present ({', '.join(pickles[:3])}); only .safetensors weights are used",
                "remove the pickle files from the repository",
            )
        )


def _chat_template(source: ModelSource, files: list[str]) -> str | None:
    if "chat_template.jinja" in files:
        return "chat_template.jinja"
    if "chat_template.json" in files:
        data = source.read_json("chat_template.json")
        if isinstance(data, dict) and data.get("chat_template"):
            return "chat_template.json"
    if "tokenizer_config.json" in files:
        data = source.read_json("tokenizer_config.json")
        if isinstance(data, dict) and data.get("chat_template"):
            return "tokenizer_config.json (chat_template field)"
    return None
