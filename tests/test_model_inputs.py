"""Custom-model rules on real-world layouts and hostile directories, repositories and Hubs."""

from __future__ import annotations

import json
import os
import socket
import struct
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from infermod.localhub import Sparse
from tests.hub import Hub, Repo, layout, safetensors

ROOT = Path(__file__).resolve().parent.parent


def materialize(root: Path, files: dict) -> str:
    for path, content in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        with open(root / path, "wb") as fh:
            if isinstance(content, Sparse):
                fh.write(content.head)
                fh.truncate(content.size)
            else:
                fh.write(content)
    return str(root)


def check(cli, source, *extra):
    result = cli("check-model", str(source), "--format", "json", *extra)
    body = json.loads(result.out)
    assert result.code == (0 if body["compatible"] else 1)
    return body


def errors(body):
    return {f["rule_id"]: f for f in body["findings"] if f["severity"] == "error"}


def sharded(shards: int = 3, hidden: int = 8) -> dict:
    files = layout("LlamaForCausalLM")
    del files["model.safetensors"]
    weight_map = {}
    for n in range(shards):
        name = f"model-{n + 1:05d}-of-{shards:05d}.safetensors"
        files[name] = safetensors({f"layer{n}.weight": [hidden, hidden]})
        weight_map[f"layer{n}.weight"] = name
    files["model.safetensors.index.json"] = json.dumps({"weight_map": weight_map}).encode()
    return files


# --- the seeds' intent -------------------------------------------------------------------


def test_verified_model_passes_whatever_the_architecture_list_says(cli, tmp_path):
    files = layout("Qwen3ForCausalLM", name="Qwen/Qwen3-32B")
    root = materialize(tmp_path, files)
    body = check(cli, root, "--type", "chat", "--repo", "qwen/qwen3-32b")  # Hub ids: any case
    assert body["compatible"] and body["verified"] and body["architecture"] == "Qwen3ForCausalLM"
    assert not [f for f in body["findings"] if f["severity"] != "info"]


def test_a_local_directory_has_no_identity_unless_named(cli, tmp_path):
    """`_name_or_path` records the base a fine-tune was loaded from: it is not the model's name."""
    files = layout("Qwen3ForCausalLM", name="Qwen/Qwen3-32B")
    body = check(cli, materialize(tmp_path, files), "--type", "chat")
    assert not body["verified"] and body["compatible"]
    unlisted = next(f for f in body["findings"] if f["rule_id"] == "model-architecture-unlisted")
    assert unlisted["severity"] == "warning" and "Qwen/Qwen3-32B" in unlisted["message"]
    assert "contradict" in unlisted["hint"]
    identity = next(f for f in body["findings"] if f["rule_id"] == "model-identity")
    assert identity["severity"] == "info" and "`--repo Qwen/Qwen3-32B`" in identity["hint"]


def test_a_fine_tune_naming_a_verified_base_is_judged_by_its_own_architecture(cli, tmp_path):
    files = layout("FancyNewForCausalLM", name="microsoft/phi-4")
    body = check(cli, materialize(tmp_path, files), "--type", "chat")
    assert not body["compatible"] and not body["verified"]
    assert "model-architecture-unsupported" in errors(body)
    assert not [f for f in body["findings"] if f["rule_id"] == "model-verified"]


def test_a_fine_tune_of_an_architecture_only_a_verified_model_uses_is_a_warning(cli, tmp_path):
    files = layout("Qwen3ForCausalLM", name="acme/qwen3-support-ft")
    body = check(cli, materialize(tmp_path, files), "--type", "chat")
    assert body["compatible"] and not body["verified"]
    assert not [f for f in body["findings"] if f["rule_id"] == "model-identity"]
    warning = next(f for f in body["findings"] if f["rule_id"] == "model-architecture-unlisted")
    assert "Qwen/Qwen3-32B" in warning["message"] and warning["severity"] == "warning"


@pytest.mark.parametrize("repo", ["acme", "../x/y", "a/b/c"])
def test_repo_must_be_a_repository_id_and_only_for_a_directory(cli, tmp_path, repo):
    root = materialize(tmp_path, layout("LlamaForCausalLM"))
    result = cli("check-model", root, "--repo", repo)
    assert result.code == 1 and "is not a Hugging Face repository id" in result.err
    result = cli("check-model", "acme/model", "--repo", "acme/model")
    assert result.code == 1 and "SOURCE is not a directory" in result.err


