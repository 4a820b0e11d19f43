"""The plan as data. Nothing here prints: views in infermod.render read these records, and
infermod.plan.codec turns them into the JSON of `plan --format json` and saved plan files."""

from __future__ import annotations

from typing import NamedTuple

from infermod.deferred import Deferred
from infermod.findings import Finding
from infermod.records import Endpoint, Payload, Value

FORMAT_VERSION = "1.6"  # 1.1: targets, replace; 1.2: consequences, alternative; 1.3: not-serving;
# 1.4: expected_duration; 1.5: summary.import, a change's importing; 1.6: api
SANDBOX_API = "sandbox"  # ApiBinding.url of a sandbox plan: each sandbox serves a random local port

CREATE = ("create",)
UPDATE = ("update",)
DELETE = ("delete",)
NOOP = ("no-op",)
REPLACE = ("delete", "create")  # delete first (the default for a replacement)
REPLACE_CBD = ("create", "delete")  # create_before_destroy

HOURS_PER_MONTH = 730


class FieldChange(NamedTuple):
    field: str
    before: Value
    after: Value
    forces_replacement: bool = False
    downtime: bool = False


class EndpointChange(NamedTuple):
    action: str  # create | update | delete
    network: str  # "public" or "private:<id>"
    endpoint_id: str | None
    before: Endpoint | None
    after: Endpoint | None


class Consequence(NamedTuple):
    """What a change does to the people using the resource, said where it happens."""

    kind: str  # one of CONSEQUENCE_KINDS
    severity: str  # "warning": a reviewer must notice it; "info": reassurance or context
    message: str


CONSEQUENCE_KINDS = (
    "url-change",  # a new deployment id, so a new endpoint URL
    "downtime",  # without service for a while
    "no-downtime",
    "not-serving",  # replaced because it is in error: it serves nothing already (added in 1.3)
    "brief-deploying",  # a rename or tag change shows `deploying` for about 2 minutes
    "auth-disabled",  # an existing endpoint stops requiring authentication
    "auth-enabled",  # an existing endpoint starts requiring it: clients need a key
    "endpoint-added",
    "endpoint-removed",  # its URL stops answering
    "service-removed",  # the deployment is deleted: all its URLs stop answering
)


class Cost(NamedTuple):
    currency: str
    hourly_before: float | None
    hourly_after: float | None

    @property
    def monthly_before(self) -> float | None:
        return None if self.hourly_before is None else round(self.hourly_before * HOURS_PER_MONTH, 2)

    @property
    def monthly_after(self) -> float | None:
        return None if self.hourly_after is None else round(self.hourly_after * HOURS_PER_MONTH, 2)


class MonthlyCost(NamedTuple):
    before: float
    after: float
    diff: float
    complete: bool  # False when a changed deployment has no known price


class ResourceChange(NamedTuple):
    address: str
    type: str  # "deployment" | "model"
    key: str
    region: str
    project_id: str
    actions: tuple[str, ...]
    resource_id: str | None  # the existing resource, when there is one
    status: str | None  # its current status
    before: Payload | None  # the actual side (a Deployment or Model read from Scaleway)
    after: Payload | None  # the desired side
    field_changes: tuple[FieldChange, ...] = ()
    endpoint_changes: tuple[EndpointChange, ...] = ()
    action_reason: str | None = None  # machine-readable, Terraform-like
    reasons: tuple[str, ...] = ()  # human-readable why
    downtime: str | None = None
    depends_on: tuple[str, ...] = ()
    cost: Cost | None = None
    consequences: tuple[Consequence, ...] = ()
    alternative: str | None = None  # the other choice the user has, and its cost, in one line
    importing: str | None = None  # the id of an existing deployment this change adopts (tags it)

    @property
    def is_replace(self) -> bool:
        return len(self.actions) == 2

    @property
    def changes_something(self) -> bool:
        return self.actions != NOOP or self.importing is not None


class ApiBinding(NamedTuple):
    """Which API a plan was made against, and the scope it read there: part of what a saved
    plan is verified against, so a plan made in the sandbox is never applied to Scaleway (nor a
    plan made against one API URL, organization or set of projects to another)."""

    sandbox: bool
    url: str  # the API's base URL; SANDBOX_API for the sandbox
    organization_id: str | None  # the profile's, when known
    projects: tuple[str, ...]  # the projects read, sorted


class Plan(NamedTuple):
    stack: str
    created_at: str
    infermod_version: str
    config_digest: str | Deferred  # read it as str(plan.config_digest)
    state_fingerprint: str
    files: tuple[str, ...]
    changes: tuple[ResourceChange, ...]
    findings: tuple[Finding, ...]
    catalog_source: str
    sandbox: bool = False
    currency: str = "EUR"
    destroy: bool = False
    targets: tuple[str, ...] = ()  # --target: a partial plan of these and what they need
    replace: tuple[str, ...] = ()  # --replace: forced replacements
    api: ApiBinding | None = None  # None: read from a file older than 1.6, or made without an API

    @property
    def has_changes(self) -> bool:
        return any(c.changes_something for c in self.changes)

    def summary(self) -> dict[str, int]:
        add = sum(1 for c in self.changes if "create" in c.actions)
        change = sum(1 for c in self.changes if c.actions == UPDATE)
        destroy = sum(1 for c in self.changes if "delete" in c.actions)
        imported = sum(1 for c in self.changes if c.importing is not None)
        return {"import": imported, "add": add, "change": change, "destroy": destroy}

    def monthly_cost(self) -> MonthlyCost:
        before = after = 0.0
        unknown = False
        for c in self.changes:
            if c.type != "deployment":
                continue
            if c.cost is None:
                unknown = unknown or c.changes_something
                continue
            before += c.cost.monthly_before or 0.0
            after += c.cost.monthly_after or 0.0
        return MonthlyCost(round(before, 2), round(after, 2), round(after - before, 2), not unknown)
