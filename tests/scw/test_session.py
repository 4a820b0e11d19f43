"""A command's session: which (region, project) pairs are read, and no project is an error."""

from __future__ import annotations

import pytest

from infermod.config.load import load_config
from infermod.errors import ConfigError
from infermod.scw.session import open_session
from tests.conftest import MORE_REGIONS, OTHER_PROJECT, PROJECT, write
from tests.helpers import create, owned, stack_config


def config_of(tmp_path, text: str):
    loaded = load_config([write(tmp_path / "infermod.yaml", text)], {})
    assert loaded.config is not None, loaded.findings
    return loaded.config


def test_every_region_of_every_configured_project_is_read(more_regions, scw_env, sdk, tmp_path):
    text = (
        stack_config("web", region="nl-ams").replace("  web:\n", f"  web:\n    project_id: {OTHER_PROJECT}\n")
        + stack_config("api").split("deployments:\n", 1)[1]
    )
    config = config_of(tmp_path, text)
    moved = create(sdk, "moved", owned("shop", "web"), region="pl-waw", project_id=OTHER_PROJECT)
    with open_session(None, False, config.projects, config.stack) as session:
        assert session.pairs == [(r, p) for p in sorted([PROJECT, OTHER_PROJECT]) for r in MORE_REGIONS]
        assert (session.default_project, session.stack, session.sandbox) == (PROJECT, "shop", False)
        # a deployment whose region left the file is still found, to be replaced or deleted
        assert moved.id in {d.id for d in session.read_deployments().deployments}


def test_without_any_project_the_session_says_where_to_set_one(scw_env, tmp_path, monkeypatch):
    with open_session(None, False) as session:  # no configuration: the profile's project
        assert session.pairs == [("fr-par", PROJECT)] and session.stack is None  # fr-par only
    monkeypatch.delenv("SCW_DEFAULT_PROJECT_ID")
    for projects in (config_of(tmp_path, stack_config("web")).projects, ()):
        with (
            pytest.raises(ConfigError, match=r"^no project: set defaults\.project_id"),
            open_session(None, False, projects),
        ):
            pytest.fail("a session without a project")