def test_a_hub_repository_is_named_by_its_id_not_by_its_files(cli, hub):
    hub.repos["Qwen/Qwen3-32B"] = Repo(layout("Qwen3ForCausalLM", name="/data/ckpt"))
    hub.repos["acme/phi-4-ft"] = Repo(layout("FancyNewForCausalLM", name="microsoft/phi-4"))
    body = check(cli, "https://huggingface.co/Qwen/Qwen3-32B")
    assert body["compatible"] and body["verified"]
    body = check(cli, "acme/phi-4-ft")
    assert not body["verified"] and "model-architecture-unsupported" in errors(body)
    assert not [f for f in body["findings"] if f["rule_id"] == "model-identity"]  # it has a name


def test_context_length_from_text_config(cli, tmp_path):
    files = layout("Gemma3ForConditionalGeneration", name="acme/medgemma-ft", max_pos=False)
    config = json.loads(files["config.json"])
    config["text_config"] = {"max_position_embeddings": 131072}
    files["config.json"] = json.dumps(config).encode()
    body = check(cli, materialize(tmp_path, files), "--type", "multimodal")
    assert body["compatible"] and body["max_position_embeddings"] == 131072


@pytest.mark.parametrize("value", [0, -5, True, "8192"])
def test_invalid_context_length_is_refused(cli, tmp_path, value):
    files = layout("LlamaForCausalLM", max_pos=False)
    config = json.loads(files["config.json"])
    config["max_position_embeddings"] = value
    files["config.json"] = json.dumps(config).encode()
    assert "model-max-position-embeddings" in errors(check(cli, materialize(tmp_path, files)))


def test_sharded_weights_with_every_shard_are_counted(cli, tmp_path):
    files = sharded(3, hidden=8)
    files["consolidated.safetensors"] = safetensors({"all": [1000, 1000]})  # not in the index
    body = check(cli, materialize(tmp_path, files))
    assert body["compatible"] and body["parameters"] == 3 * 64


def test_missing_shard_is_an_error(cli, tmp_path):
    files = sharded(3)
    del files["model-00002-of-00003.safetensors"]
    error = errors(check(cli, materialize(tmp_path, files)))["model-weights-shard-missing"]
    assert "1 of the 3" in error["message"] and "model-00002-of-00003.safetensors" in error["message"]


def test_index_without_weight_map_is_an_error(cli, tmp_path):
    files = sharded(2)
    files["model.safetensors.index.json"] = b'{"metadata": {}}'
    assert "model-weights-index" in errors(check(cli, materialize(tmp_path, files)))


