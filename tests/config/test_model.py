"""The configuration records: where a field is written, found through its nearest ancestor."""

from __future__ import annotations

from infermod.config.load import load_config
from infermod.config.model import CHAT_API, EMBEDDINGS_API
from tests.conftest import write


def test_where_falls_back_to_the_nearest_written_ancestor(tmp_path):
    body = (
        "version: 1\nstack: s\nmodels:\n  e: {source: 'https://huggingface.co/acme/e', type: embedding}\n"
        "deployments:\n  d:\n    model: e\n    node_type: L4\n    endpoints: [{public: true}]\n"
    )
    config = load_config([write(tmp_path / "infermod.yaml", body)], {}).config
    assert config is not None
    assert config.where("deployments.d.node_type").line == 8
    assert config.where("deployments.d.size").line == 6  # not written: the deployment's own line
    assert config.where("deployments.d.endpoints.0.public").line == 9
    assert config.where("nowhere.at.all") is None
    (model,) = config.models
    assert (model.repo_id, model.source_url, model.api) == (
        "acme/e",
        "https://huggingface.co/acme/e",
        EMBEDDINGS_API,
    )
    assert (
        model._replace(type="chat").api == CHAT_API
        and config.model("e") == model
        and config.model("x") is None
    )
