"""Races between two infermod runs of one stack, as on two machines (two HOMEs, so no shared
local lock), against `infermod emulator`.

Prints, per kind of race, the races run, the duplicates (extra copies of a key) and the
missing deployments left once both runs have finished:
- apply/apply: two `apply --auto-approve` of the same configuration at once;
- apply/destroy: an apply and a destroy at once; the end state must be one of the two
  intents (all deployments, or none), never a mix.

    python benchmarks/races.py [--races 10] [--deployments 4] [--ready-after 0.5] [--list-lag 2]

`--list-lag SECONDS` makes the emulator's lists show a new deployment only that long after its
create (an eventually consistent API): the create protocol must still leave one copy.
"""

from __future__ import annotations

import argparse
import os
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


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--races", type=int, default=10)
    parser.add_argument("--deployments", type=int, default=4)
    parser.add_argument("--ready-after", type=float, default=0.5)
    parser.add_argument("--list-lag", type=float, default=0.0)
    args = parser.parse_args()
    emulator, url = start_emulator("--ready-after", str(args.ready_after), "--list-lag", str(args.list_lag))
    try:
        for second, delay in (("apply", 0.0), ("destroy", 0.4)):
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
    finally:
        emulator.terminate()
        emulator.wait(timeout=10)


if __name__ == "__main__":
    main()
