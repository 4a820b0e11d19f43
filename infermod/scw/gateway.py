"""Reading and writing Scaleway through the SDK: the only module that calls the API.

Reads are list calls (paginated, pages after the first fetched in parallel, regions in
parallel), never one GET per resource. Writes are retried on transient failures; a create
whose response may have been lost is first looked up (by its create tag or name) so that a
retry never makes a duplicate.
"""

from __future__ import annotations

import math
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import cached_property, partial
from typing import Any, TypeVar

from infermod.catalog import Catalog
from infermod.errors import FatalError, ScalewayError
from infermod.records import Deployment, Endpoint
from infermod.scw import deadline
from infermod.scw.convert import RegionRead, catalog_of, state_of, to_deployment, to_model
from infermod.scw.errors import as_fatal, describe
from infermod.scw.listing import deployments_page
from infermod.scw.retry import ATTEMPTS, body_of, is_connection_error, status_of, with_retries
from infermod.scw.statuses import GONE
from infermod.state import CREATE_TAG, ActualDeployment, ActualModel, ActualState, age

# The largest page the inference API accepts: Scaleway's own provider lists models with
# page_size=1000 (recordings), and the API's lists share one pagination; an API that refuses
# it (400 naming page_size) is asked again with SMALL_PAGE, for the rest of the command.
PAGE_SIZE = 1000
# How long a list may lag behind a create (docs/scaleway-api-assumptions.md, B13: nothing
# recorded says it does, nothing says it cannot): the create protocol's re-read after a create,
# and the look-up of a create whose answer was lost, wait this long for it to be listed.
LIST_LAG = 30.0
LOOKUP_FIRST = 0.25  # then doubling, at most LOOKUP_MAX apart
LOOKUP_MAX = 4.0
# An answer lost on the way back (the connection dropped, a read timeout, a proxy's 502/504):
# the create may have been carried out, and the list may not show it yet
LOST_ANSWER = (502, 504)
SMALL_PAGE = 100  # also the Product Catalog's (another API: nothing recorded says more)
T = TypeVar("T")


ALL_KINDS = ("deployments", "models", "node_types")
REFUSED_REGION = (400, 404)  # how an API refuses a region it does not serve (inferred, not recorded)


class RegionRefused(ScalewayError):
    """The API refused to list in a region: what could not be read there, and why."""

    def __init__(self, region: str, detail: str) -> None:
        super().__init__(detail)
        self.region = region
        self.detail = detail


