"""Narrowing a plan with --target: what comes along, and what must be left for later."""

from __future__ import annotations

import pytest

from infermod.errors import PlanError
from infermod.plan.model import CREATE, DELETE, UPDATE, ResourceChange
from infermod.plan.targeting import select
from infermod.records import Deployment, Endpoint, Model


def dep(
    key: str, model_id: str, actions: tuple[str, ...], depends_on: tuple[str, ...] = ()
) -> ResourceChange:
    before = Deployment(
        key, "m", model_id, "L4", 1, 1, None, "fr-par", "p", (), (Endpoint(True, None, False),)
    )
    return ResourceChange(
        f"deployment.{key}", "deployment", key, "fr-par", "p", actions, f"id-{key}", "ready", before, before,
        depends_on=depends_on,
    )  # fmt: skip


def model(actions: tuple[str, ...], resource_id: str | None) -> ResourceChange:
    m = Model("s--ft--0000", "fr-par", "p", id=resource_id)
    return ResourceChange("model.ft", "model", "ft", "fr-par", "p", actions, resource_id, None, m, m)


# model.ft's source changed: a new import, `a` and `b` move to it, the old one (old-id) goes.
PLAN = [
    model(CREATE, None),
    model(DELETE, "old-id"),
    dep("a", "old-id", UPDATE, ("model.ft",)),
    dep("b", "old-id", UPDATE, ("model.ft",)),
    dep("c", "other", UPDATE),
]


def addresses(changes: list[ResourceChange]) -> list[tuple[str, tuple[str, ...]]]:
    return [(c.address, c.actions) for c in changes]


def test_a_deployment_brings_its_model_but_not_the_old_ones_deletion_while_others_use_it():
    assert addresses(select(PLAN, ["deployment.a"], destroy=False)) == [
        ("model.ft", CREATE),
        ("deployment.a", UPDATE),
    ]


def test_a_model_brings_the_deployments_that_move_to_it():
    assert addresses(select(PLAN, ["model.ft"], destroy=False)) == [
        ("model.ft", CREATE),
        ("model.ft", DELETE),
        ("deployment.a", UPDATE),
        ("deployment.b", UPDATE),
    ]


def test_destroying_a_model_destroys_the_deployments_that_use_it():
    plan = [model(DELETE, "old-id"), dep("a", "old-id", DELETE), dep("c", "other", DELETE)]
    assert addresses(select(plan, ["model.ft"], destroy=True)) == [
        ("model.ft", DELETE),
        ("deployment.a", DELETE),
    ]


def test_an_unknown_target_lists_the_known_ones():
    with pytest.raises(PlanError, match=r"--target deployment\.z: .*deployment\.a, deployment\.b"):
        select(PLAN, ["deployment.z"], destroy=False)
