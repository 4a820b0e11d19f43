"""What the subprocess benchmarks share: an `infermod emulator` on a free loopback port, the
credentials that reach it, and a configuration of n small deployments.

The scripts run as `python benchmarks/NAME.py`, so they import this as `common`.
"""

from __future__ import annotations

import os
import subprocess
import sys

PROJECT = "11111111-1111-4111-8111-111111111111"
SECRET = "9f8e7d6c-5b4a-4321-8765-0123456789ab"
ENV = {
    "SCW_ACCESS_KEY": "SCWBENCHACCESSKEY000",
    "SCW_SECRET_KEY": SECRET,
    "SCW_DEFAULT_PROJECT_ID": PROJECT,
    "SCW_DEFAULT_REGION": "fr-par",
    "SCW_CONFIG_PATH": os.devnull,
}


def start_emulator(*args: str) -> tuple[subprocess.Popen[str], str]:
    """`infermod emulator --port 0 ARGS` and the URL it listens on."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "infermod", "emulator", "--port", "0", *args],
        stdout=subprocess.PIPE,
        text=True,
    )
    line = proc.stdout.readline().strip() if proc.stdout else ""
    if not line.startswith("Emulator listening on "):
        proc.kill()
        raise SystemExit(f"the emulator did not start: {line!r}")
    return proc, line.rsplit(" ", 1)[1]


def config_text(n: int, stack: str, regions: tuple[str, ...] = ()) -> str:
    """Deployments d0 .. d(n-1) of the catalog's small Llama; spread over `regions` if given."""
    return f"version: 1\nstack: {stack}\ndeployments:\n" + "".join(
        f"  d{i}:\n"
        + (f"    region: {regions[i % len(regions)]}\n" if regions else "")
        + "    model: meta/llama-3.1-8b-instruct:fp8\n    node_type: L4\n"
        "    accept_eula: true\n    endpoints: [{public: true}]\n"
        for i in range(n)
    )
