"""After a destroy, the sweep deletes what another run created meanwhile, by the real tags the
emulator serves, until nothing of the stack is left, and never what is protected or not its own."""

from __future__ import annotations

from infermod.apply.sweep import ROUNDS, sweep
from infermod.scw.gateway import Gateway
from infermod.state import ActualDeployment
from tests.conftest import OTHER_PROJECT, PROJECT, sdk_client
from tests.helpers import create, owned

PAIRS = [("fr-par", PROJECT), ("nl-ams", PROJECT), ("fr-par", PROJECT)]


def test_the_stack_ends_empty_even_when_deployments_keep_appearing(more_regions, emulator, sdk):
    first = create(sdk, "a", owned("shop", "a"))
    second = create(sdk, "b", owned("shop", "b"), region="nl-ams")
    kept = {
        create(sdk, "kept", owned("shop", "db")).id,  # prevent_destroy
        create(sdk, "blog", owned("blog", "a")).id,  # another stack
        create(sdk, "tagless", ["infermod:stack=shop"]).id,  # no key: not made by infermod
        create(sdk, "elsewhere", owned("shop", "c"), project_id=OTHER_PROJECT).id,  # a project not read
    }
    late: list[str] = []

    def delete(dep: ActualDeployment) -> None:
        sdk.delete_deployment(region=dep.region, deployment_id=dep.id)
        if not late:  # an apply elsewhere creates one more while the sweep deletes
            late.append(create(sdk, "late", owned("shop", "late")).id)

    deleted = sweep(Gateway(sdk_client(emulator.url)), "shop", PAIRS, {"db"}, delete, lambda: False)
    assert [d.id for d in deleted] == [first.id, second.id, late[0]]  # oldest first, each once
    left = {
        d.id
        for r in ("fr-par", "nl-ams")
        for p in (PROJECT, OTHER_PROJECT)
        for d in sdk.list_deployments_all(region=r, project_id=p)
        if d.status != "deleting"
    }
    assert left == kept


def test_a_stopped_sweep_deletes_nothing_and_an_endless_one_is_bounded(more_regions, emulator, sdk):
    create(sdk, "a", owned("shop", "a"))
    gateway = Gateway(sdk_client(emulator.url))
    assert sweep(gateway, "shop", PAIRS, set(), lambda dep: None, lambda: True) == []
    # deletions that never take: the same deployment is found again each round, up to ROUNDS
    assert len(sweep(gateway, "shop", PAIRS, set(), lambda dep: None, lambda: False)) == ROUNDS
