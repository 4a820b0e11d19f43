"""`infermod output` gives what a client on a Private Network needs: the CA certificate of the
private endpoints (`KEY.certificate --raw > ca.pem`) and the private IP IPAM gives it."""

from __future__ import annotations

import json

from infermod.emulator import ipam
from infermod.emulator.errors import ApiError
from tests.conftest import write

NETWORK = "44444444-4444-4444-8444-444444444444"
CONFIG = f"""\
version: 1
stack: shop
deployments:
  bot:
    model: meta/llama-3.1-8b-instruct:fp8
    node_type: L4
    accept_eula: true
    endpoints: [{{public: true}}, {{private_network_id: {NETWORK}}}]
  web:
    model: meta/llama-3.1-8b-instruct:fp8
    node_type: L4
    accept_eula: true
    endpoints: [{{public: true}}]
"""


def applied(cli, tmp_path) -> None:
    write(tmp_path / "infermod.yaml", CONFIG)
    result = cli("apply", "--auto-approve")
    assert result.code == 0, result.out + result.err


def test_certificate_and_private_ip_of_a_private_endpoint(cli, scw_env, tmp_path):
    applied(cli, tmp_path)
    body = json.loads(cli("output", "--json").out)["deployments"]
    bot, web = body["bot"], body["web"]
    assert bot["certificate"].startswith("-----BEGIN CERTIFICATE-----\n")
    assert bot["certificate"].endswith("-----END CERTIFICATE-----\n")
    assert [e["private_ip"] for e in bot["endpoints"]] == [
        None,
        ipam.address(bot["id"], NETWORK).split("/")[0],
    ]
    assert web["certificate"] is None and [e["private_ip"] for e in web["endpoints"]] == [None]
    pem = cli("output", "bot.certificate", "--raw")
    assert pem.code == 0 and pem.out == bot["certificate"] + "\n"
    ip = cli("output", "bot.endpoints.1.private_ip", "--raw")
    assert ip.out.strip() == bot["endpoints"][1]["private_ip"] and ip.out.count(".") == 3
    routes = scw_env.stats()["routes"]
    # one certificate and one IPAM read per output that shows values, for `bot` only
    assert routes["GET /inference/v1/regions/{region}/deployments/{deployment_id}/certificate"] == 3
    assert routes["GET /ipam/v1/regions/{region}/ips"] == 3
    scw_env.reset_stats()
    assert cli("output").code == 0  # the table: URLs only, nothing more is read
    assert not [r for r in scw_env.stats()["routes"] if "certificate" in r or "ipam" in r]


def test_what_cannot_be_read_is_null_and_said_never_a_failure(cli, scw_env, tmp_path, monkeypatch):
    applied(cli, tmp_path)

    def refused(*_):
        raise ApiError(
            403, {"type": "permissions_denied", "message": "insufficient permissions", "details": []}
        )

    monkeypatch.setattr(ipam, "ips", refused)
    result = cli("output", "--json")
    assert result.code == 0
    bot = json.loads(result.out)["deployments"]["bot"]
    assert bot["certificate"].startswith("-----BEGIN") and bot["endpoints"][1]["private_ip"] is None
    assert "Warning: cannot read the private IPs of bot (IPAM): 403 permissions_denied" in result.err
