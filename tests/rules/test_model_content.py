"""Required files are checked for what they contain: real files on disk (LFS pointers, FIFOs,
links) and a local Hub, through check-model; config.json key types over generated shapes."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from infermod.rules.model_content import KEY_TYPES, TEXT_CONFIGS, config_type_problems
from tests.hub import Repo, Sparse, layout
from tests.test_model_inputs import check, errors, materialize

POINTER = (
    b"version https://git-lfs.github.com/spec/v1\n"
    b"oid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\nsize 9085698\n"
)


def directory(tmp_path: Path, **changes: bytes | None) -> str:
    files = layout("LlamaForCausalLM")
    for name, content in changes.items():
        name = name.replace("__", ".")
        if content is None:
            files.pop(name, None)
        else:
            files[name] = content
    return materialize(tmp_path, files)


@pytest.mark.parametrize(
    "name",
    ["tokenizer.json", "config.json", "chat_template.jinja", "model.safetensors", "tokenizer_config.json"],
)
def test_a_git_lfs_pointer_is_named_with_its_fix(cli, tmp_path, name):
    root = directory(tmp_path, **{name.replace(".", "__"): POINTER})
    body = check(cli, root, "--type", "chat")
    pointer = errors(body)["model-file-lfs-pointer"]
    assert pointer["message"].startswith(f"{name} is a Git LFS pointer")
    assert "`git lfs pull`" in pointer["hint"]


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b'{"version": "1.0"}', "Model missing"),
        (b'{"model": {"type": "BPE", "vocab": {"a": 0}, "merges": ["a b"]}}', "out of vocabulary"),
        (b"[1, 2]", "does not parse as a tokenizer"),
        (b"\xff\xfe", "does not parse as a tokenizer"),
    ],
)
def test_a_tokenizer_json_that_is_no_tokenizer_is_refused(cli, tmp_path, content, words):
    error = errors(check(cli, directory(tmp_path, tokenizer__json=content)))["model-tokenizer"]
    assert error["message"].startswith("tokenizer.json does not parse as a tokenizer")
    assert words in error["message"] and "base model" in error["hint"]


def test_a_tokenizer_too_large_to_read_is_a_warning_not_a_refusal(cli, tmp_path):
    root = directory(tmp_path, tokenizer__json=None)
    with open(Path(root) / "tokenizer.json", "wb") as fh:
        fh.write(b"{")
        fh.truncate(65 * 2**20)  # sparse: costs no disk; over TOKENIZER_LIMIT
    body = check(cli, root)
    assert body["compatible"]
    warning = next(f for f in body["findings"] if f["rule_id"] == "model-tokenizer-unchecked")
    assert warning["severity"] == "warning" and "68,157,440 bytes" in warning["message"]


@pytest.mark.parametrize("empty", [b"", b"  \n\t\n"])
def test_an_empty_template_file_is_refused_even_beside_a_template_field(cli, tmp_path, empty):
    alone = errors(check(cli, directory(tmp_path / "a", chat_template__jinja=empty)))
    assert "chat_template.jinja is empty" in alone["model-chat-template"]["message"]
    both = layout("LlamaForCausalLM", template="field")
    both["chat_template.jinja"] = empty  # the file is the one used when present (the docs)
    error = errors(check(cli, materialize(tmp_path / "b", both)))["model-chat-template"]
    assert "or delete it" in error["hint"]


@pytest.mark.parametrize(
    ("files", "where"),
    [
        ({"chat_template.jinja": b"{% for m in messages %}\n{{ m.content }}\n"}, "chat_template.jinja"),
        ({"chat_template.json": json.dumps({"chat_template": "{{ x "}).encode()}, "chat_template.json"),
        (
            {
                "tokenizer_config.json": json.dumps(
                    {"chat_template": [{"name": "default", "template": "{% if %}"}]}
                ).encode()
            },
            "tokenizer_config.json",
        ),
    ],
)
def test_a_template_that_is_not_jinja_is_refused_naming_the_line(cli, tmp_path, files, where):
    base = layout("LlamaForCausalLM", template=None)
    body = check(cli, materialize(tmp_path, {**base, **files}))
    error = errors(body)["model-chat-template"]
    assert error["message"].startswith(f"{where}") and "not a valid Jinja template: line" in error["message"]


def test_real_templates_parse_with_loop_controls_and_generation_blocks(cli, tmp_path):
    template = (
        "{% for m in messages %}{% if m.role == 'system' %}{% continue %}{% endif %}"
        "{% if m.role == 'assistant' %}{% generation %}{{ m.content }}{% endgeneration %}"
        "{% else %}{{ m.content | trim }}{% endif %}{% if loop.index > 99 %}{% break %}{% endif %}"
        "{% endfor %}{% if add_generation_prompt %}<|assistant|>{% endif %}"
    )
    named = [
        {"name": "default", "template": template},
        {"name": "tool_use", "template": "{{ tools | tojson }}"},
    ]
    for name, files in [
        ("jinja", {"chat_template.jinja": template.encode()}),
        ("named", {"tokenizer_config.json": json.dumps({"chat_template": named}).encode()}),
    ]:
        body = check(
            cli, materialize(tmp_path / name, {**layout("LlamaForCausalLM", template=None), **files})
        )
        assert body["compatible"] and body["chat_template"], body["findings"]


def test_a_template_field_of_the_wrong_type_is_refused(cli, tmp_path):
    files = layout("LlamaForCausalLM", template=None)
    files["chat_template.json"] = json.dumps({"chat_template": ["not", "a template"]}).encode()
    error = errors(check(cli, materialize(tmp_path, files)))["model-chat-template"]
    assert "chat_template.json" in error["message"] and "string" in error["message"]


def test_template_files_through_links_and_fifos(cli, tmp_path):
    root = Path(directory(tmp_path / "m", chat_template__jinja=None))
    (root / "templates").mkdir()
    (root / "templates" / "chat.jinja").write_text("{{ messages }}")
    (root / "chat_template.jinja").symlink_to("templates/chat.jinja")  # inside: read
    assert check(cli, root)["chat_template"] == "chat_template.jinja"
    (root / "chat_template.jinja").unlink()
    os.mkfifo(root / "chat_template.jinja")  # a FIFO is never opened for a blocking read
    body = check(cli, root)
    assert "not a regular file" in errors(body)["model-file-unsafe"]["message"]
    assert "model-chat-template" in errors(body)


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"hidden_size": "4096"}, "`hidden_size` is a string, where the loader needs an integer"),
        ({"num_hidden_layers": 32.0}, "`num_hidden_layers` is a number, where the loader needs an integer"),
        ({"text_config": {"vocab_size": [1]}}, "`text_config.vocab_size` is a list"),
        (
            {"tie_word_embeddings": "false"},
            "`tie_word_embeddings` is a string, where the loader needs true or false",
        ),
        ({"llm_config": 3}, "`llm_config` is the number 3, where the loader needs an object"),
    ],
)
def test_config_keys_of_the_wrong_type_are_refused(cli, tmp_path, change, words):
    files = layout("LlamaForCausalLM")
    files["config.json"] = json.dumps({**json.loads(files["config.json"]), **change}).encode()
    error = errors(check(cli, materialize(tmp_path, files)))["model-config-type"]
    assert words in error["message"]


GOOD = {
    "model_type": st.sampled_from(["llama", "qwen2", "gemma3_text"]),
    "num_attention_heads": st.integers(1, 2**8),
    "hidden_size": st.integers(1, 2**14),
    "num_key_value_heads": st.none() | st.integers(1, 64),
    "rope_theta": st.integers(1, 10**7) | st.floats(1, 1e7),
    "tie_word_embeddings": st.booleans(),
    "rope_scaling": st.none() | st.just({"type": "linear", "factor": 2.0}),
    "eos_token_id": st.integers(0, 10**5) | st.lists(st.integers(0, 10**5), max_size=3),
}
TEXT = st.text(max_size=5)
LISTS = st.lists(st.text(max_size=2), min_size=1, max_size=2)
OBJECTS = st.dictionaries(st.text(max_size=3), st.integers(), max_size=2)
FRACTIONS = st.floats(0.1, 1e6).filter(lambda f: not f.is_integer())
# values of a kind each key does not take, written out here rather than asked of the code
WRONG = {
    "model_type": st.integers() | LISTS | OBJECTS | st.booleans(),
    "num_attention_heads": TEXT | LISTS | OBJECTS | st.booleans() | FRACTIONS,
    "hidden_size": TEXT | LISTS | OBJECTS | st.booleans() | st.floats(1, 1e4),
    "num_key_value_heads": TEXT | LISTS | OBJECTS | st.booleans(),
    "rope_theta": TEXT | LISTS | OBJECTS | st.booleans() | st.none(),
    "tie_word_embeddings": TEXT | st.integers() | LISTS | st.none(),
    "rope_scaling": TEXT | st.integers() | LISTS | st.booleans(),
    "eos_token_id": TEXT | OBJECTS | st.booleans() | LISTS,
}
UNKNOWN = st.text(min_size=1, max_size=6).filter(lambda k: k not in KEY_TYPES and k not in TEXT_CONFIGS)


@st.composite
def config_shapes(draw):
    """config.json shapes: known keys right or wrong at the top and in nested text configs."""
    config = {"architectures": ["LlamaForCausalLM"]}
    wrong: set[str] = set()
    places = [("", config)]
    for family in draw(st.lists(st.sampled_from(TEXT_CONFIGS), unique=True, max_size=3)):
        sub = {}
        config[family] = sub
        places.append((family + ".", sub))
        if draw(st.booleans()):  # a nested family inside (Qwen2.5-Omni: thinker_config.text_config)
            inner = {}
            sub["text_config"] = inner
            places.append((family + ".text_config.", inner))
    for prefix, place in places:
        for key in draw(st.lists(st.sampled_from(sorted(GOOD)), unique=True, max_size=4)):
            if draw(st.booleans()):
                place[key] = draw(GOOD[key])
            else:
                place[key] = draw(WRONG[key])
                wrong.add(prefix + key)
        place[draw(UNKNOWN.filter(lambda k, place=place: k not in place))] = draw(
            TEXT | OBJECTS
        )  # not checked
    return config, wrong


@settings(max_examples=200, deadline=None)
@given(config_shapes())
def test_every_key_of_the_wrong_type_is_named_and_no_other(shape):
    config, wrong = shape
    problems = config_type_problems(json.loads(json.dumps(config)))
    named = {p.split("`")[1] for p in problems}
    assert named == wrong


def test_hub_files_are_checked_for_their_content_too(cli, hub):
    files = layout("LlamaForCausalLM")
    files["tokenizer.json"] = POINTER
    files["chat_template.jinja"] = b"{% for %}"
    hub.repos["acme/pointers"] = Repo(files)
    found = errors(check(cli, "acme/pointers"))
    assert found["model-file-lfs-pointer"]["message"].startswith("tokenizer.json is a Git LFS pointer")
    assert "chat_template.jinja is not a valid Jinja template" in found["model-chat-template"]["message"]
    big = layout("LlamaForCausalLM")
    big["tokenizer.json"] = Sparse(b"{", 65 * 2**20)
    hub.repos["acme/big-tokenizer"] = Repo(big)
    body = check(cli, "acme/big-tokenizer")  # listed size over the limit: not downloaded
    assert body["compatible"] and any(f["rule_id"] == "model-tokenizer-unchecked" for f in body["findings"])
