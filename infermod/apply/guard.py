"""Ownership and prevent_destroy, checked again at write time, whatever any plan file says.

The executor writes through `OwnedOnly`: before each update or delete it reads the resource
and refuses unless it carries this stack's tags (deployments; models: this stack's name, or an
`id:` of the configuration adopting it), the
key it is addressed as (a model of the public catalog: never), and, for a delete, no `prevent_destroy` in the configuration (unless
it is, proven again at the delete, a younger duplicate an interrupted run left).
Endpoints are changed only on a deployment that passes, and only when the deployment really
has that endpoint. A plan file edited to name another stack's resource changes nothing.
"""

from __future__ import annotations

from collections.abc import Container
from typing import Any

from infermod.config.model import EndpointSpec
from infermod.errors import FatalError
from infermod.records import Deployment
from infermod.scw.gateway import Gateway
from infermod.state import (
    PUBLIC_PROJECT_ID,
    STACK_TAG,
    ActualDeployment,
    ActualModel,
    claimed_model_name,
    owns_model_name,
)


class Refused(FatalError):
    """A write that ownership or prevent_destroy forbids."""


class OwnedOnly(Gateway):
    """A Gateway for one stack that refuses writes to what the stack does not own."""

    def __init__(
        self,
        inner: Gateway,
        stack: str,
        protected: Container[str],
        endpoint_owners: dict[str, str],
        adopted_models: frozenset[str] = frozenset(),
        adopting: dict[str, str] | None = None,
    ) -> None:
        # Same client and API objects as `inner`; only the writes below are checked.
        self.client, self.attempts = inner.client, inner.attempts
        self.api = inner.api
        self.stack = stack
        self.protected = protected  # keys with lifecycle.prevent_destroy (config.Protected)
        self.endpoint_owners = endpoint_owners  # endpoint id -> deployment id, as planned
        self.created: set[str] = set()  # made by this run: a losing race copy may be deleted
        # models the configuration adopts by `id` (they cannot be tagged or renamed): the
        # configuration is their only ownership record
        self.adopted_models = adopted_models
        self.adopting = adopting or {}  # deployment id -> the key whose `id:` names it

    def _owned(self, region: str, deployment_id: str, doing: str) -> ActualDeployment:
        dep = self.get_deployment(region, deployment_id)
        if dep is None:
            raise Refused(f"refused to {doing} deployment {deployment_id}: it does not exist")
        if dep.stack != self.stack or dep.key is None:
            raise Refused(
                f"refused to {doing} deployment `{dep.name}` ({dep.id}): it does not carry the tags of "
                f"stack `{self.stack}`; infermod never changes what it does not own"
            )
        return dep

    def adopt_deployment(
        self, region: str, deployment_id: str, key: str, tags: list[str]
    ) -> ActualDeployment:
        if self.adopting.get(deployment_id) != key:
            raise Refused(
                f"refused to adopt deployment {deployment_id} as deployment.{key}: the configuration's "
                f"deployments.{key}.id does not name it"
            )
        dep = self.get_deployment(region, deployment_id)
        if dep is None:
            raise Refused(f"refused to adopt deployment {deployment_id}: it does not exist")
        stacks = {t[len(STACK_TAG) :] for t in dep.tags if t.startswith(STACK_TAG)}
        if stacks - {self.stack} or (stacks and dep.key not in (None, key)):
            raise Refused(
                f"refused to adopt deployment `{dep.name}` ({dep.id}): it carries the tags of "
                f"{', '.join(sorted(stacks)) or 'another key'}; infermod never takes over what another stack owns"
            )
        return Gateway.update_deployment(self, region, deployment_id, tags=tags)

    def create_deployment(self, region: str, project_id: str, dep: Deployment) -> ActualDeployment:
        created = super().create_deployment(region, project_id, dep)
        self.created.add(created.id)
        return created

    def update_deployment(self, region: str, deployment_id: str, **fields: Any) -> ActualDeployment:
        self._owned(region, deployment_id, "update")
        return super().update_deployment(region, deployment_id, **fields)

    def delete_deployment(self, region: str, deployment_id: str) -> None:
        dep = self._owned(region, deployment_id, "delete")
        if dep.key in self.protected and deployment_id not in self.created and not self._duplicate(dep):
            raise Refused(
                f"refused to delete deployment.{dep.key} ({dep.id}): lifecycle.prevent_destroy is set"
            )
        super().delete_deployment(region, deployment_id)

    def _duplicate(self, dep: ActualDeployment) -> bool:
        """A younger copy an interrupted run left (plan/duplicates.py), proven again now."""
        from infermod.plan.duplicates import losers
        from infermod.state import NAME_TAG, STACK_TAG

        tags = [f"{STACK_TAG}{self.stack}", f"{NAME_TAG}{dep.key}"]
        copies = [
            d
            for d in self.find_deployments(dep.region, dep.project_id, tags)
            if d.stack == self.stack and d.key == dep.key and d.status != "deleting"
        ]
        return any(d.id == dep.id for d in losers(copies) or [])

    def _endpoint(self, region: str, endpoint_id: str, doing: str) -> None:
        owner = self.endpoint_owners.get(endpoint_id)
        if owner is None:
            raise Refused(f"refused to {doing} endpoint {endpoint_id}: no planned deployment has it")
        dep = self._owned(region, owner, f"{doing} an endpoint of")
        if all(e.id != endpoint_id for e in dep.endpoints):
            raise Refused(
                f"refused to {doing} endpoint {endpoint_id}: deployment {dep.id} has no such endpoint"
            )

    def create_endpoint(self, region: str, deployment_id: str, spec: EndpointSpec) -> None:
        self._owned(region, deployment_id, "add an endpoint to")
        super().create_endpoint(region, deployment_id, spec)

    def update_endpoint(self, region: str, endpoint_id: str, disable_auth: bool) -> None:
        self._endpoint(region, endpoint_id, "update")
        super().update_endpoint(region, endpoint_id, disable_auth)

    def delete_endpoint(self, region: str, endpoint_id: str) -> None:
        self._endpoint(region, endpoint_id, "delete")
        super().delete_endpoint(region, endpoint_id)

    def delete_model(self, region: str, model_id: str) -> None:
        model: ActualModel | None = self.get_model(region, model_id)
        if model is None:
            return
        if model.project_id == PUBLIC_PROJECT_ID:
            raise Refused(
                f"refused to delete model `{model.name}` ({model_id}): it is a model of Scaleway's public "
                "catalog, nobody's to delete, whatever the configuration says"
            )
        adopted = model_id in self.adopted_models and not claimed_model_name(model.name)
        if not owns_model_name(self.stack, model.name) and not adopted:
            raise Refused(
                f"refused to delete model `{model.name}` ({model_id}): its name does not belong to "
                f"stack `{self.stack}` and the configuration does not adopt it (`id:`); infermod never "
                "deletes what it does not own"
            )
        super().delete_model(region, model_id)
