"""The sandbox's example custom model is laid out as the real Llama 3.1 8B fine-tune it claims to be."""

from __future__ import annotations

import json
import struct

from infermod.localhub import Sparse
from infermod.sandbox_hub import llama_8b_files, sandbox_repos


def header_of(content: Sparse) -> dict:
    (length,) = struct.unpack("<Q", content.head[:8])
    return json.loads(content.head[8 : 8 + length])


def test_four_shards_hold_8_030_261_248_bf16_parameters_and_the_index_names_each_tensor_once():
    files = llama_8b_files()
    shards = {name: header_of(c) for name, c in files.items() if isinstance(c, Sparse)}
    assert sorted(shards) == [f"model-0000{n}-of-00004.safetensors" for n in range(1, 5)]
    count = 0
    for name, header in shards.items():
        offset = 0
        for tensor in header.values():  # contiguous, sized by shape and dtype, file as long as its data
            size = 2
            for dim in tensor["shape"]:
                size *= dim
            assert tensor["dtype"] == "BF16" and tensor["data_offsets"] == [offset, offset + size]
            offset += size
            count += size // 2
        assert files[name].size == len(files[name].head) + offset
    assert count == 8_030_261_248
    index = json.loads(files["model.safetensors.index.json"])["weight_map"]
    assert index == {tensor: name for name, header in shards.items() for tensor in header}
    config = json.loads(files["config.json"])
    assert (config["model_type"], config["num_hidden_layers"], config["torch_dtype"]) == (
        "llama",
        32,
        "bfloat16",
    )
    assert (
        list(sandbox_repos()) == ["acme/support-bot-8b"]
        and sandbox_repos()["acme/support-bot-8b"].token is None
    )
