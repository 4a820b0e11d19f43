"""`infermod import`: what it refuses (and says why), and the tags it leaves on what it adopts."""

from __future__ import annotations

from tests.conftest import write
from tests.helpers import create, many, owned


def test_refusals_name_the_address_or_the_deployment_and_change_nothing(
    more_regions, cli, scw_env, sdk, tmp_path
):
    write(tmp_path / "infermod.yaml", many(2))
    loose = create(sdk, "loose", ["team"])
    mine = create(sdk, "d1", owned("shop", "d1"))
    # tags naming two other stacks: `stack` agrees on neither, and neither is this one
    shared = create(sdk, "shared", ["infermod:stack=blog", "infermod:stack=wiki", "infermod:name=d0"])
    cases = {
        ("model.ft", loose.id): "model.ft is not declared: add it under `models:` first",
        ("output.ft", loose.id): "output.ft: expected an address like deployment.KEY or model.KEY",
        ("deployment.", loose.id): "expected an address like deployment.KEY or model.KEY",
        ("deployment.nope", loose.id): "deployment.nope is not declared: add it under `deployments:` first",
        (
            "deployment.d0",
            "00000000-0000-4000-8000-000000000000",
        ): "no deployment 00000000-0000-4000-8000-000000000000 in fr-par, nl-ams, pl-waw",
        (
            "deployment.d1",
            loose.id,
        ): f"deployment.d1 already exists in this stack ({mine.id}): remove it from the stack first",
    }
    cases[("deployment.d0", shared.id)] = (
        f"deployment {shared.id} carries the tags of stack `blog` (infermod:stack=blog) and "
        "`wiki` (infermod:stack=wiki): infermod will not take it over"
    )
    for (address, dep_id), said in cases.items():
        result = cli("import", address, dep_id)
        assert result.code == 1 and said in result.err, (address, result.err)
    assert sdk.get_deployment(deployment_id=loose.id).tags == ["team"]
    assert "infermod:stack=shop" not in sdk.get_deployment(deployment_id=shared.id).tags


def test_adoption_waits_out_a_transient_state_and_replaces_stale_infermod_tags(cli, scw_env, sdk, tmp_path):
    write(tmp_path / "infermod.yaml", many(1))
    # still creating, and carrying a create token and a name left by an earlier, removed stack key
    dep = create(sdk, "d0", ["team", "infermod:create=abc123", "infermod:name=old"])
    assert dep.status == "creating"
    result = cli("import", "deployment.d0", dep.id, "--auto-approve")
    assert result.code == 0, result.err
    assert f"Imported d0 ({dep.id}) in fr-par as deployment.d0" in result.out
    assert sorted(sdk.get_deployment(deployment_id=dep.id).tags) == sorted(["team", *owned("shop", "d0")])


def test_a_locked_deployment_cannot_be_adopted(cli, scw_env, sdk, tmp_path):
    write(tmp_path / "infermod.yaml", many(1))
    dep = create(sdk, "d0", [])
    scw_env.app.store.set_status(dep.id, "locked")
    result = cli("import", "deployment.d0", dep.id, "--auto-approve")
    assert result.code == 1 and "locked by Scaleway" in result.err
    assert sdk.get_deployment(deployment_id=dep.id).tags == []


def test_a_second_import_of_the_same_deployment_says_there_is_nothing_to_do(cli, scw_env, sdk, tmp_path):
    write(tmp_path / "infermod.yaml", many(1))
    dep = create(sdk, "d0", ["team"])
    assert "Imported d0" in cli("import", "deployment.d0", dep.id, "--auto-approve").out
    tags = sdk.get_deployment(deployment_id=dep.id).tags
    result = cli("import", "deployment.d0", dep.id, "--auto-approve")
    assert (result.code, result.out) == (0, f"deployment.d0 is already imported ({dep.id}): nothing to do.\n")
    assert sdk.get_deployment(deployment_id=dep.id).tags == tags


def test_importing_a_deployment_says_it_redeploys_and_asks_first(cli, scw_env, sdk, tmp_path):
    """The tag write is a change to a live deployment (a brief redeploy): said first, and not
    done from a pipe or a script without --auto-approve, as apply would not be."""
    write(tmp_path / "infermod.yaml", many(1))
    dep = create(sdk, "d0", ["team"])
    result = cli("import", "deployment.d0", dep.id)
    assert result.code == 1 and "refusing to ask for confirmation without a terminal" in result.err
    assert f"infermod will tag deployment d0 ({dep.id}) with infermod:stack=shop" in result.out
    assert "passes through `deploying` for about 2 minutes" in result.out
    assert sdk.get_deployment(deployment_id=dep.id).tags == ["team"]


def test_a_deployment_is_imported_once_yes_is_typed_and_not_otherwise(cli, scw_env, sdk, tmp_path, answer):
    write(tmp_path / "infermod.yaml", many(1))
    dep = create(sdk, "d0", ["team"])
    answer("no")
    result = cli("import", "deployment.d0", dep.id)
    assert result.code == 1 and "Cancelled: nothing was changed." in result.out
    assert sdk.get_deployment(deployment_id=dep.id).tags == ["team"]
    answer("yes")
    assert cli("import", "deployment.d0", dep.id).code == 0
    assert sorted(sdk.get_deployment(deployment_id=dep.id).tags) == sorted(["team", *owned("shop", "d0")])
