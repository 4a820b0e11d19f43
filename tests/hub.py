"""Test helpers around the package's local Hub: repositories laid out like Hugging Face's."""

from __future__ import annotations

import json
from typing import Any

from infermod.localhub import COMMIT, Content, Hub, Repo, Sparse, safetensors

__all__ = ["COMMIT", "TOKENIZER", "Hub", "Repo", "Sparse", "layout", "safetensors"]


# The smallest tokenizer.json the `tokenizers` library loads: a word-level vocabulary.
TOKENIZER = json.dumps(
    {
        "version": "1.0",
        "model": {"type": "WordLevel", "vocab": {"<unk>": 0, "hello": 1}, "unk_token": "<unk>"},
    }
).encode()


def layout(
    architecture: str,
    *,
    model_type: str = "chat",
    name: str = "acme/model",
    template: str | None = "jinja",
    weights: str = "safetensors",
    max_pos: bool = True,
    tokenizer: bool = True,
    hidden: int = 64,
) -> dict[str, Content]:
    """Files laid out like a Hugging Face model repository."""
    config: dict[str, Any] = {"architectures": [architecture], "_name_or_path": name, "model_type": "x"}
    if max_pos:
        config["max_position_embeddings"] = 8192
    files: dict[str, Content] = {"config.json": json.dumps(config).encode(), "README.md": b"# model\n"}
    if tokenizer:
        files["tokenizer.json"] = TOKENIZER
    tok_config: dict[str, Any] = {"model_max_length": 8192}
    if template == "field":
        tok_config["chat_template"] = "{% for m in messages %}{{ m.content }}{% endfor %}"
    elif template == "jinja":
        files["chat_template.jinja"] = b"{% for m in messages %}{{ m.content }}{% endfor %}"
    elif template == "json":
        files["chat_template.json"] = json.dumps({"chat_template": "{{ messages }}"}).encode()
    files["tokenizer_config.json"] = json.dumps(tok_config).encode()
    if weights == "safetensors":
        files["model.safetensors"] = safetensors(
            {"embed.weight": [100, hidden], "lm_head.weight": [hidden, 100]}
        )
    elif weights == "pickle":
        files["pytorch_model.bin"] = b"\x80\x04pickle"
    return files
