"""Honest outcomes: each deployment outcome is corrected from what the real SDK reads back from
the emulator, whatever the run believed."""

from __future__ import annotations

import time

from infermod.apply.outcome import Outcome
from infermod.apply.reconcile import reconcile
from infermod.plan.model import CREATE, DELETE, NOOP, REPLACE_CBD, UPDATE, Plan, ResourceChange
from infermod.scw.gateway import Gateway
from tests.conftest import PROJECT, sdk_client
from tests.helpers import create, owned


def plan_of(*changes: tuple[str, tuple[str, ...], str | None]) -> Plan:
    return Plan(
        stack="shop",
        created_at="",
        infermod_version="",
        config_digest="",
        state_fingerprint="",
        files=(),
        changes=tuple(
            ResourceChange(
                f"deployment.{key}", "deployment", key, "fr-par", PROJECT, actions, before, None, None, None
            )
            for key, actions, before in changes
        ),
        findings=(),
        catalog_source="live",
    )


def settle(emulator) -> None:
    end = time.monotonic() + 20
    while any(d["status"] != "ready" for d in emulator.app.store.list_deployments("fr-par")):
        assert time.monotonic() < end
        time.sleep(0.05)


def test_every_outcome_is_corrected_from_what_exists(emulator, sdk):
    store = emulator.app.store
    lost = create(sdk, "lost", owned("shop", "lost"))
    broken = create(sdk, "broken", owned("shop", "broken"))
    stuck = create(sdk, "stuck", owned("shop", "stuck"))
    draining = create(sdk, "draining", owned("shop", "draining"))
    doomed = create(sdk, "doomed", owned("shop", "doomed"))
    old = create(sdk, "old", owned("shop", "swap"))
    create(sdk, "not-ours", owned("blog", "lost"))  # another stack's deployment under the same key
    settle(emulator)
    store.set_status(broken.id, "error")
    store.set_status(stuck.id, "locked")
    store.ready_after = 60.0  # from here on, statuses last however loaded the machine is
    sdk.delete_deployment(deployment_id=draining.id)
    sdk.delete_deployment(deployment_id=doomed.id)  # made by this run, deleted by another
    slow = create(sdk, "slow", owned("shop", "slow"))
    plan = plan_of(
        ("lost", CREATE, None),
        ("slow", CREATE, None),
        ("broken", CREATE, None),
        ("vanished", CREATE, None),
        ("gone", DELETE, "d-gone"),
        ("stuck", DELETE, stuck.id),
        ("draining", DELETE, draining.id),
        ("swap", REPLACE_CBD, old.id),
        ("doomed", CREATE, None),
        ("kept", NOOP, "d-kept"),
    )
    outcomes = [
        Outcome("deployment.lost", "deployment", CREATE, "failed", "503 unknown: service unavailable"),
        Outcome("deployment.slow", "deployment", CREATE, "created", None, slow.id),
        Outcome("deployment.broken", "deployment", CREATE, "created", None, broken.id),
        Outcome("deployment.vanished", "deployment", CREATE, "created", None, "d-vanished"),
        Outcome("deployment.gone", "deployment", DELETE, "failed", "the time limit passed", "d-gone"),
        Outcome("deployment.stuck", "deployment", DELETE, "destroyed", None, stuck.id),
        Outcome("deployment.draining", "deployment", DELETE, "failed", "the time limit passed", draining.id),
        Outcome("deployment.swap", "deployment", REPLACE_CBD, "failed", "503 unknown: service unavailable"),
        Outcome("deployment.doomed", "deployment", CREATE, "created", None, doomed.id),
        Outcome("model.ft", "model", CREATE, "failed", "import failed"),
    ]
    honest, note = reconcile(Gateway(sdk_client(emulator.url)), plan, outcomes)
    assert note is None
    got = {o.address.split(".", 1)[1]: (o.result, o.message, o.resource_id) for o in honest}
    assert got == {
        "lost": (
            "created",
            "it exists and is ready; this run saw: 503 unknown: service unavailable",
            lost.id,
        ),
        "doomed": (
            "failed",
            "it exists but is being deleted (another run is destroying the stack?)",
            doomed.id,
        ),
        "kept": (
            "changed meanwhile",
            "planned to stay unchanged, it no longer exists: another run changed it during this one; "
            "run `infermod plan`",
            "d-kept",
        ),
        "slow": ("still creating", "creating; it goes on in Scaleway: run `infermod plan` later", slow.id),
        "broken": ("failed", "in error: no message from the API", broken.id),
        "vanished": ("failed", "it no longer exists (another run deleted it?)", "d-vanished"),
        "gone": ("destroyed", "it is gone", "d-gone"),
        "stuck": ("failed", "it still exists (locked)", stuck.id),
        "draining": ("still deleting", "deleting; it goes on in Scaleway", draining.id),
        "swap": (
            "failed",
            f"503 unknown: service unavailable; the old deployment {old.id} was not destroyed (ready)",
            None,
        ),  # the old copy, still ready, is not the new one
        "ft": ("failed", "import failed", None),  # models are not re-read
    }


def test_an_update_that_ended_in_error_is_a_failure_and_an_unread_state_is_said(emulator, sdk):
    dep = create(sdk, "web", owned("shop", "web"))
    settle(emulator)
    emulator.app.store.set_status(dep.id, "error")
    plan = plan_of(("web", UPDATE, dep.id))
    outcomes = [Outcome("deployment.web", "deployment", UPDATE, "updated", None, dep.id)]
    honest, note = reconcile(Gateway(sdk_client(emulator.url)), plan, outcomes)
    assert (honest[0].result, honest[0].message, note) == (
        "failed",
        "in error: no message from the API",
        None,
    )
    refused = Gateway(sdk_client(emulator.url, secret_key=None))
    assert reconcile(refused, plan, outcomes) == (
        outcomes,
        "could not re-read the deployments to check this report (401 denied_authentication: "
        "the API key was refused; check SCW_ACCESS_KEY/SCW_SECRET_KEY)",
    )
    # unread, a create that failed without an id may exist all the same; one Scaleway refused may not
    plan = plan_of(("a", CREATE, None), ("b", CREATE, None))
    outcomes = [
        Outcome("deployment.a", "deployment", CREATE, "failed", "503 unknown: service unavailable"),
        Outcome("deployment.b", "deployment", CREATE, "failed", "400 invalid_arguments: name"),
    ]
    assert reconcile(refused, plan, outcomes) == (
        [
            outcomes[0]._replace(
                result="unknown",
                message="503 unknown: service unavailable; its create may have been carried out and could "
                "not be read again: run `infermod plan` to see",
            ),
            outcomes[1],
        ],
        "could not re-read the deployments to check this report (401 denied_authentication: "
        "the API key was refused; check SCW_ACCESS_KEY/SCW_SECRET_KEY)",
    )


def test_a_kept_model_another_run_deleted_is_reported(emulator, sdk):
    from tests.helpers import model_id

    plan = plan_of()
    existing = model_id(sdk)  # a model that exists (the catalog's)
    plan = plan._replace(
        changes=tuple(
            ResourceChange(f"model.{key}", "model", key, "fr-par", PROJECT, NOOP, rid, "ready", None, None)
            for key, rid in (("ft", "00000000-0000-4000-8000-00000000dead"), ("base", existing))
        )
    )
    honest, note = reconcile(Gateway(sdk_client(emulator.url)), plan, [])
    assert note is None
    assert [(o.address, o.result, o.resource_id) for o in honest] == [
        ("model.ft", "changed meanwhile", "00000000-0000-4000-8000-00000000dead")
    ]
