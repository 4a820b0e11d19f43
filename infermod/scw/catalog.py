"""Where validate reads the catalog: live through the API, or the shipped dated snapshot."""

from __future__ import annotations

from collections.abc import Iterable

from infermod.catalog import Catalog, load_snapshot
from infermod.errors import FatalError
from infermod.findings import Finding


def load_catalog(
    projects: Iterable[str | None], mode: str, profile: str | None, sandbox: bool
) -> tuple[Catalog, list[Finding]]:
    if mode == "snapshot":
        return _snapshot("the shipped catalog snapshot was used (--catalog snapshot)")
    try:
        if not sandbox:  # no credentials: the snapshot, before the session's modules are loaded
            from infermod.scw.client import profile_name, require_credentials

            require_credentials(profile_name(profile))
        from infermod.scw.session import open_session

        # with a fallback at hand, an unreachable API is not worth a long series of retries
        with open_session(profile, sandbox, projects, attempts=None if mode == "live" else 2) as session:
            return session.read_catalog(), []
    except FatalError as exc:
        if mode == "live":
            raise
        return _snapshot(f"the live catalog could not be read ({exc}); the shipped snapshot was used")


def _snapshot(why: str) -> tuple[Catalog, list[Finding]]:
    catalog = load_snapshot()
    note = Finding("catalog-snapshot", "info", f"{why}, captured on {catalog.captured_at}")
    return catalog, [note]