class Gateway:
    page_size = PAGE_SIZE  # SMALL_PAGE once the API has refused PAGE_SIZE (set per instance)

    def __init__(self, client: Any, attempts: int = ATTEMPTS) -> None:
        from scaleway.inference.v1 import InferenceV1API

        self.client = client
        self.attempts = attempts
        self.api = InferenceV1API(client, bypass_validation=True)

    @cached_property
    def products_api(self) -> Any:
        """The Product Catalog's SDK API, made when prices are first read: only a plan reads
        them, and the SDK's Product Catalog types are the largest module it imports."""
        from scaleway.product_catalog.v2alpha1 import ProductCatalogV2Alpha1PublicCatalogAPI

        return ProductCatalogV2Alpha1PublicCatalogAPI(self.client, bypass_validation=True)

    @property
    def default_project_id(self) -> str | None:
        return self.client.default_project_id  # type: ignore[no-any-return]

    @property
    def organization_id(self) -> str | None:
        return self.client.default_organization_id  # type: ignore[no-any-return]

    # ---- reads ---------------------------------------------------------------------------
    def read(
        self,
        pairs: list[tuple[str, str]],
        kinds: tuple[str, ...] = ALL_KINDS,
        with_products: bool = True,
        with_organization: bool = False,
        stack: str | None = None,
    ) -> tuple[ActualState, Catalog]:
        """What a command needs, in parallel: per (region, project) the deployments, per region
        the models and node types (they are the organization's, not a project's), plus the
        Product Catalog once. A plan needs all, and the organization's other deployments
        for the quota check when the organization id is known: then the deployments are read
        once, organization-wide, and split by project (not the stack's projects again). Given the `stack`, the
        deployments it does not own are light records (scw/listing.py)."""
        org_id = self.organization_id if with_organization else None
        with ThreadPoolExecutor(max_workers=max(1, len(pairs) * len(kinds) + 2)) as pool:
            products = pool.submit(self._products) if with_products else None
            regions = sorted({r for r, _ in pairs})
            org = pool.submit(self.organization_deployments, org_id, regions, stack) if org_id else None
            jobs: dict[tuple[str, str, str], Any] = {}

            def submit(kind: str) -> None:
                for region, project in pairs:
                    scope = project if kind == "deployments" else ""  # models: one list per region
                    if (region, scope, kind) not in jobs:
                        jobs[(region, scope, kind)] = pool.submit(
                            self._all,
                            partial(self._page, kind, region, project, stack),
                            kind,
                            f"list {kind} in {region}",
                            region,
                        )

            for kind in kinds:
                if not (kind == "deployments" and org is not None):  # read once, below
                    submit(kind)
            listed: list[ActualDeployment] | None = None
            if org is not None:
                try:
                    listed = org.result()
                except FatalError:  # e.g. a key scoped to projects: read those projects only
                    listed = None
                if listed is None and "deployments" in kinds:
                    submit("deployments")
            refused: dict[str, str] = {}
            results: dict[tuple[str, str, str], list[Any]] = {}
            for job, future in jobs.items():
                try:
                    results[job] = future.result()
                except RegionRefused as exc:  # one region's refusal is not every command's failure
                    refused.setdefault(exc.region, exc.detail)
                    results[job] = []
            if listed is not None:  # the organization's read, split by project
                for region, project in pairs:
                    results[(region, project, "deployments")] = [
                        d for d in listed if d.region == region and d.project_id == project
                    ]
            reads = [
                RegionRead(r, p, **{k: results[(r, p if k == "deployments" else "", k)] for k in kinds})
                for r, p in pairs
                if r not in refused
            ]
            product_list = products.result() if products else []
            state = state_of(reads)._replace(refused=tuple(sorted(refused.items())))
            if listed is not None:
                read = {p for _, p in pairs}
                state = state._replace(organization=tuple(d for d in listed if d.project_id not in read))
        return state, catalog_of(reads, product_list)

    def _page(self, key: str, region: str, project: str, stack: str | None, page: int, size: int) -> Any:
        if key == "deployments":
            return deployments_page(self.api, region, page, size, stack, project_id=project)
        if key == "models":
            return self._models_page(region, page, size)
        return self.api.list_node_types(region=region, include_disabled_types=True, page=page, page_size=size)

    def organization_deployments(
        self, organization_id: str, regions: list[str], stack: str | None = None
    ) -> list[ActualDeployment]:
        """Every deployment of the organization (all its projects), for the quota check: the
        SDK would add the default project as a filter, hence the direct request."""
        with ThreadPoolExecutor(max_workers=max(1, len(regions))) as pool:
            lists = pool.map(
                lambda r: self._all(
                    partial(
                        deployments_page,
                        self.api,
                        r,
                        owner=stack,
                        organization_id=organization_id,
                    ),
                    "deployments",
                    f"list the organization's deployments in {r}",
                ),
                regions,
            )
            found = [d for items in lists for d in items]
        return [d for d in found if d.status not in GONE]

    def _models_page(self, region: str, page: int, size: int) -> Any:
        """Models without a project or organization filter, as Scaleway's own provider lists
        them: the public catalog lives in the zero project, so filtering by your project
        would hide it. The SDK fills in the default project, hence the direct request."""
        from scaleway.inference.v1.marshalling import unmarshal_ListModelsResponse

        res = self.api._request(
            "GET",
            f"/inference/v1/regions/{region}/models",
            params={"order_by": "display_rank_asc", "page": page, "page_size": size},
        )
        self.api._throw_on_error(res)
        return unmarshal_ListModelsResponse(res.json())

    def _all(
        self,
        fetch: Callable[[int, int], Any],
        key: str,
        doing: str,
        region: str | None = None,
        size: int | None = None,
    ) -> list[Any]:
        """Every page of a list (`size`: see _pages). Given its `region`, a 400 or 404 answer
        (Scaleway does not serve the inference API there) is RegionRefused, which `read` turns
        into a finding."""
        try:
            return self._pages(fetch, key, size)
        except Exception as exc:
            if region is not None and status_of(exc) in REFUSED_REGION:
                raise RegionRefused(region, f"cannot {doing}: {describe(exc)}") from None
            raise as_fatal(exc, f"cannot {doing}") from None

    def _pages(self, fetch: Callable[[int, int], Any], key: str, size: int | None = None) -> list[Any]:
        """Every page's `key` items: the first page, then the others in parallel. `fetch(page,
        page_size)`; `size` fixed, or the largest the API accepts (self.page_size)."""
        chosen = size or self.page_size
        try:
            first = with_retries(lambda: fetch(1, chosen), attempts=self.attempts)
        except Exception as exc:
            if size is None and chosen > SMALL_PAGE and _refuses_page_size(exc):
                self.page_size = SMALL_PAGE
                return self._pages(fetch, key)
            raise
        items = list(getattr(first, key))
        pages = math.ceil(int(first.total_count or 0) / chosen)
        if pages <= 1:
            return items
        with ThreadPoolExecutor(max_workers=min(8, pages - 1)) as pool:
            rest = pool.map(
                lambda p: with_retries(lambda: fetch(p, chosen), attempts=self.attempts),
                range(2, pages + 1),
            )
            for page in rest:  # its items read here: a page of JSON is parsed by this thread
                items.extend(getattr(page, key))
        return items

    def _products(self) -> list[Any]:
        from scaleway.product_catalog.v2alpha1 import ListPublicCatalogProductsRequestProductType as PT

        return self._all(
            lambda p, size: self.products_api.list_public_catalog_products(
                page=p, page_size=size, product_types=[PT.MANAGED_INFERENCE, PT.GENERATIVE_APIS]
            ),
            "products",
            "read the Product Catalog",
            size=SMALL_PAGE,
        )

    def get_deployment(self, region: str, deployment_id: str) -> ActualDeployment | None:
        """The deployment, or None when it is gone (404, or status `deleted`)."""
        try:
            found = to_deployment(
                with_retries(lambda: self.api.get_deployment(region=region, deployment_id=deployment_id))
            )
        except Exception as exc:
            if status_of(exc) == 404:
                return None
            raise
        return None if found.status in GONE else found

    def get_model(self, region: str, model_id: str) -> ActualModel | None:
        try:
            return to_model(with_retries(lambda: self.api.get_model(region=region, model_id=model_id)))
        except Exception as exc:
            if status_of(exc) == 404:
                return None
            raise

    def deployment_certificate(self, region: str, deployment_id: str) -> str:
        """The CA certificate (PEM) that signs the deployment's private endpoints."""
        import base64

        found = with_retries(
            lambda: self.api.get_deployment_certificate(region=region, deployment_id=deployment_id)
        )
        return base64.b64decode(found.content).decode("utf-8", "replace")

    def private_ips(self, region: str, project_id: str, deployment_id: str) -> dict[str, str]:
        """The deployment's private IP on each Private Network (IPAM, resource type
        `llm_deployment`), by network id, without the prefix length."""
        from scaleway.ipam.v1 import IpamV1API, ResourceType

        ipam = IpamV1API(self.client, bypass_validation=True)
        found = with_retries(
            lambda: ipam.list_i_ps(  # one page: a deployment has one IP per network
                region=region,
                project_id=project_id,
                resource_id=deployment_id,
                resource_type=ResourceType.LLM_DEPLOYMENT,
                page_size=100,
            )
        )
        return {
            ip.source.private_network_id: ip.address.split("/")[0]
            for ip in found.ips
            if ip.source and ip.source.private_network_id and ip.address
        }

    def find_deployments(self, region: str, project_id: str, tags: list[str]) -> list[ActualDeployment]:
        """Deployments carrying all `tags`, from their JSON (scw/listing.py); the SDK's errors
        as they are (list_tagged says which list failed)."""
        return [
            d
            for d in self._pages(self._tagged(region, project_id, tags), "deployments")
            if d.status not in GONE
        ]

    def list_tagged(self, region: str, project_id: str, tags: list[str]) -> list[ActualDeployment]:
        """Deployments carrying all `tags`: one request per page (total_count says how many),
        for the apply's poller."""
        found = self._all(
            self._tagged(region, project_id, tags), "deployments", f"list deployments in {region}"
        )
        return [d for d in found if d.status not in GONE]

    def _tagged(self, region: str, project_id: str, tags: list[str]) -> Callable[[int, int], Any]:
        def fetch(page: int, size: int) -> Any:
            return deployments_page(self.api, region, page, size, project_id=project_id, tags=tags)

        return fetch

    # ---- writes --------------------------------------------------------------------------
    def create_deployment(self, region: str, project_id: str, dep: Deployment) -> ActualDeployment:
        """`dep` carries the resolved model_id and the tags to set (ownership tags included)."""
        from scaleway.inference.v1 import DeploymentQuantization

        token = f"{CREATE_TAG}{uuid.uuid4().hex[:12]}"
        tags = [*dep.tags, token]
        quantization = DeploymentQuantization(bits=dep.quantization) if dep.quantization else None

        def create() -> ActualDeployment:
            return to_deployment(
                self.api.create_deployment(
                    region=region,
                    project_id=project_id,
                    name=dep.name,
                    model_id=dep.model_id,
                    node_type_name=dep.node_type,
                    endpoints=[endpoint_spec(e) for e in dep.endpoints],
                    accept_eula=bool(dep.accept_eula),
                    tags=tags,
                    min_size=dep.min_size,
                    max_size=dep.max_size,
                    quantization=quantization,
                )
            )

        def lookup(exc: BaseException) -> ActualDeployment | None:
            # before creating again, the token is looked up until the list shows it (a list may
            # lag behind the create), bounded like the create protocol's own re-read; an error
            # the API answered (500, 503) is looked at once
            lost = is_connection_error(exc) or status_of(exc) in LOST_ANSWER
            return self._created_by(region, project_id, token, deadline.cap(LIST_LAG) if lost else 0.0)

        return with_retries(create, before_retry=lookup)

    def _created_by(
        self, region: str, project_id: str, token: str, patience: float
    ) -> ActualDeployment | None:
        """The (oldest) deployment carrying a create's token, re-read for up to `patience`
        seconds until one is listed; None when none is."""
        end = time.monotonic() + patience
        delay = LOOKUP_FIRST
        while True:
            found = self.find_deployments(region, project_id, [token])
            if found:
                return min(found, key=age)
            left = end - time.monotonic()
            if left <= 0:
                return None
            time.sleep(min(delay, left))
            delay = min(delay * 2, LOOKUP_MAX)

    def update_deployment(self, region: str, deployment_id: str, **fields: Any) -> ActualDeployment:
        from scaleway.inference.v1 import DeploymentQuantization

        if fields.get("quantization") is not None:
            fields["quantization"] = DeploymentQuantization(bits=fields["quantization"])
        return to_deployment(
            with_retries(
                lambda: self.api.update_deployment(region=region, deployment_id=deployment_id, **fields)
            )
        )

    def adopt_deployment(
        self, region: str, deployment_id: str, key: str, tags: list[str]
    ) -> ActualDeployment:
        """Give a deployment made outside infermod the tags of a stack's key (`tags`: all of
        them); the executor's guard (apply/guard.py) decides whether it may."""
        return self.update_deployment(region, deployment_id, tags=tags)

    def delete_deployment(self, region: str, deployment_id: str) -> None:
        _ignore_404(
            lambda: with_retries(
                lambda: self.api.delete_deployment(region=region, deployment_id=deployment_id)
            )
        )

    def create_endpoint(self, region: str, deployment_id: str, spec: Endpoint) -> None:
        def lookup(_: BaseException) -> bool | None:
            dep = self.get_deployment(region, deployment_id)
            return True if dep and any(e.network == spec.network for e in dep.endpoints) else None

        with_retries(
            lambda: bool(
                self.api.create_endpoint(
                    region=region, deployment_id=deployment_id, endpoint=endpoint_spec(spec)
                )
            ),
            before_retry=lookup,
        )

    def update_endpoint(self, region: str, endpoint_id: str, disable_auth: bool) -> None:
        with_retries(
            lambda: self.api.update_endpoint(
                region=region, endpoint_id=endpoint_id, disable_auth=disable_auth
            )
        )

    def delete_endpoint(self, region: str, endpoint_id: str) -> None:
        _ignore_404(
            lambda: with_retries(lambda: self.api.delete_endpoint(region=region, endpoint_id=endpoint_id))
        )

    def create_model(
        self, region: str, project_id: str, name: str, url: str, secret: str | None
    ) -> ActualModel:
        from scaleway.inference.v1 import ModelSource

        def lookup(_: BaseException) -> ActualModel | None:
            found = with_retries(
                lambda: self.api.list_models_all(
                    region=region, project_id=project_id, name=name, page_size=SMALL_PAGE
                )
            )
            exact = [m for m in found if m.name == name and m.project_id == project_id]
            return to_model(exact[0]) if exact else None

        return with_retries(
            lambda: to_model(
                self.api.create_model(
                    region=region,
                    project_id=project_id,
                    name=name,
                    source=ModelSource(url=url, secret=secret),
                )
            ),
            before_retry=lookup,
        )

    def delete_model(self, region: str, model_id: str) -> None:
        _ignore_404(lambda: with_retries(lambda: self.api.delete_model(region=region, model_id=model_id)))


def _refuses_page_size(exc: BaseException) -> bool:
    """A 400 whose body names page_size: the API takes smaller pages than PAGE_SIZE."""
    if status_of(exc) != 400:
        return False
    details = body_of(exc).get("details")
    named = (
        [d.get("argument_name") for d in details if isinstance(d, dict)] if isinstance(details, list) else []
    )
    return "page_size" in named


def _ignore_404(call: Callable[[], Any]) -> None:
    try:
        call()
    except Exception as exc:
        if status_of(exc) != 404:  # already gone is what we wanted
            raise


def endpoint_spec(spec: Endpoint) -> Any:
    from scaleway.inference.v1 import EndpointPrivateNetworkDetails, EndpointPublicNetworkDetails
    from scaleway.inference.v1 import EndpointSpec as SdkEndpointSpec

    if spec.public:
        return SdkEndpointSpec(disable_auth=spec.disable_auth, public_network=EndpointPublicNetworkDetails())
    return SdkEndpointSpec(
        disable_auth=spec.disable_auth,
        private_network=EndpointPrivateNetworkDetails(private_network_id=spec.private_network_id or ""),
    )
