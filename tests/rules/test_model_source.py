"""Model sources read directly: a Hub repository through huggingface_hub (the package's local
Hub on 127.0.0.1), and a local directory. The check-model command over both is in
tests/test_model_inputs.py and tests/rules/test_custom_model.py."""

from __future__ import annotations

import pytest

from infermod.rules.model_files import Entry, SourceError
from infermod.rules.model_source import HubSource, LocalSource
from tests.hub import Hub, Repo, Sparse, safetensors


@pytest.fixture
def hub(monkeypatch):
    running = Hub()
    monkeypatch.setenv("HF_ENDPOINT", running.url + "/")  # a trailing slash is taken off
    monkeypatch.delenv("HF_TOKEN", raising=False)
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    yield running
    running.close()


def test_entries_are_sorted_and_a_big_sparse_model_is_read_by_its_header_only(hub):
    weights = safetensors({"w": [4096, 4096], "v": [10]}, with_data=False)
    hub.repos["acme/m"] = Repo({"z.json": b"{}", "model.safetensors": weights, "config.json": b'{"a": 1}'})
    source = HubSource("acme/m", None)
    assert source.endpoint == hub.url
    assert [e.path for e in source.entries()] == ["config.json", "model.safetensors", "z.json"]
    assert Entry("model.safetensors", weights.size) in source.entries()
    assert source.safetensors_parameters("model.safetensors") == 4096 * 4096 + 10
    assert source.read_json("config.json") == {"a": 1}


def test_a_listed_size_over_the_limit_is_refused_without_downloading(hub):
    hub.repos["acme/big"] = Repo({"config.json": Sparse(b"{", 5 * 2**20)})
    with pytest.raises(
        SourceError, match=r"config\.json is 5,242,880 bytes, more than the 4,194,304"
    ) as caught:
        HubSource("acme/big", None).read_json("config.json")
    assert caught.value.rule == "model-file-too-large"


@pytest.mark.parametrize("repo", ["acme", "acme/m/extra", "../etc/passwd", "-a/b", "a/" + "b" * 200])
def test_what_is_not_a_repository_id_is_said_before_any_request(hub, repo):
    with pytest.raises(
        SourceError, match="is neither a local directory nor a Hugging Face repository"
    ) as caught:
        HubSource(repo, None).entries()
    assert caught.value.rule == "model-source" and len(str(caught.value)) < 320


def test_a_refused_token_and_offline_mode_are_told_apart(hub, monkeypatch):
    hub.repos["acme/gated"] = Repo({"config.json": b"{}"}, token="hf_good")
    with pytest.raises(SourceError, match="acme/gated is gated and the token was refused"):
        HubSource("acme/gated", "hf_wrong").entries()
    assert [e.path for e in HubSource("acme/gated", "hf_good").entries()] == ["config.json"]
    monkeypatch.setenv("HF_HUB_OFFLINE", " Yes ")
    with pytest.raises(SourceError, match="HF_HUB_OFFLINE is set: acme/gated cannot be read from") as caught:
        HubSource("acme/gated", "hf_good").entries()
    assert caught.value.rule == "hf-offline"


def test_a_local_directory_walks_once_and_reports_its_problems(tmp_path):
    root = tmp_path / "model"
    root.mkdir()
    (root / "config.json").write_text('{"x": [1, 2]}')
    (tmp_path / "private.txt").write_text("not the model's")
    (root / "outside").symlink_to(tmp_path / "private.txt")
    source = LocalSource(str(root))
    assert [e.path for e in source.entries()] == ["config.json"]
    assert source.entries() is source.entries()
    (problem,) = source.problems()
    assert "outside" in str(problem)
    assert source.read_json("config.json") == {"x": [1, 2]}
