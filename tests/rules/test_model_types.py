"""The architecture table is the docs' list, entry by entry and line by line, and a model's
type follows where the docs place its architecture (check-model over real directories)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from infermod.rules.model_types import SEED, architectures, lookup, serving_type, verified_models
from tests.hub import layout
from tests.test_model_inputs import check, errors, materialize

SEED_PATH = Path(__file__).resolve().parents[3] / "shared" / "seeds" / SEED


def docs_list() -> list[tuple[str, int]]:
    """Each architecture the docs list, with its line, read from the captured page."""
    if not SEED_PATH.exists():
        pytest.skip("shared/seeds is not beside the repository")
    lines = SEED_PATH.read_text("utf-8").split("\n")
    start = next(
        i for i, line in enumerate(lines) if "currently supports the following model architectures" in line
    )
    end = next(i for i, line in enumerate(lines) if line.strip() == "Known compatible models")
    return [
        (line.split("•", 1)[1].strip(), n + 1)
        for n, line in enumerate(lines[start:end], start)
        if "•" in line
    ]


def test_every_architecture_the_docs_list_is_in_the_table_with_its_line():
    listed = docs_list()
    assert len(listed) == 123
    table = architectures()
    assert {name for name, _ in listed} == set(table)
    in_table = sorted((name, listing.line) for name, arch in table.items() for listing in arch.listings)
    assert in_table == sorted(listed)  # every entry, every repeat, at its own line


def test_an_architecture_listed_twice_has_both_types():
    listed = docs_list()
    twice = {name for name, _ in listed if [n for n, _ in listed].count(name) > 1}
    assert {"Qwen2ForCausalLM", "GritLM", "Phi3ForCausalLM", "LlavaNextForConditionalGeneration"} <= twice
    table = architectures()
    for name in twice:
        groups = {listing.group for listing in table[name].listings}
        types = set(table[name].types)
        for listing in table[name].listings:
            assert set(listing.types) <= types, name
        if "embedding (pooling)" in groups and len(groups) > 1:
            assert "embedding" in types and types & {"chat", "multimodal"}, name
    assert set(table["Qwen2ForCausalLM"].types) == {"chat", "embedding"}
    assert [ls.line for ls in table["Qwen2ForCausalLM"].listings] == [162, 188]


def test_audio_is_not_vision_and_multimodal_is_chat_plus_vision():
    table = architectures()
    for audio in ("Qwen2AudioForConditionalGeneration", "UltravoxModel", "WhisperForConditionalGeneration"):
        assert table[audio].types == ("chat",), audio
    for image in (
        "LlavaForConditionalGeneration",
        "MllamaForConditionalGeneration",
        "PixtralForConditionalGeneration",
    ):
        assert set(table[image].types) == {"multimodal", "vision", "chat"}, image


def test_only_verified_models_speak_for_architectures_the_docs_do_not_list():
    assert "Qwen3ForCausalLM" not in architectures()
    qwen3 = lookup("Qwen3ForCausalLM")
    assert qwen3 is not None and qwen3.verified_by == ("Qwen/Qwen3-32B",) and qwen3.types == ("chat",)
    assert lookup("FancyNewForCausalLM") is None
    for model in verified_models().values():
        assert lookup(model.architecture) is not None


@pytest.mark.parametrize(
    ("arch", "declared", "pooling", "expected", "rule", "severity"),
    [
        ("Qwen2ForCausalLM", "embedding", False, "embedding", None, None),
        ("Qwen2ForCausalLM", None, False, "chat", "model-type-inferred", "info"),
        ("Qwen2ForCausalLM", None, True, "embedding", "model-type-inferred", "info"),
        ("LlavaNextForConditionalGeneration", None, False, "multimodal", "model-type-inferred", "info"),
        ("MistralForCausalLM", "embedding", False, "embedding", "model-type", "error"),
        ("XLMRobertaModel", "chat", False, "chat", "model-type", "error"),
        ("Florence2ForConditionalGeneration", "vision", False, "vision", "model-type", "warning"),
        ("WhisperForConditionalGeneration", None, False, "chat", "model-type-undocumented", "warning"),
        ("UltravoxModel", "vision", False, "vision", "model-type", "warning"),
        (
            "XLMRobertaForSequenceClassification",
            None,
            False,
            "embedding",
            "model-type-undocumented",
            "warning",
        ),
        ("EAGLEModel", "chat", False, "chat", "model-type-undocumented", "warning"),
        ("LlamaForCausalLM", None, True, "chat", None, None),  # listed once: no guess to make
    ],
)
def test_the_served_type_follows_the_docs_placement(arch, declared, pooling, expected, rule, severity):
    chosen, notes = serving_type(lookup(arch), declared, None, pooling)
    assert chosen == expected
    assert [(n.rule, n.severity) for n in notes] == ([(rule, severity)] if rule else [])
    for note in notes:
        assert note.hint, note


def test_a_verified_repository_is_served_as_the_docs_verified_it():
    medgemma = verified_models()["google/medgemma-27b-it"]
    assert serving_type(lookup(medgemma.architecture), None, medgemma, False) == ("multimodal", [])


def test_an_embedding_model_built_on_a_generative_architecture_is_accepted(cli, tmp_path):
    files = layout("Qwen2ForCausalLM", template=None)
    files["modules.json"] = (
        b'[{"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"}]'
    )
    root = materialize(tmp_path, files)
    body = check(cli, root, "--type", "embedding")
    assert body["compatible"] and body["api"] == "/v1/embeddings", body["findings"]
    inferred = check(cli, root)
    assert inferred["type"] == "embedding"
    note = next(f for f in inferred["findings"] if f["rule_id"] == "model-type-inferred")
    assert "line 162" in note["message"] and "line 188" in note["message"]


def test_a_speech_model_is_not_inferred_as_vision(cli, tmp_path):
    root = materialize(tmp_path, layout("WhisperForConditionalGeneration"))
    body = check(cli, root)
    assert body["type"] == "chat" and body["compatible"]
    warning = next(f for f in body["findings"] if f["rule_id"] == "model-type-undocumented")
    assert warning["severity"] == "warning" and "speech" in warning["message"]


def test_a_type_that_changes_the_api_is_refused_naming_the_docs_line(cli, tmp_path):
    root = materialize(tmp_path, layout("MistralForCausalLM"))
    error = errors(check(cli, root, "--type", "embedding"))["model-type"]
    assert "line 146" in error["message"] and "declare type: chat" in error["hint"]
    assert json.loads(json.dumps(error))["severity"] == "error"
