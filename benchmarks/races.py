"""Races between two infermod runs of one stack, as on two machines (two HOMEs, so no shared
local lock), against `infermod emulator`.

Prints, per kind of race, the races run, the duplicates (extra copies of a key) and the
missing deployments left once both runs have finished:
- apply/apply: two `apply --auto-approve` of the same configuration at once;
- apply/destroy: an apply and a destroy at once; the end state must be one of the two
  intents (all deployments, or none), never a mix.

- crash: two applies at once, one of them killed (SIGKILL) at a random moment (0.2 to 3 s
  in); counts the duplicates the crash left, then runs the surviving machine's apply again
  and counts the runs it settled (exit 0, one copy of each key) and those it could not;
- prompt: an apply waits at its prompt (a pseudo-terminal) while the other machine destroys
  the stack, then `yes` is typed; counts the runs that said "Apply complete!" over the
  vanished plan (must be 0) and those refused with nothing changed.

    python benchmarks/races.py [--races 10] [--deployments 4] [--ready-after 0.5] [--list-lag 2]
                               [--kinds apply,destroy,crash,prompt]

`--list-lag SECONDS` makes the emulator's lists show a new deployment only that long after its
create (an eventually consistent API): the create protocol must still leave one copy.
"""

from __future__ import annotations

import argparse
import os
import pty
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import requests
from common import ENV, PROJECT, SECRET, config_text, start_emulator

STACK = "race"


def machine(root: Path, name: str, n: int) -> Path:
    """A working copy with its own HOME: another machine, as far as local locks go."""
    work = root / name
    (work / "home").mkdir(parents=True)
    (work / "infermod.yaml").write_text(config_text(n, STACK))
    return work


