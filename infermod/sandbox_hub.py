"""The models the sandbox's local Hub serves: the example custom model, laid out as on the Hub.

`acme/support-bot-8b` (examples/custom-model.yaml) is a Llama-3.1-8B fine-tune: its real
config and tensor shapes (8,030,261,248 parameters in four shards with an index), a chat
template, a small byte-level BPE tokenizer with Llama 3's special tokens (the real one is 9 MB),
and zero-filled weights that cost only their headers.
"""

from __future__ import annotations

import json

from infermod.localhub import Content, Repo, safetensors

VOCAB, HIDDEN, LAYERS, FFN, KV = 128_256, 4096, 32, 14_336, 1024
TEMPLATE = (
    "{% for m in messages %}<|start_header_id|>{{ m.role }}<|end_header_id|>\n\n"
    "{{ m.content }}<|eot_id|>{% endfor %}<|start_header_id|>assistant<|end_header_id|>\n\n"
)


SPECIAL = ("<|begin_of_text|>", "<|end_of_text|>", "<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>")


def _tokenizer() -> bytes:
    """A tokenizer.json the `tokenizers` library loads: byte-level BPE, a few merges."""
    vocab = {"h": 0, "e": 1, "l": 2, "o": 3, "he": 4, "ll": 5, "hell": 6, "hello": 7}
    merges = ["h e", "l l", "he ll", "hell o"]
    added = [
        {"id": 8 + i, "content": t, "single_word": False, "lstrip": False, "rstrip": False}
        | {"normalized": False, "special": True}
        for i, t in enumerate(SPECIAL)
    ]
    byte_level = {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True}
    return json.dumps(
        {
            "version": "1.0",
            "added_tokens": added,
            "pre_tokenizer": byte_level,
            "decoder": byte_level,
            "model": {"type": "BPE", "vocab": vocab, "merges": merges},
        }
    ).encode()


def _tensors() -> list[tuple[str, list[int]]]:
    out: list[tuple[str, list[int]]] = [("model.embed_tokens.weight", [VOCAB, HIDDEN])]
    for i in range(LAYERS):
        p = f"model.layers.{i}."
        out += [
            (p + "input_layernorm.weight", [HIDDEN]),
            (p + "self_attn.q_proj.weight", [HIDDEN, HIDDEN]),
            (p + "self_attn.k_proj.weight", [KV, HIDDEN]),
            (p + "self_attn.v_proj.weight", [KV, HIDDEN]),
            (p + "self_attn.o_proj.weight", [HIDDEN, HIDDEN]),
            (p + "post_attention_layernorm.weight", [HIDDEN]),
            (p + "mlp.gate_proj.weight", [FFN, HIDDEN]),
            (p + "mlp.up_proj.weight", [FFN, HIDDEN]),
            (p + "mlp.down_proj.weight", [HIDDEN, FFN]),
        ]
    return [*out, ("model.norm.weight", [HIDDEN]), ("lm_head.weight", [VOCAB, HIDDEN])]


def llama_8b_files(shards: int = 4) -> dict[str, Content]:
    tensors = _tensors()
    per = -(-len(tensors) // shards)
    files: dict[str, Content] = {}
    weight_map: dict[str, str] = {}
    for n in range(shards):
        name = f"model-{n + 1:05d}-of-{shards:05d}.safetensors"
        part = dict(tensors[n * per : (n + 1) * per])
        files[name] = safetensors(part, with_data=False)
        weight_map.update(dict.fromkeys(part, name))
    config = {
        "architectures": ["LlamaForCausalLM"],
        "model_type": "llama",
        "hidden_size": HIDDEN,
        "intermediate_size": FFN,
        "num_hidden_layers": LAYERS,
        "num_attention_heads": 32,
        "num_key_value_heads": 8,
        "max_position_embeddings": 131_072,
        "vocab_size": VOCAB,
        "torch_dtype": "bfloat16",
    }
    files.update(
        {
            "config.json": json.dumps(config, indent=2).encode(),
            "model.safetensors.index.json": json.dumps({"metadata": {}, "weight_map": weight_map}).encode(),
            "tokenizer.json": _tokenizer(),
            "tokenizer_config.json": json.dumps({"model_max_length": 131_072}).encode(),
            "chat_template.jinja": TEMPLATE.encode(),
            "README.md": b"# support-bot-8b\n\nA fine-tune of Llama 3.1 8B Instruct (sandbox copy).\n",
        }
    )
    return files


def sandbox_repos() -> dict[str, Repo]:
    return {"acme/support-bot-8b": Repo(llama_8b_files())}