def _header(header: object, data: int = 0, length: int | None = None) -> bytes:
    raw = json.dumps(header).encode()
    return struct.pack("<Q", len(raw) if length is None else length) + raw + b"\0" * data


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"", "too short"),
        (b"\x05\x00\x00", "too short"),
        (_header({"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}})[:20], "truncated"),
        (_header({}, length=10**12), "more than"),
        (b"\x04\x00\x00\x00\x00\x00\x00\x00{{{{", "not valid JSON"),
        (_header({"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}, data=4), "outside"),
        (
            _header({"w": {"dtype": "F32", "shape": [-2, -3], "data_offsets": [0, 24]}}, data=24),
            "non-negative",
        ),
        (_header({"w": {"dtype": "F32", "shape": [3], "data_offsets": [0, 8]}}, data=8), "does not match"),
        (_header({"w": {"dtype": "Q9", "shape": [2], "data_offsets": [0, 8]}}, data=8), "unknown dtype"),
        (_header([1, 2]), "not a JSON object"),
    ],
)
def test_broken_safetensors_files_are_refused(cli, tmp_path, content, words):
    files = layout("LlamaForCausalLM")
    files["model.safetensors"] = content
    error = errors(check(cli, materialize(tmp_path, files)))["model-weights-invalid"]
    assert words in error["message"] and error["message"].startswith("model.safetensors")


def test_lora_adapter_says_to_merge_it(cli, tmp_path):
    files = {
        "adapter_config.json": json.dumps(
            {"base_model_name_or_path": "meta-llama/Llama-3.1-8B", "r": 16}
        ).encode(),
        "adapter_model.safetensors": safetensors({"lora_A": [16, 64]}),
        "README.md": b"# adapter\n",
    }
    body = check(cli, materialize(tmp_path, files))
    error = errors(body)["model-lora-adapter"]
    assert "meta-llama/Llama-3.1-8B" in error["message"]
    assert "merge_and_unload" in error["hint"] and "upload the merged model" in error["hint"]
    assert list(errors(body)) == ["model-lora-adapter"]


# --- hostile directories -----------------------------------------------------------------


def _fast(cli, root) -> dict:
    # A guard against hangs, not a speed target (that is benchmarks/loader_scale.py's job): loose
    # enough for a loaded CI machine, far below a hang or a whole sparse file's download.
    start = time.monotonic()
    body = check(cli, root)
    assert time.monotonic() - start < 20
    return body


def test_fifo_named_config_json_does_not_hang(cli, tmp_path):
    root = Path(materialize(tmp_path / "m", layout("LlamaForCausalLM")))
    (root / "config.json").unlink()
    os.mkfifo(root / "config.json")
    os.mkfifo(root / "model.safetensors.index.json")
    body = _fast(cli, root)
    assert "not a regular file" in errors(body)["model-file-unsafe"]["message"]
    assert "model-config" in errors(body)


def test_huge_sparse_metadata_is_refused_without_reading_it(cli, tmp_path):
    root = Path(materialize(tmp_path / "m", layout("LlamaForCausalLM")))
    with open(root / "config.json", "r+b") as fh:
        fh.truncate(1_500_000_000)
    with open(root / "model.safetensors", "wb") as fh:
        fh.write(struct.pack("<Q", 200_000_000) + b"{")
        fh.truncate(50_000_000_000)
    body = _fast(cli, root)
    assert "1,500,000,000 bytes" in errors(body)["model-file-too-large"]["message"]
    assert "model-weights-invalid" in errors(body)


def test_links_outside_the_directory_are_not_followed(cli, tmp_path):
    outside = tmp_path / "secret.json"
    outside.write_text(
        '{"architectures": ["LlamaForCausalLM"], "max_position_embeddings": 1, "k": "TOPSECRET"}'
    )
    root = Path(materialize(tmp_path / "m", layout("LlamaForCausalLM")))
    (root / "config.json").unlink()
    (root / "config.json").symlink_to(outside)
    (root / "tokenizer.json").unlink()
    (root / "tokenizer.json").symlink_to("/dev/zero")
    (root / "sub").mkdir()
    (root / "sub" / "up").symlink_to(tmp_path)  # a directory link to outside: never walked
    (root / "inside.json").symlink_to(root / "tokenizer_config.json")  # inside: fine
    result = cli("check-model", str(root), "--format", "json")
    assert "TOPSECRET" not in result.out
    body = json.loads(result.out)
    unsafe = [f["message"] for f in body["findings"] if f["rule_id"] == "model-file-unsafe"]
    assert sorted(m.split(":")[0] for m in unsafe) == ["config.json", "sub/up", "tokenizer.json"]
    assert {"model-config", "model-tokenizer"} <= set(errors(body))


def test_socket_in_the_directory_is_refused(cli, tmp_path):
    root = Path(materialize(tmp_path / "m", layout("LlamaForCausalLM")))
    (root / "chat_template.jinja").unlink()
    sock = socket.socket(socket.AF_UNIX)
    try:
        sock.bind(str(root / "chat_template.jinja"))
    except OSError:
        pytest.skip("no unix sockets here")
    body = _fast(cli, root)
    sock.close()
    assert "model-file-unsafe" in errors(body)


FILE_NAMES = st.sampled_from(
    ["config.json", "model.safetensors", "model.safetensors.index.json", "tokenizer.json",
     "tokenizer_config.json", "chat_template.json", "adapter_config.json", "model-00001-of-00002.safetensors",
     "chat_template.jinja"]
)  # fmt: skip
JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=12,
)
CONTENT = st.one_of(
    st.binary(max_size=64),
    JSONISH.map(lambda v: json.dumps(v).encode()),
    st.builds(
        lambda h, n: _header(h, n),
        st.dictionaries(st.text(max_size=6), JSONISH, max_size=3),
        st.integers(0, 64),
    ),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    files=st.dictionaries(FILE_NAMES, CONTENT, max_size=6), declared=st.sampled_from([[], ["--type", "chat"]])
)
def test_any_model_directory_gives_a_verdict(cli, tmp_path_factory, files, declared):
    root = materialize(tmp_path_factory.mktemp("m"), files)
    result = cli("check-model", root, "--format", "json", *declared)
    body = json.loads(result.out)
    assert result.code == (0 if body["compatible"] else 1) and result.err == ""
    assert body["parameters"] is None or body["parameters"] >= 0


# --- the Hub -----------------------------------------------------------------------------


@pytest.fixture
def hub(monkeypatch):
    running = Hub()
    monkeypatch.setenv("HF_ENDPOINT", running.url)
    yield running
    running.close()


def test_hub_sharded_model_with_a_missing_shard(cli, hub):
    files = sharded(2)
    del files["model-00001-of-00002.safetensors"]
    hub.repos["acme/sharded"] = Repo(files)
    assert "model-weights-shard-missing" in errors(check(cli, "acme/sharded"))


def test_hub_header_pointing_past_the_file_is_refused(cli, hub):
    files = layout("LlamaForCausalLM")
    files["model.safetensors"] = _header(
        {"w": {"dtype": "F32", "shape": [1000], "data_offsets": [0, 4000]}}, 8
    )
    hub.repos["acme/short"] = Repo(files)
    assert "outside" in errors(check(cli, "acme/short"))["model-weights-invalid"]["message"]


def test_hub_metadata_over_the_limit_is_not_downloaded(cli, hub):
    files = layout("LlamaForCausalLM")
    files["config.json"] = Sparse(b"{", 1_500_000_000)
    hub.repos["acme/bloated"] = Repo(files)
    assert "model-file-too-large" in errors(_fast(cli, "acme/bloated"))


def test_unreachable_hub_fails_fast_naming_the_endpoint(cli, monkeypatch):
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(1)  # accepts connections, never answers
    url = f"http://127.0.0.1:{silent.getsockname()[1]}"
    monkeypatch.setenv("HF_ENDPOINT", url)
    monkeypatch.setenv("INFERMOD_HF_TIMEOUT", "1")  # the default 5 s limit, shortened for the suite
    start = time.monotonic()
    body = check(cli, "acme/anything")
    silent.close()
    assert time.monotonic() - start < 10
    assert url in errors(body)["hf-unreachable"]["message"]


def test_offline_mode_is_honoured(cli, hub, monkeypatch):
    hub.repos["acme/chat"] = Repo(layout("LlamaForCausalLM"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    assert "HF_HUB_OFFLINE" in errors(check(cli, "acme/chat"))["hf-offline"]["message"]


def test_no_temporary_files_are_left_behind(cli, hub, tmp_path, monkeypatch):
    import tempfile

    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setenv("TMPDIR", str(scratch))
    monkeypatch.setattr(tempfile, "tempdir", None)
    hub.repos["acme/chat"] = Repo(sharded(2))
    assert check(cli, "acme/chat")["compatible"]
    hub.repos["acme/gated"] = Repo(layout("LlamaForCausalLM"), token="hf_secret_token_value")
    assert "hf-access" in errors(check(cli, "acme/gated"))
    assert list(scratch.iterdir()) == []


def test_sandbox_checks_the_example_custom_model_offline(cli, tmp_path, monkeypatch):
    import shutil

    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")  # the sandbox must not use it
    result = cli(
        "plan", "--sandbox", "--check-models", "-f", "examples/custom-model.yaml", "--format", "json"
    )
    assert result.code == 0, result.out + result.err
    body = json.loads(result.out)
    assert not [f for f in body["findings"] if f["rule_id"].startswith(("hf-", "model-"))]
    assert {c["address"] for c in body["resource_changes"]} == {
        "model.support-bot-ft",
        "deployment.support-bot",
    }


def test_a_file_is_not_a_repository_id(cli, tmp_path):
    (tmp_path / "config.json").write_text("{}")
    body = check(cli, tmp_path / "config.json")
    assert (
        "neither a local directory nor a Hugging Face repository" in errors(body)["model-source"]["message"]
    )


def test_hub_header_longer_than_the_limit_is_not_fetched(cli, hub):
    files = layout("LlamaForCausalLM")
    files["model.safetensors"] = Sparse(struct.pack("<Q", 500_000_000) + b"{", 600_000_000)
    hub.repos["acme/huge-header"] = Repo(files)
    assert "more than" in errors(_fast(cli, "acme/huge-header"))["model-weights-invalid"]["message"]
