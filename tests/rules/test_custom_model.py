"""Custom-model rules: `check-model` on local directories and on a local Hub (HF_ENDPOINT)."""

from __future__ import annotations

import json

import pytest

from tests.hub import layout

# Each model the docs list as verified, laid out as its repository is (architecture, type).
VERIFIED = {
    "google/medgemma-27b-it": ("Gemma3ForConditionalGeneration", "multimodal"),
    "HuggingFaceTB/SmolLM2-135M-Instruct": ("LlamaForCausalLM", "chat"),
    "ibm-granite/granite-vision-3.2-2b": ("LlavaNextForConditionalGeneration", "vision"),
    "ibm-granite/granite-3.3-2b-instruct": ("GraniteForCausalLM", "chat"),
    "Linq-AI-Research/Linq-Embed-Mistral": ("MistralModel", "embedding"),
    "microsoft/phi-4": ("Phi3ForCausalLM", "chat"),
    "nanonets/Nanonets-OCR-s": ("Qwen2_5_VLForConditionalGeneration", "vision"),
    "sentence-transformers/paraphrase-multilingual-mpnet-base-v2": ("XLMRobertaModel", "embedding"),
    "Qwen/Qwen3-32B": ("Qwen3ForCausalLM", "chat"),
    "Snowflake/snowflake-arctic-embed-l-v2.0": ("XLMRobertaModel", "embedding"),
}


def materialize(tmp_path, name, files):
    from tests.test_model_inputs import materialize as write_files

    return write_files(tmp_path / name.replace("/", "__"), files)


@pytest.mark.parametrize("name", sorted(VERIFIED))
def test_every_verified_model_layout_is_accepted(cli, tmp_path, name):
    arch, kind = VERIFIED[name]
    template = None if kind == "embedding" else "jinja"
    root = materialize(tmp_path, name, layout(arch, name=name, template=template))
    result = cli("check-model", root, "--type", kind, "--format", "json", "--repo", name)
    body = json.loads(result.out)
    assert result.code == 0, body["findings"]
    assert body["compatible"] and body["verified"]
    unnamed = json.loads(cli("check-model", root, "--type", kind, "--format", "json").out)
    assert not unnamed["verified"]  # config.json's _name_or_path names it, but that is no identity
    assert body["api"] == ("/v1/embeddings" if kind == "embedding" else "/v1/chat/completions")


@pytest.mark.parametrize(
    ("files", "rule"),
    [
        (layout("LlamaForCausalLM", weights="pickle"), "model-weights"),
        (layout("LlamaForCausalLM", tokenizer=False), "model-tokenizer"),
        (layout("LlamaForCausalLM", template=None), "model-chat-template"),
        (layout("FancyNewForCausalLM"), "model-architecture-unsupported"),
        (layout("LlamaForCausalLM", max_pos=False), "model-max-position-embeddings"),
        (layout("XLMRobertaModel"), "model-type"),
    ],
)
def test_incompatible_models_are_refused_with_the_failed_rule(cli, tmp_path, files, rule):
    root = materialize(tmp_path, "bad", files)
    result = cli("check-model", root, "--type", "chat", "--format", "json")
    assert result.code == 1
    rules = [f["rule_id"] for f in json.loads(result.out)["findings"] if f["severity"] == "error"]
    assert rule in rules
    text = cli("check-model", root, "--type", "chat")
    assert "NOT compatible" in text.out and rule in text.out and "hint:" in text.out


def test_template_sources_and_precedence(cli, tmp_path):
    for template, expected in [
        ("field", "tokenizer_config.json (chat_template field)"),
        ("json", "chat_template.json"),
        ("jinja", "chat_template.jinja"),
    ]:
        root = materialize(tmp_path, f"t-{template}", layout("LlamaForCausalLM", template=template))
        assert json.loads(cli("check-model", root, "--format", "json").out)["chat_template"] == expected
    both = layout("LlamaForCausalLM", template="field")
    both["chat_template.jinja"] = b"{{ x }}"
    root = materialize(tmp_path, "both", both)
    assert (
        json.loads(cli("check-model", root, "--format", "json").out)["chat_template"] == "chat_template.jinja"
    )


def test_parameter_count_from_safetensors_header(cli, tmp_path):
    root = materialize(tmp_path, "p", layout("LlamaForCausalLM", hidden=10))
    assert json.loads(cli("check-model", root, "--format", "json").out)["parameters"] == 2000


def test_hub_repository_through_huggingface_hub(cli, hub):
    hub.repos["acme/chat"] = __import__("tests.hub", fromlist=["Repo"]).Repo(
        layout("MistralForCausalLM", hidden=8)
    )
    result = cli("check-model", "https://huggingface.co/acme/chat", "--format", "json")
    body = json.loads(result.out)
    assert result.code == 0, body
    assert body["parameters"] == 1600 and body["architecture"] == "MistralForCausalLM"


def test_gated_and_missing_repositories_say_so(cli, hub, monkeypatch):
    from tests.hub import Repo

    hub.repos["acme/gated"] = Repo(layout("LlamaForCausalLM"), token="hf_good")
    result = cli("check-model", "acme/gated", "--format", "json")
    finding = json.loads(result.out)["findings"][0]
    assert (
        result.code == 1 and finding["rule_id"] == "hf-access" and "token is required" in finding["message"]
    )
    monkeypatch.setenv("HF_TOKEN", "hf_good")
    assert cli("check-model", "acme/gated").code == 0
    result = cli("check-model", "acme/nothing-here", "--format", "json")
    assert json.loads(result.out)["findings"][0]["rule_id"] == "hf-not-found"


def test_plan_refuses_a_model_too_big_for_its_node_before_any_write(cli, hub, scw_env, tmp_path):
    from tests.conftest import write
    from tests.hub import Repo, safetensors

    big = layout("LlamaForCausalLM")
    big["model.safetensors"] = safetensors({"w": [5_000_000, 4096]}, with_data=False)  # 20.48B parameters
    hub.repos["acme/huge"] = Repo(big)
    write(
        tmp_path / "infermod.yaml",
        "version: 1\nstack: s\nmodels:\n  m: {source: acme/huge, type: chat}\n"
        "deployments:\n  d: {model: m, node_type: L4, endpoints: [{public: true}]}\n",
    )
    result = cli("plan", "--check-models")
    assert result.code == 1 and "model-vram" in result.out and "38 GiB of weights" in result.out
    assert "(infermod's estimate: Scaleway's catalog gives no verdict before the import)" in result.out
    assert "POST" not in str(scw_env.stats()["routes"])


def test_validate_with_check_models_reads_the_hub(cli, hub, tmp_path):
    from tests.conftest import write
    from tests.hub import Repo

    hub.repos["acme/pickle"] = Repo(layout("LlamaForCausalLM", weights="pickle"))
    write(
        tmp_path / "infermod.yaml", "version: 1\nstack: s\nmodels:\n  m: {source: acme/pickle, type: chat}\n"
    )
    result = cli("validate", "--check-models", "--catalog", "snapshot")
    assert result.code == 1 and "infermod.yaml:4:3: error: no weights in .safetensors format" in result.out
