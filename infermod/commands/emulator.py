"""`infermod emulator`: serve the local Scaleway API emulator until interrupted."""

from __future__ import annotations

import ipaddress

from infermod import output
from infermod.errors import FatalError


def run(
    host: str,
    port: int,
    state_dir: str | None,
    ready_after: float,
    latency_ms: int,
    fault_rate: float,
    lose_create_responses: int,
    node_quota: str | None = None,
    list_lag: float = 0.0,
) -> int:
    from infermod.emulator.quota import parse_node_quota
    from infermod.emulator.server import Settings, make_server, url_of
    from infermod.regions import regions

    if not _is_loopback(host):
        output.out(f"warning: binding {host}: the emulator is reachable from other machines", err=True)
    try:
        quota = parse_node_quota(node_quota) if node_quota is not None else None
    except ValueError as exc:
        raise FatalError(f"--node-quota: {exc}") from None
    regions()  # it serves the regions infermod reads: a malformed INFERMOD_REGIONS fails here
    settings = Settings(
        ready_after, latency_ms, fault_rate, lose_create_responses, state_dir, quota, list_lag=list_lag
    )
    try:
        server, _ = make_server(host, port, settings)
    except OSError as exc:
        raise FatalError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    output.out(f"Emulator listening on {url_of(server)}")
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