def run(work: Path, url: str, *args: str) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "HOME": str(work / "home"),
        "XDG_STATE_HOME": str(work / "home" / "state"),
        **ENV,
        "SCW_API_URL": url,
    }
    return subprocess.Popen(
        [sys.executable, "-m", "infermod", *args, "--auto-approve", "--timeout", "60s"],
        cwd=work,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def live_keys(url: str) -> Counter[str]:
    """Copies per key of the stack's deployments that are not being deleted."""
    body = requests.get(
        f"{url}/inference/v1/regions/fr-par/deployments",
        params={"project_id": PROJECT, "page_size": 100},
        headers={"x-auth-token": SECRET},
        timeout=10,
    ).json()
    keys: Counter[str] = Counter()
    for dep in body["deployments"]:
        tags = dep["tags"]
        if f"infermod:stack={STACK}" in tags and dep["status"] != "deleting":
            keys.update(t.split("=", 1)[1] for t in tags if t.startswith("infermod:name="))
    return keys


def race(url: str, root: Path, n: int, second: str, delay: float, lag: float) -> tuple[int, int, int]:
    a, b = machine(root, "a", n), machine(root, "b", n)
    first = run(a, url, "apply")
    time.sleep(delay)
    other = run(b, url, second)
    for proc in (first, other):
        proc.communicate(timeout=120)
    time.sleep(lag)  # the lists show every copy made
    keys = live_keys(url)
    duplicates = sum(c - 1 for c in keys.values() if c > 1)
    missing = sum(1 for i in range(n) if keys[f"d{i}"] == 0)
    return duplicates, (missing if second == "apply" else 0), len(keys)


def crash(url: str, root: Path, n: int, kill_after: float, lag: float) -> tuple[int, bool]:
    """(duplicates the crash left, whether the next apply settled them)."""
    a, b = machine(root, "a", n), machine(root, "b", n)
    doomed, other = run(a, url, "apply"), run(b, url, "apply")
    time.sleep(kill_after)
    doomed.send_signal(signal.SIGKILL)
    doomed.communicate(timeout=60)
    other.communicate(timeout=120)
    time.sleep(lag)
    keys = live_keys(url)
    left = sum(c - 1 for c in keys.values() if c > 1)
    again = run(b, url, "apply")
    again.communicate(timeout=120)
    time.sleep(lag)
    keys = live_keys(url)
    settled = again.returncode == 0 and all(keys[f"d{i}"] == 1 for i in range(n))
    return left, settled


def prompt(url: str, root: Path, n: int) -> tuple[bool, bool, int]:
    """(said 'Apply complete!', refused with nothing changed, live deployments at the end)."""
    a, b = machine(root, "a", n), machine(root, "b", n)
    run(a, url, "apply").communicate(timeout=120)
    (a / "infermod.yaml").write_text(config_text(n + 1, STACK))  # one more to create
    leader, follower = pty.openpty()
    env = {**os.environ, "HOME": str(a / "home"), "XDG_STATE_HOME": str(a / "home" / "state"), **ENV}
    human = subprocess.Popen(
        [sys.executable, "-m", "infermod", "apply", "--timeout", "60s"],
        cwd=a,
        env={**env, "SCW_API_URL": url},
        stdin=follower,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    os.close(follower)
    assert human.stdout is not None
    seen = b""
    while b"Only 'yes' will be accepted" not in seen:
        chunk = os.read(human.stdout.fileno(), 65536)
        if not chunk:
            break
        seen += chunk
    run(b, url, "destroy").communicate(timeout=120)
    os.write(leader, b"yes\n")
    rest, _ = human.communicate(timeout=120)
    os.close(leader)
    text = (seen + rest).decode("utf-8", "replace")
    complete = "Apply complete!" in text
    refused = human.returncode == 1 and "nothing was changed" in text
    return complete, refused, sum(live_keys(url).values())


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--races", type=int, default=10)
    parser.add_argument("--deployments", type=int, default=4)
    parser.add_argument("--ready-after", type=float, default=0.5)
    parser.add_argument("--list-lag", type=float, default=0.0)
    parser.add_argument("--kinds", default="apply,destroy,crash,prompt")
    args = parser.parse_args()
    kinds = args.kinds.split(",")
    emulator, url = start_emulator("--ready-after", str(args.ready_after), "--list-lag", str(args.list_lag))
    try:
        for second, delay in (("apply", 0.0), ("destroy", 0.4)):
            if second not in kinds:
                continue
            dups = missing = 0
            ends: Counter[str] = Counter()
            started = time.monotonic()
            for i in range(args.races):
                with tempfile.TemporaryDirectory() as tmp:
                    d, m, kept = race(
                        url, Path(tmp), args.deployments, second, delay * (i % 3), args.list_lag
                    )
                dups, missing = dups + d, missing + m
                ends["all" if kept == args.deployments else "none" if kept == 0 else "mixed"] += 1
                requests.post(f"{url}/emulator/v1/reset", timeout=10)
            took = time.monotonic() - started
            figures = f"duplicates={dups} missing={missing}"
            if second == "destroy":
                figures = (
                    f"duplicates={dups} ended_applied={ends['all']} ended_destroyed={ends['none']} "
                    f"mixed_end_states={ends['mixed']}"
                )
            print(
                f"apply/{second}: races={args.races} deployments={args.deployments} "
                f"list_lag={args.list_lag:g}s {figures} ({took:.1f}s)"
            )
        if "crash" in kinds:
            chance = random.Random(24)
            left = settled = crashes_with_duplicates = 0
            started = time.monotonic()
            for _ in range(args.races):
                with tempfile.TemporaryDirectory() as tmp:
                    dups, ok = crash(
                        url, Path(tmp), args.deployments, chance.uniform(0.2, 3.0), args.list_lag
                    )
                left += dups
                crashes_with_duplicates += dups > 0
                settled += ok
                requests.post(f"{url}/emulator/v1/reset", timeout=10)
            print(
                f"crash: races={args.races} deployments={args.deployments} list_lag={args.list_lag:g}s "
                f"duplicates_left={left} (in {crashes_with_duplicates} runs) next_apply_settled={settled} "
                f"not_settled={args.races - settled} ({time.monotonic() - started:.1f}s)"
            )
        if "prompt" in kinds:
            complete = refused = left = 0
            started = time.monotonic()
            for _ in range(args.races):
                with tempfile.TemporaryDirectory() as tmp:
                    said, no, live = prompt(url, Path(tmp), args.deployments)
                complete, refused, left = complete + said, refused + no, left + live
                requests.post(f"{url}/emulator/v1/reset", timeout=10)
            print(
                f"prompt: races={args.races} deployments={args.deployments} apply_complete_over_vanished_plan="
                f"{complete} refused_nothing_changed={refused} deployments_left={left} "
                f"({time.monotonic() - started:.1f}s)"
            )
    finally:
        emulator.terminate()
        emulator.wait(timeout=10)


if __name__ == "__main__":
    main()
