"""A Scaleway session for one command: client, gateway, project, and the sandbox if asked."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, NamedTuple

from infermod.catalog import Catalog
from infermod.errors import ConfigError
from infermod.regions import regions
from infermod.state import ActualState

if TYPE_CHECKING:  # the gateway pulls in the SDK and requests: imported once a client exists
    from infermod.scw.gateway import Gateway


class Session(NamedTuple):
    gateway: Gateway
    default_project: str
    pairs: list[tuple[str, str]]
    sandbox: bool
    stack: str | None = None  # the configuration's: its deployments are read whole, others light

    def read(self) -> tuple[ActualState, Catalog]:
        return self.gateway.read(self.pairs, with_organization=True, stack=self.stack)

    def read_catalog(self) -> Catalog:
        return self.gateway.read(self.pairs, kinds=("models", "node_types"))[1]

    def read_owned(self) -> ActualState:
        """What a plan's state fingerprint covers: deployments and custom models."""
        kinds = ("deployments", "models")
        return self.gateway.read(self.pairs, kinds=kinds, with_products=False, stack=self.stack)[0]

    def read_deployments(self) -> ActualState:
        return self.gateway.read(self.pairs, kinds=("deployments",), with_products=False, stack=self.stack)[0]


@contextmanager
def open_session(
    profile: str | None,
    sandbox: bool,
    projects: Iterable[str | None] = (),
    stack: str | None = None,
    attempts: int | None = None,
) -> Iterator[Session]:
    """A session reading every region of `projects` (None: the profile's default project) and
    the default project; `stack` names the stack whose deployments are read whole.
    `attempts` bounds retries of reads, for callers with a fallback (validate's catalog)."""
    from infermod.scw.client import make_client

    if sandbox:
        from infermod.sandbox import running_sandbox

        with running_sandbox() as url:
            client = make_client(profile, url, sandbox=True)
            _new_budget()
            yield _session(client, projects, stack, True, attempts)
        return
    client = make_client(profile)  # first: without credentials, no SDK or HTTP stack is loaded
    _new_budget()
    yield _session(client, projects, stack, False, attempts)


def _new_budget() -> None:
    from infermod.scw.retry import budget

    budget.reset()  # one retry budget per command


def _session(
    client: object, wanted: Iterable[str | None], stack: str | None, sandbox: bool, attempts: int | None
) -> Session:
    from infermod.scw.gateway import Gateway

    gateway = Gateway(client, attempts) if attempts else Gateway(client)
    default = gateway.default_project_id
    projects = set(wanted)
    if default:  # a deployment moved out of the default project must still be found
        projects.add(default)
    if None in projects or not projects:
        if not default:
            raise ConfigError(
                "no project: set defaults.project_id in the configuration, or SCW_DEFAULT_PROJECT_ID / "
                "default_project_id in your Scaleway profile"
            )
        projects.discard(None)
        projects.add(default)
    # Every region is read, not only those configured: a deployment whose region was changed
    # or removed from the file must still be found, to be replaced or deleted. A region the
    # API refuses is a finding, not a failure (rules/regions.py).
    pairs = [(region, project) for project in sorted(p for p in projects if p) for region in regions()]
    return Session(gateway, default or sorted(p for p in projects if p)[0], pairs, sandbox, stack)
