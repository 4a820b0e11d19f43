"""The stack lock: one apply of a stack at a time on this machine, released however a run ends."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator

import pytest

from infermod.apply.lock import LockTimeout, lock_path, stack_lock
from infermod.scw import deadline

API = "http://127.0.0.1:1"
PROJECTS = ["p1", "p2"]

# A second process that takes the lock, says so, then holds it until it is killed.
HOLDER = textwrap.dedent(
    """
    import sys, time
    from infermod.apply.lock import stack_lock
    with stack_lock("shop", ["p2", "p1"], sys.argv[1]):
        print("held", flush=True)
        time.sleep(60)
    """
)


@pytest.fixture(autouse=True)
def no_clock() -> Iterator[None]:
    deadline.start(None)
    yield
    deadline.start(None)  # the clock is global: no other test inherits it


@pytest.fixture
def holder(tmp_path, monkeypatch) -> Iterator[subprocess.Popen[str]]:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, API], stdout=subprocess.PIPE, text=True, env=os.environ.copy()
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline() == "held\n"
        yield proc
    finally:
        proc.kill()
        proc.wait()


def test_the_key_is_the_stack_its_projects_as_a_set_and_the_api(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    path = lock_path("shop", ["p1", "p2"], API)
    assert path.startswith(str(tmp_path / "infermod" / "locks" / "shop-"))
    assert lock_path("shop", ["p2", "p1", "p2"], API) == path
    assert len({path, lock_path("shop", ["p1"], API), lock_path("shop", PROJECTS, API + "0")}) == 3
    assert lock_path("other", PROJECTS, API) != path


def test_a_second_process_waits_names_the_holder_and_gives_up_at_the_deadline(holder, capsys):
    deadline.start(0.4)
    started = time.monotonic()
    expected = r"stack `shop` still holds its lock: .*nothing was changed"
    with pytest.raises(LockTimeout, match=expected), stack_lock("shop", PROJECTS, API):
        pytest.fail("the lock was taken while another process held it")
    assert 0.35 < time.monotonic() - started < 10.0  # gave up near the deadline, not never
    assert f"(pid {holder.pid})" in capsys.readouterr().err


def test_a_killed_holder_leaves_no_stale_lock(holder):
    holder.kill()
    holder.wait()
    deadline.start(2.0)
    with stack_lock("shop", PROJECTS, API), open(lock_path("shop", PROJECTS, API)) as fh:
        assert fh.read() == f"{os.getpid()}\n"  # the new holder, not the dead one's pid left over


def test_other_stacks_and_other_apis_are_not_held_up(holder):
    deadline.start(0.5)
    with stack_lock("shop", PROJECTS, API + "0"), stack_lock("blog", PROJECTS, API):
        pass  # neither waited for the holder: LockTimeout would have been raised


def test_a_waiter_takes_the_lock_as_soon_as_the_holder_ends(holder, capsys):
    deadline.start(60.0)
    started = time.monotonic()
    killer = subprocess.Popen(
        [sys.executable, "-c", f"import os, time; time.sleep(0.3); os.kill({holder.pid}, 9)"]
    )
    with stack_lock("shop", PROJECTS, API):
        waited = time.monotonic() - started
    killer.wait()
    assert 0.25 < waited < 30.0  # the killer's own start-up counts, on a loaded machine
    assert "Waiting for another infermod run of stack `shop`" in capsys.readouterr().err


@pytest.mark.parametrize("unusable", ["a-file", "missing"])
def test_an_unusable_lock_directory_is_a_plain_error_naming_it_and_the_variable(
    cli, scw_env, tmp_path, monkeypatch, unusable
):
    # a container run under another user (HOME=/ read-only), XDG_STATE_HOME naming a file or a
    # path that cannot be made: it was "internal error: NotADirectoryError ... Please report it"
    from tests.conftest import write
    from tests.helpers import many

    state = tmp_path / "state-file"
    state.write_text("")
    setting = str(state) if unusable == "a-file" else "/proc/infermod-no-such-dir"
    monkeypatch.setenv("XDG_STATE_HOME", setting)
    write(tmp_path / "infermod.yaml", many(1))
    result = cli("apply", "--auto-approve")
    assert result.code == 1
    assert "internal error" not in result.err
    assert f"cannot use the lock directory {setting}/infermod/locks" in result.err
    assert f"Set XDG_STATE_HOME to a writable directory (it is {setting}); nothing was changed" in result.err
    assert scw_env.app.store.deployments == {}
