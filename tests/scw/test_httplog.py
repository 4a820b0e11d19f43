"""INFERMOD_LOG / INFERMOD_LOG_PATH: every HTTP call seen, no credential ever written."""

from __future__ import annotations

import re

from tests.conftest import SECRET_KEY, start_emulator, write

ONE = """\
version: 1
stack: web
deployments:
  bot: {model: meta/llama-3.1-8b-instruct:fp8, node_type: L4, accept_eula: true, endpoints: [{public: true}]}
"""
LINE = re.compile(
    r"^\S+Z \[(DEBUG|WARNING)\] http (GET|POST|PATCH|DELETE) (/\S*) -> (\w+) in \d+ ms( \(retry \d+\))?$"
)


def test_debug_logs_every_request_with_status_duration_and_retries(cli, tmp_path, monkeypatch):
    running, server = start_emulator(fault_rate=0.3, seed=5, retry_after=0)
    try:
        monkeypatch.setenv("SCW_ACCESS_KEY", "SCWTESTACCESSKEY0000")
        monkeypatch.setenv("SCW_SECRET_KEY", SECRET_KEY)
        monkeypatch.setenv("SCW_API_URL", running.url)
        monkeypatch.setenv("SCW_DEFAULT_PROJECT_ID", "11111111-1111-4111-8111-111111111111")
        monkeypatch.setenv("INFERMOD_LOG", "debug")
        write(tmp_path / "infermod.yaml", ONE)
        result = cli("apply", "--auto-approve")
        assert result.code == 0, result.err
        calls = [LINE.match(line) for line in result.err.splitlines() if " http " in line]
        assert calls and all(calls), result.err
        transient = [m for m in calls if m and m.group(4) in ("429", "503")]
        # one line per request the server handled (its faults are not counted there) ...
        assert len(calls) - len(transient) == sum(running.app.stats.values())
        # ... and the injected faults are logged as warnings, then retried
        assert transient and "200" in {m.group(4) for m in calls if m}
        assert all(m.group(1) == "WARNING" for m in transient)
        assert any(m and m.group(5) == " (retry 1)" for m in calls)
        # every transient failure was retried once (none ran out of attempts here), and marked so,
        # including POSTs retried after looking for a create that might have happened
        assert len(transient) == len([m for m in calls if m and m.group(5)])
        assert any(m and m.group(2) == "POST" and m.group(3).endswith("/deployments") for m in calls)
        assert "page_size=100" in result.err  # the query is part of the path
        assert SECRET_KEY not in result.err + result.out
    finally:
        server.shutdown()
        server.server_close()


def test_trace_to_a_file_hides_credentials(cli, scw_env, tmp_path, monkeypatch):
    monkeypatch.setenv("HF_TOKEN", "hf_topsecret_token_value")
    monkeypatch.setenv("INFERMOD_LOG", "TRACE")
    monkeypatch.setenv("INFERMOD_LOG_PATH", str(tmp_path / "http.log"))
    write(
        tmp_path / "infermod.yaml",
        'version: 1\nstack: web\nmodels:\n  ft: {source: acme/support-bot-8b, type: chat, secret: "${HF_TOKEN}"}\n',
    )
    result = cli("apply", "--auto-approve")
    assert result.code == 0, result.err
    assert " http " not in result.err  # all of it went to the file
    log = (tmp_path / "http.log").read_text()
    assert "[TRACE] http POST /inference/v1/regions/fr-par/models request body" in log
    assert '"secret": "(sensitive)"' in log and '"x-auth-token": "(sensitive)"' in log
    assert "hf_topsecret_token_value" not in log and SECRET_KEY not in log
    assert re.search(r"\[DEBUG\] http POST /inference/v1/regions/fr-par/models -> 200 in \d+ ms", log)


def test_log_settings_that_cannot_be_used_say_so(cli, scw_env, tmp_path, monkeypatch):
    write(tmp_path / "infermod.yaml", ONE)
    monkeypatch.setenv("INFERMOD_LOG", "loud")
    monkeypatch.setenv("INFERMOD_LOG_PATH", str(tmp_path / "no" / "such" / "dir" / "x.log"))
    result = cli("plan")
    assert result.code == 0
    assert "INFERMOD_LOG='loud' is not a level" in result.err
    assert "logging to stderr instead" in result.err and "[DEBUG] http GET" in result.err
    monkeypatch.setenv("INFERMOD_LOG", "off")
    assert " http " not in cli("plan").err
    monkeypatch.delenv("INFERMOD_LOG")
    assert " http " not in cli("plan").err


def test_a_log_path_that_is_a_fifo_without_reader_never_hangs(tmp_path):
    """Opening a FIFO for writing waits for a reader: `plan` once hung there forever."""
    import os
    import threading

    from infermod.scw import httplog

    os.mkfifo(tmp_path / "fifo")
    done = threading.Event()

    def configure() -> None:
        httplog.configure({"INFERMOD_LOG": "debug", "INFERMOD_LOG_PATH": str(tmp_path / "fifo")})
        done.set()

    threading.Thread(target=configure, daemon=True).start()
    try:
        assert done.wait(5), "configure() blocked opening the FIFO"
        assert httplog.enabled()
    finally:
        httplog.configure({})


def test_redaction_of_paths_headers_and_bodies():
    from infermod.scw import httplog

    assert (
        httplog._safe_path("https://h/x?page=2&api_key=k1&token=t1")
        == "/x?page=2&api_key=%28sensitive%29&token=%28sensitive%29"
    )
    headers = httplog._safe_headers(
        {"X-Auth-Token": "s", "Authorization": "Bearer b", "Accept": "application/json"}
    )
    assert headers == {
        "X-Auth-Token": "(sensitive)",
        "Authorization": "(sensitive)",
        "Accept": "application/json",
    }
    body = httplog._safe_body(
        b'{"source": {"url": "u", "secret": "hf_x"}, "disable_auth": true, "tags": ["a"]}'
    )
    assert '"secret": "(sensitive)"' in body and '"disable_auth": true' in body and "hf_x" not in body
    assert httplog._safe_body("x" * 5000).endswith("... (5000 characters)")


def test_a_registered_secret_is_hidden_wherever_it_appears_in_a_line(
    cli, scw_env, sdk, tmp_path, monkeypatch
):
    # someone pasted the token into a hand-made deployment's tag: listing the project's
    # deployments brings it back in a response body, in a field not named like a secret
    from tests.helpers import create

    token = "hf_pasted_by_hand_0123456789"
    create(sdk, "hand-made", ["owner", token])
    monkeypatch.setenv("HF_TOKEN", token)
    monkeypatch.setenv("INFERMOD_LOG", "trace")
    write(tmp_path / "infermod.yaml", ONE)
    result = cli("plan")
    assert result.code == 0, result.err
    bodies = [line for line in result.err.splitlines() if "response body" in line and "hand-made" in line]
    assert bodies and all('"(sensitive)"' in line for line in bodies), result.err
    assert token not in result.err + result.out
