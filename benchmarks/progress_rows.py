"""What apply's progress leaves behind: rows on an 80-column terminal, lines in a CI log.

Applies N deployments that take --ready-after seconds each, twice: once in a pseudo-terminal
of 80x24 (the screen is replayed with pyte, and the rows between the plan's summary and the
apply report are counted), once with output to a pipe, as in CI (timestamped lines per
deployment are counted). Issue #16's target: 4 deployments for 12 s leave at most 20 rows, and
at most 4 CI lines each. About 2 x (N/4 + ready-after + 3) seconds.

    python benchmarks/progress_rows.py [--deployments 4] [--ready-after 12]
"""

from __future__ import annotations

import argparse
import fcntl
import os
import re
import select
import struct
import subprocess
import sys
import tempfile
import termios
from collections import Counter

import pyte
from common import ENV, config_text, start_emulator

REGIONS = ("fr-par", "nl-ams", "pl-waw")


def run_in_pty(args: list[str], env: dict[str, str], cwd: str) -> bytes:
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    proc = subprocess.Popen(args, stdin=slave, stdout=slave, stderr=slave, cwd=cwd, env=env)
    os.close(slave)
    data = b""
    while select.select([master], [], [], 120)[0]:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        data += chunk
    os.close(master)
    proc.wait(timeout=60)
    return data


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--deployments", type=int, default=4)
    parser.add_argument("--ready-after", default="12")
    args = parser.parse_args()
    apply = [sys.executable, "-m", "infermod", "apply", "--auto-approve"]
    for mode in ("terminal", "ci"):
        proc, url = start_emulator("--ready-after", args.ready_after)
        try:
            with tempfile.TemporaryDirectory() as tmp:
                with open(os.path.join(tmp, "infermod.yaml"), "w", encoding="utf-8") as fh:
                    fh.write(config_text(args.deployments, "bench", REGIONS))
                env = {**os.environ, **ENV, "SCW_API_URL": url, "TERM": "xterm", "HOME": tmp}
                if mode == "terminal":
                    screen = pyte.Screen(80, 2000)
                    pyte.ByteStream(screen).feed(run_in_pty(apply, env, tmp))
                    rows = [row.rstrip() for row in screen.display]
                    start = next(i for i, r in enumerate(rows) if r.startswith("Plan: "))
                    end = next(
                        i for i, r in enumerate(rows) if r.startswith(("Apply complete", "Apply failed"))
                    )
                    report = sum(1 for r in rows[start:end] if r.startswith(("ok ", "!! ")))
                    progress = end - start - 1 - report - 1  # less the report's lines and its blank line
                    print(f"terminal 80x24: {progress} progress rows + {report + 2} report rows "
                          f"= {end - start} rows after the plan for {args.deployments} deployments")  # fmt: skip
                else:
                    out = subprocess.run(apply, env=env, cwd=tmp, capture_output=True, text=True, timeout=600)
                    stamped = re.findall(r"^\S+Z (deployment\.\S+): ", out.stdout, re.M)
                    counts = Counter(stamped)
                    print(
                        f"CI log: {max(counts.values())} lines at most per deployment ({sorted(counts.values())})"
                    )
        finally:
            proc.kill()
            proc.wait()


if __name__ == "__main__":
    main()
