"""Two infermod processes at once: real subprocesses, real files, real locks."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ACCESS_KEY, PROJECT, SECRET_KEY, start_emulator, write
from tests.helpers import create, owned


def stack(name: str, n: int) -> str:
    return f"version: 1\nstack: {name}\ndeployments:\n" + "".join(
        f"  {name[0]}{i}:\n    model: meta/llama-3.1-8b-instruct:fp8\n    node_type: L4\n"
        "    accept_eula: true\n    endpoints: [{public: true}]\n"
        for i in range(n)
    )


def start(cwd: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "infermod", *args],
        cwd=cwd,
        env={**os.environ, "INFERMOD_SANDBOX_READY_AFTER": "0.2", **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(proc: subprocess.Popen[str]) -> tuple[int, str]:
    out, err = proc.communicate(timeout=60)
    return proc.returncode, out + err


def sandbox_state(cwd: Path) -> dict[str, Any]:
    return json.loads((cwd / ".infermod" / "sandbox" / "state.json").read_text())  # type: ignore[no-any-return]


def test_sandboxes_in_one_directory_share_state_and_take_turns_per_stack(tmp_path):
    """alpha twice (one machine: the stack lock makes them take turns) and beta at the same
    time: the shared state file loses no write."""
    write(tmp_path / "a.yaml", stack("alpha", 3))
    write(tmp_path / "b.yaml", stack("beta", 3))
    args = ["apply", "--sandbox", "--auto-approve", "-f"]
    procs = [start(tmp_path, *args, f) for f in ("a.yaml", "a.yaml", "b.yaml")]
    results = [finish(p) for p in procs]
    assert all(code == 0 for code, _ in results), results
    tags = [t for d in sandbox_state(tmp_path)["deployments"].values() for t in d["tags"]]
    assert tags.count("infermod:stack=alpha") == 3 and tags.count("infermod:stack=beta") == 3
    alpha = sorted(text for _, text in results[:2])
    # one created everything; the other waited for the lock, then found nothing to do
    assert any("3 added" in t for t in alpha) and any("No changes" in t for t in alpha), alpha


def two_machines(tmp_path: Path, url: str, n: int) -> list[tuple[Path, dict[str, str]]]:
    """Two working copies with their own HOME: no shared local lock, as on two machines."""
    machines = []
    for name in ("a", "b"):
        work = tmp_path / name
        write(work / "infermod.yaml", stack("race", n))
        env = {
            "HOME": str(work / "home"),
            "XDG_STATE_HOME": str(work / "home" / "state"),
            "SCW_ACCESS_KEY": ACCESS_KEY,
            "SCW_SECRET_KEY": SECRET_KEY,
            "SCW_API_URL": url,
            "SCW_DEFAULT_PROJECT_ID": PROJECT,
        }
        machines.append((work, env))
    return machines


def live(running: Any) -> Counter[str]:
    keys: Counter[str] = Counter()
    for dep in running.app.store.list_deployments("fr-par"):
        if dep["status"] != "deleting":
            keys.update(t.split("=", 1)[1] for t in dep["tags"] if t.startswith("infermod:name="))
    return keys


class Creates:
    """Forces how two runs' creates meet, in the emulator's handler. `together`: each create is
    held (before it is carried out) until the other run's create of the same key arrives, so
    both runs create every key and step 3 must leave one copy. Otherwise the first list of the
    stack by its tag (one run's look before creating) is held until two creates were answered,
    so that run finds the other run's copies and must adopt them. Counts creates and deletes."""

    def __init__(self, app: Any, stack: str, together: bool) -> None:
        self.together, self.tag = together, f"infermod:stack={stack}"
        self.lock, self.changed = threading.Lock(), threading.Condition()
        self.arrived: Counter[str] = Counter()
        self.creates, self.deletes, self.held = 0, 0, False
        self.inner = app.handle
        app.handle = self.handle

    def handle(self, route: Any, params: Any, query: Any, body: Any) -> Any:
        if route.handler == "create_deployment" and self.together:
            key = next(t for t in body["tags"] if t.startswith("infermod:name="))
            with self.changed:
                self.arrived[key] += 1
                self.changed.notify_all()
                self.changed.wait_for(lambda: self.arrived[key] >= 2, timeout=30)
        first_look = route.handler == "list_deployments" and query.get("tags") == [self.tag]
        if first_look and not self.together:
            with self.lock:
                first_look, self.held = not self.held, True
            if first_look:
                with self.changed:
                    self.changed.wait_for(lambda: self.creates >= 2, timeout=30)
        result = self.inner(route, params, query, body)
        with self.changed:
            self.creates += route.handler == "create_deployment"
            self.deletes += route.handler == "delete_deployment"
            self.changed.notify_all()
        return result


@pytest.mark.parametrize("together", [True, False])
def test_two_applies_on_two_machines_make_each_deployment_once(tmp_path, together):
    """Both runs create both keys at once: each key's younger copy is deleted by the run that
    made it (said in its report). Or one run looks after the other created: it adopts both."""
    running, server = start_emulator(ready_after=0.2)
    try:
        race = Creates(running.app, "race", together)
        machines = two_machines(tmp_path, running.url, 2)
        procs = [start(work, "apply", "--auto-approve", env=env) for work, env in machines]
        results = [finish(p) for p in procs]
        assert all(code == 0 for code, _ in results), results
        assert live(running) == Counter({"r0": 1, "r1": 1}), results
        text = "".join(t for _, t in results)
        assert "Traceback" not in text
        lost = "another run created it at the same time: kept the oldest copy"
        adopted = re.findall(r"another run created it first \(\S+\): adopted, nothing created", text)
        if together:
            assert (race.creates, race.deletes, text.count(lost), adopted) == (4, 2, 2, []), text
        else:
            assert (race.creates, race.deletes, text.count(lost), len(adopted)) == (2, 0, 0, 2), text
            assert any(t.count("adopted, nothing created") == 2 for _, t in results), results
    finally:
        server.shutdown()
        server.server_close()


def test_apply_racing_destroy_ends_in_one_of_the_two_intents(tmp_path):
    """Machine b starts destroying the stack once a has planned two more deployments and
    looks at its stack to create them: a must refuse (the path this test is for, asserted by
    its message), so that the destroy's intent holds and nothing is left half-made."""
    running, server = start_emulator(ready_after=0.2)
    try:
        (a, env_a), (b, env_b) = two_machines(tmp_path, running.url, 2)
        assert finish(start(a, "apply", "--auto-approve", env=env_a))[0] == 0
        write(a / "infermod.yaml", stack("race", 4))  # two more to create while b destroys
        running.app.store.ready_after = 10.0  # from now on a deletion lasts 4 s
        destroying: list[subprocess.Popen[str]] = []

        def b_destroys() -> None:
            destroying.append(start(b, "destroy", "--auto-approve", env=env_b))
            end = time.monotonic() + 60
            while time.monotonic() < end and not all(
                d["status"] == "deleting" for d in running.app.store.list_deployments("fr-par")
            ):
                time.sleep(0.05)

        race = Interleave(running.app, "race", b_destroys)
        code_a, text_a = finish(start(a, "apply", "--auto-approve", env=env_a))
        code_b, text_b = finish(destroying[0])
        assert race.done and code_b == 0, text_b
        assert code_a == 1 and "another run is deleting this stack's deployment.r" in text_a, text_a
        assert race.creates == 0 and len(live(running)) == 0, (live(running), text_a, text_b)
    finally:
        server.shutdown()
        server.server_close()


def test_a_slow_deletion_from_an_earlier_run_is_not_taken_for_a_destroy(cli, tmp_path, scw_env_ready_after):
    _, sdk = scw_env_ready_after(4)  # deleting lasts a second
    old = create(sdk, "gone", owned("race", "gone"))
    sdk.delete_deployment(deployment_id=old.id)  # an earlier run's delete, still going on
    write(tmp_path / "infermod.yaml", stack("race", 1))
    result = cli("apply", "--auto-approve", "--timeout", "1s")
    assert "another run is deleting" not in result.out, result.out
    assert ".. deployment.r0 still creating" in result.out, result.out


class Interleave:
    """Runs `action` (what another run does) once, at the first list of the stack's
    deployments by their tag for which `when(listed ids)` holds; `before`: before that list
    is answered, else right after. Counts the create calls the emulator answers."""

    def __init__(self, app: Any, stack: str, action: Any, when: Any = None, before: bool = True) -> None:
        self.action, self.when, self.before = action, when or (lambda _: True), before
        self.done, self.creates, self.deletes = False, 0, list[str]()
        self.tag = f"infermod:stack={stack}"
        self.inner = app.handle
        app.handle = self.handle  # the instance attribute shadows the method

    def handle(self, route: Any, params: Any, query: Any, body: Any) -> Any:
        self.creates += route.handler == "create_deployment"
        if route.handler == "delete_deployment":
            self.deletes.append(params["deployment_id"])
        ours = not self.done and route.handler == "list_deployments" and query.get("tags") == [self.tag]
        if ours and self.before and self.when(None):
            self.done = True
            self.action()
        result = self.inner(route, params, query, body)
        if ours and not self.before and self.when({d["id"] for d in result["deployments"]}):
            self.done = True
            self.action()
        return result


@pytest.mark.parametrize("status", ["creating", "ready"])
def test_a_copy_another_run_made_meanwhile_is_adopted_not_created_again(cli, scw_env, sdk, tmp_path, status):
    """The other run's copy is still being created, or already ready (a status that sorts
    after `deleting`): either way it is adopted."""
    write(tmp_path / "infermod.yaml", stack("race", 1))
    other: list[Any] = []

    def other_run() -> None:
        other.append(create(sdk, "r0", owned("race", "r0")))
        while status == "ready" and sdk.get_deployment(deployment_id=other[0].id).status != "ready":
            time.sleep(0.05)

    # the other run's create lands after this run planned, before it looks at its stack to create
    race = Interleave(scw_env.app, "race", other_run)
    result = cli("apply", "--auto-approve")
    assert race.done and result.code == 0, result.out + result.err
    assert f"another run created it first ({other[0].id}): adopted, nothing created" in result.out
    assert race.creates == 1  # the other run's create only
    assert [d.id for d in sdk.list_deployments_all() if d.status != "deleting"] == [other[0].id]


def test_a_destroy_that_starts_after_the_plan_is_not_taken_for_an_earlier_one(cli, scw_env, sdk, tmp_path):
    """The other run deletes r0 and r1 after this run planned them as staying, before it
    first reads its stack to create r2 and r3: a destroy running now, not a slow deletion
    from an earlier run. Creating would leave neither intent (r2 and r3 alone)."""
    write(tmp_path / "infermod.yaml", stack("race", 2))
    assert cli("apply", "--auto-approve").code == 0
    ids = sorted(d.id for d in sdk.list_deployments_all())
    write(tmp_path / "infermod.yaml", stack("race", 4))
    race = Interleave(scw_env.app, "race", lambda: [sdk.delete_deployment(deployment_id=i) for i in ids])
    result = cli("apply", "--auto-approve")
    assert race.done and result.code == 1, result.out + result.err
    assert "another run is deleting this stack's deployment.r" in result.out + result.err
    assert race.creates == 0
    assert sorted(d.id for d in sdk.list_deployments_all() if d.status != "deleting") == []


def test_no_create_while_another_run_destroys_the_stack(cli, scw_env, sdk, tmp_path):
    """r0 is replaced (delete, then create); while this run waits for the old r0 to go,
    another run starts destroying the stack (r1): the new r0 is not created."""
    old, other = create(sdk, "r0", owned("race", "r0")), create(sdk, "r1", owned("race", "r1"))
    while any(d.status != "ready" for d in sdk.list_deployments_all()):
        time.sleep(0.05)
    # from now on a deletion lasts 3 s: a create after one reads the stack afresh
    scw_env.app.store.ready_after = 7.5
    write(tmp_path / "infermod.yaml", stack("race", 2).replace("L4", "L40S", 1))  # r0 replaced
    race = Interleave(
        scw_env.app,
        "race",
        lambda: sdk.delete_deployment(deployment_id=other.id),
        when=lambda listed: old.id in race.deletes and old.id not in listed,
        before=False,
    )
    result = cli("apply", "--auto-approve")
    assert race.done and result.code == 1, result.out + result.err
    assert f"another run is deleting this stack's deployment.r1 ({other.id}): nothing new was created" in (
        result.out + result.err
    )
    assert race.creates == 0 and race.deletes == [old.id, other.id]


def test_a_destroy_of_deployments_the_plan_saw_still_creating_is_a_destroy_running_now(
    cli, tmp_path, scw_env_ready_after
):
    """As above, with r0 and r1 still being created when this run plans: a deployment the plan
    saw in any status but deleting, deleted since, is another run's destroy."""
    running, sdk = scw_env_ready_after(600)  # creating throughout the test
    ids = [create(sdk, f"r{i}", owned("race", f"r{i}")).id for i in range(2)]
    write(tmp_path / "infermod.yaml", stack("race", 4))
    race = Interleave(running.app, "race", lambda: [sdk.delete_deployment(deployment_id=i) for i in ids])
    result = cli("apply", "--auto-approve", "--timeout", "5s")  # a create would wait 10 min
    assert race.done and result.code == 1, result.out + result.err
    assert "another run is deleting this stack's deployment.r" in result.out + result.err
    assert race.creates == 0
