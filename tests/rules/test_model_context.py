"""Context length wherever a config family nests it, weights only where the loader reads
them, through check-model on real directories and a local Hub; context lookup over generated
config.json shapes."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from infermod.rules.model_content import context_length
from tests.hub import Repo, layout, safetensors
from tests.test_model_inputs import check, errors, materialize, sharded


def with_config(arch: str, **config: object) -> dict:
    files = layout(arch, max_pos=False)
    files["config.json"] = json.dumps({"architectures": [arch], "model_type": "x", **config}).encode()
    return files


@pytest.mark.parametrize(
    ("arch", "config", "where"),
    [
        ("InternVLChatModel", {"llm_config": {"max_position_embeddings": 32768}}, "llm_config"),
        (
            "DeepseekVLV2ForCausalLM",
            {"language_config": {"max_position_embeddings": 4096}},
            "language_config",
        ),
        (
            "LlavaForConditionalGeneration",
            {
                "text_config": {"max_position_embeddings": 4096},
                "vision_config": {"max_position_embeddings": 577},
            },
            "text_config",
        ),
        (
            "Qwen2VLForConditionalGeneration",
            {"max_position_embeddings": 32768, "text_config": {"max_position_embeddings": 1}},
            None,
        ),
        (
            "MiniCPMO",
            {"thinker_config": {"text_config": {"max_position_embeddings": 32768}}},
            "thinker_config.text_config",
        ),
    ],
)
def test_context_length_is_found_where_the_family_nests_it(cli, tmp_path, arch, config, where):
    body = check(cli, materialize(tmp_path, with_config(arch, **config)), "--type", "multimodal")
    assert body["compatible"], body["findings"]
    expected = config["max_position_embeddings"] if where is None else None
    node = config
    for key in (where or "").split(".") if where else ():
        node = node[key]
    assert body["max_position_embeddings"] == (expected or node["max_position_embeddings"])
    assert body["max_position_embeddings_from"] == (
        f"{where}.max_position_embeddings" if where else "max_position_embeddings"
    )


def test_a_vision_tower_is_never_taken_for_the_context_length(cli, tmp_path):
    files = with_config("LlavaForConditionalGeneration", vision_config={"max_position_embeddings": 577})
    error = errors(check(cli, materialize(tmp_path, files), "--type", "vision"))[
        "model-max-position-embeddings"
    ]
    assert "has no `max_position_embeddings`" in error["message"]


@pytest.mark.parametrize(
    ("arch", "key", "value"),
    [
        ("GPT2LMHeadModel", "n_positions", 1024),
        ("MPTForCausalLM", "max_seq_len", 2048),
        ("ChatGLMModel", "seq_length", 8192),
        ("WhisperForConditionalGeneration", "max_target_positions", 448),
    ],
)
def test_a_family_that_names_the_context_length_otherwise_gets_a_warning(cli, tmp_path, arch, key, value):
    body = check(cli, materialize(tmp_path, with_config(arch, **{key: value})), "--type", "chat")
    assert body["compatible"] and body["max_position_embeddings"] == value
    warning = next(f for f in body["findings"] if f["rule_id"] == "model-max-position-embeddings")
    assert warning["severity"] == "warning" and f"`{key}`" in warning["message"]
    assert f'"max_position_embeddings": {value}' in warning["hint"]


TEXT_SIDE = [
    "text_config",
    "llm_config",
    "language_config",
    "language_model_config",
    "lm_config",
    "decoder_config",
]
# towers, some named with a language word too: a text encoder or a projector is not the LLM
TOWERS = [
    "vision_config",
    "audio_config",
    "speech_config",
    "text_encoder_config",
    "vision_language_projector",
]
POSITIVE = st.integers(1, 2**22)


@st.composite
def shapes(draw):
    """A config with the context length at the top, in one text-side family (maybe nested in
    thinker_config), neither, or both; vision and audio towers carrying decoys."""
    config: dict = {"architectures": ["X"], "model_type": "x"}
    top = draw(st.none() | POSITIVE)
    if top is not None:
        config["max_position_embeddings"] = top
    nested = draw(st.none() | POSITIVE)
    if nested is not None:
        family = draw(st.sampled_from(TEXT_SIDE))
        holder = config.setdefault("thinker_config", {}) if draw(st.booleans()) else config
        holder[family] = {"hidden_size": 8, "max_position_embeddings": nested}
    for tower in draw(st.lists(st.sampled_from(TOWERS), unique=True, max_size=3)):
        config[tower] = {
            "max_position_embeddings": draw(POSITIVE),
            "text_config": {"max_position_embeddings": 7},
        }
    for noise in draw(
        st.lists(st.text(min_size=1, max_size=5).filter(lambda k: "config" not in k), max_size=3)
    ):
        config.setdefault(noise, draw(st.integers() | st.text(max_size=3)))
    return config, top if top is not None else nested


@settings(max_examples=300, deadline=None)
@given(shapes())
def test_the_context_length_is_the_top_level_one_else_the_language_models(shape):
    config, expected = shape
    found = context_length(config)
    assert (found[1] if found else None) == expected
    if found:
        assert found[0].endswith("max_position_embeddings")
        assert not any(t in found[0] for t in TOWERS)


def test_weights_only_in_a_sub_folder_are_not_the_model(cli, tmp_path):
    files = layout("LlamaForCausalLM")
    files["checkpoint-500/model.safetensors"] = files.pop("model.safetensors")
    error = errors(check(cli, materialize(tmp_path, files)))["model-weights"]
    assert (
        "at the repository root" in error["message"]
        and "checkpoint-500/model.safetensors" in error["message"]
    )
    assert "move" in error["hint"]


def test_a_training_checkpoint_beside_the_model_is_not_counted(cli, tmp_path):
    files = layout("LlamaForCausalLM", hidden=10)
    files["checkpoint-500/model.safetensors"] = safetensors({"w": [1000, 1000]})
    files["checkpoint-500/optimizer.safetensors"] = b"broken"
    body = check(cli, materialize(tmp_path, files))
    assert body["compatible"] and body["parameters"] == 2000
    ignored = next(f for f in body["findings"] if f["rule_id"] == "model-weights-ignored")
    assert ignored["severity"] == "info" and "checkpoint-500/" in ignored["message"]


def test_a_broken_root_file_the_index_leaves_out_is_a_warning(cli, tmp_path):
    files = sharded(2)
    files["consolidated.safetensors"] = b""
    body = check(cli, materialize(tmp_path, files))
    assert body["compatible"] and body["parameters"] == 2 * 64
    unread = next(f for f in body["findings"] if f["rule_id"] == "model-weights-unread")
    assert unread["severity"] == "warning" and unread["message"].startswith("consolidated.safetensors")


def test_hub_repository_weights_and_nested_context(cli, hub):
    files = with_config("InternVLChatModel", llm_config={"max_position_embeddings": 32768})
    files["checkpoint-1/model.safetensors"] = safetensors({"w": [10, 10]})
    hub.repos["acme/internvl-ft"] = Repo(files)
    body = check(cli, "acme/internvl-ft", "--type", "vision")
    assert body["compatible"] and body["max_position_embeddings"] == 32768
    assert body["parameters"] == 2 * 64 * 100
    assert any(f["rule_id"] == "model-weights-ignored" for f in body["findings"])
