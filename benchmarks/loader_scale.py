"""Cost of the configuration loader and the model-directory reader on large, hostile inputs.

Each case runs `infermod validate` (or `check-model`) in its own process and prints its wall
time and peak resident memory. Targets (issue #15): a 2 MB file with 10,000 schema errors in
under 10 s and 300 MB; 100 KB of `${` in under 1 s; any model directory under 300 MB.

    python benchmarks/loader_scale.py
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time


def many_errors(path: str) -> None:
    """About 2 MB: 10,000 deployments, each with one schema error (a wrong key)."""
    lines = ["version: 1", "stack: bench", "deployments:"]
    pad = "x" * 150
    for i in range(10_000):
        lines.append(f"  d{i}: {{model: m/{pad}, node_type: L4, endpoints: [{{public: true}}], sise: 1}}")
    with open(path, "w") as fh:
        fh.write("\n".join(lines) + "\n")


def many_interpolations(path: str) -> None:
    """100 KB of `${` in one value."""
    with open(path, "w") as fh:
        fh.write("version: 1\nstack: bench\ndefaults:\n  tags: ['" + "${" * 50_000 + "']\n")


def big_values(path: str) -> None:
    """5 MB minus a little: one string of that size, where a model name is expected."""
    with open(path, "w") as fh:
        fh.write("version: 1\nstack: bench\ndeployments:\n  d: {model: '" + "y" * 4_900_000 + "'}\n")


def model_dir(root: str) -> None:
    """A model directory with a sparse 1.5 GB config.json and a sparse 50 GB shard."""
    os.makedirs(root)
    with open(os.path.join(root, "config.json"), "wb") as fh:
        fh.truncate(1_500_000_000)
    with open(os.path.join(root, "model.safetensors"), "wb") as fh:
        fh.write((200_000_000).to_bytes(8, "little") + b"{" * 100)
        fh.truncate(50_000_000_000)


def measure(args: list[str]) -> tuple[float, float, int]:
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", _CHILD, *args], capture_output=True, text=True, timeout=120, check=False
    )
    elapsed = time.perf_counter() - start
    rss_kb, code = (int(x) for x in proc.stderr.strip().splitlines()[-1].split())
    return elapsed, rss_kb / 1024, code


_CHILD = """
import resource, sys, io, contextlib
from infermod.cli import main
with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
    code = main(sys.argv[1:])
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, code, file=sys.stderr)
"""


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        cases = []
        for name, make in [
            ("2 MB, 10,000 schema errors", many_errors),
            ("100 KB of `${`", many_interpolations),
            ("4.9 MB string value", big_values),
        ]:
            path = os.path.join(tmp, name.split()[0].replace(",", "") + make.__name__ + ".yaml")
            make(path)
            cases.append((name, ["validate", "--catalog", "snapshot", "-f", path]))
        root = os.path.join(tmp, "model")
        model_dir(root)
        cases.append(("model dir: sparse 1.5 GB config.json, 50 GB shard", ["check-model", root]))
        baseline = measure(["--version"])
        print(f"{'case':52} {'time':>8} {'peak RSS':>10} exit")
        print(
            f"{'(start-up: infermod --version)':52} {baseline[0]:7.2f}s {baseline[1]:8.0f} MB {baseline[2]}"
        )
        for name, args in cases:
            elapsed, rss, code = measure(args)
            print(f"{name:52} {elapsed:7.2f}s {rss:8.0f} MB {code}")


if __name__ == "__main__":
    main()
