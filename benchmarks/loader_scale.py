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
from collections.abc import Callable


def many_errors(path: str) -> None:
    """About 2 MB: 10,000 deployments, each with one schema error (a wrong key)."""
    lines = ["version: 1", "stack: bench", "deployments:"]
    pad = "x" * 150
    for i in range(10_000):
        lines.append(f"  d{i}: {{model: m/{pad}, node_type: L4, endpoints: [{{public: true}}], sise: 1}}")
    with open(path, "w") as fh:
        fh.write("\n".join(lines) + "\n")


def many_error_kinds(n: int) -> Callable[[str], None]:
    """n deployments, each with six errors (four schema errors, an unknown key, an object where
    the endpoint list is wanted; 105 bytes, 8 values): 2,500 make 250 KB, 10,000 1 MB, 24,999
    the 200,000-value limit (2.6 MB). Each wrong shape was compared with every earlier error
    (F14): 4.6 s, 58 s and minutes before, linear since."""

    def make(path: str) -> None:
        lines = ["version: 1", "stack: bench", "deployments:"]
        for i in range(n):
            lines += [f"  e{i}:", "    model: 5", "    node_type: [x]", "    size: -1"]
            lines += ["    quantization: 7", "    bogus: 1", "    endpoints: {}"]
        with open(path, "w") as fh:
            fh.write("\n".join(lines) + "\n")

    make.__name__ = f"many_error_kinds_{n}"
    return make


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


def worst_accepted(root: str) -> None:
    """The largest metadata the reader accepts: a 32 MB index (300,000 values) and three 8 MB
    safetensors headers whose JSON parses (then fails the tensor checks)."""
    os.makedirs(root)
    name = "x" * 100
    entries = ",".join(f'"{name}{i:07d}":"s{i % 3}.safetensors"' for i in range(260_000))
    with open(os.path.join(root, "model.safetensors.index.json"), "w") as fh:
        fh.write('{"weight_map":{' + entries + "}}")
    # 42,000 tensors of 7 JSON values each: just under the 300,000-value limit, so they parse.
    long = "x" * 125
    body = ",".join(
        f'"{long}{i:07d}":{{"dtype":"BF16","shape":[1],"data_offsets":[0,1]}}' for i in range(42_000)
    )
    header = ("{" + body + "}").encode()[: 8 * 1024 * 1024 - 1]
    header = header[: header.rfind(b",")] + b"}"
    for i in range(3):
        with open(os.path.join(root, f"s{i}.safetensors"), "wb") as fh:
            fh.write(len(header).to_bytes(8, "little") + header + b"\0" * 64)
    with open(os.path.join(root, "config.json"), "w") as fh:
        fh.write(
            '{"architectures": ["LlamaForCausalLM"], "max_position_embeddings": 8192, "pad": "'
            + "p" * (4 * 1024 * 1024 - 100)
            + '"}'
        )


def big_tokenizer(root: str) -> None:
    """A model directory whose tokenizer.json is a valid byte-level BPE just under the 40 MiB
    infermod parses (Gemma 3's, the largest in use, is about 33 MB)."""
    import json
    import struct

    os.makedirs(root)
    vocab: dict[str, int] = {}
    merges = []
    words = [f"w{i:06d}x{'abcdefghij' * 2}" for i in range(360_000)]
    for word in words:
        vocab[word] = len(vocab)
    for a, b in zip(words[::2], words[1::2], strict=True):
        vocab[a + b] = len(vocab)
        merges.append(f"{a} {b}")
    tokenizer = {"version": "1.0", "model": {"type": "BPE", "vocab": vocab, "merges": merges}}
    with open(os.path.join(root, "tokenizer.json"), "w") as fh:
        json.dump(tokenizer, fh)
    config = {"architectures": ["LlamaForCausalLM"], "max_position_embeddings": 8192}
    with open(os.path.join(root, "config.json"), "w") as fh:
        json.dump(config, fh)
    with open(os.path.join(root, "chat_template.jinja"), "w") as fh:
        fh.write("{% for m in messages %}{{ m.content }}{% endfor %}")
    header = b'{"w":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}'
    with open(os.path.join(root, "model.safetensors"), "wb") as fh:
        fh.write(struct.pack("<Q", len(header)) + header + b"\0")


def measure(args: list[str]) -> tuple[float, float, int]:
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", _CHILD, *args], capture_output=True, text=True, timeout=120, check=False
    )
    elapsed = time.perf_counter() - start
    rss_kb, code = (int(x) for x in proc.stderr.strip().splitlines()[-1].split())
    return elapsed, rss_kb / 1024, code


# Peak RSS from VmHWM, which exec resets (ru_maxrss would include the parent's memory at fork).
_CHILD = """
import resource, sys, io, contextlib
from infermod.cli import main
with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
    code = main(sys.argv[1:])
try:
    peak = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM:"))
except OSError:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(peak, code, file=sys.stderr)
"""


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        cases = []
        for name, make in [
            ("2 MB, 10,000 schema errors", many_errors),
            ("250 KB, 15,000 errors of six kinds", many_error_kinds(2_500)),
            ("1 MB, 60,000 errors of six kinds", many_error_kinds(10_000)),
            ("2.6 MB, 200,000 values: 150,000 errors", many_error_kinds(24_999)),
            ("100 KB of `${`", many_interpolations),
            ("4.9 MB string value", big_values),
        ]:
            path = os.path.join(tmp, name.split()[0].replace(",", "") + make.__name__ + ".yaml")
            make(path)
            cases.append((name, ["validate", "--catalog", "snapshot", "-f", path]))
        root = os.path.join(tmp, "model")
        model_dir(root)
        cases.append(("model dir: sparse 1.5 GB config.json, 50 GB shard", ["check-model", root]))
        worst = os.path.join(tmp, "worst")
        worst_accepted(worst)
        cases.append(("model dir: 32 MB index, 3 x 8 MB headers, 4 MB config", ["check-model", worst]))
        tok = os.path.join(tmp, "tokenizer")
        big_tokenizer(tok)
        size = os.path.getsize(os.path.join(tok, "tokenizer.json")) / 1e6
        cases.append((f"model dir: {size:.0f} MB tokenizer.json, parsed", ["check-model", tok]))
        from infermod.localhub import Hub, Repo

        files = {}
        for name in sorted(os.listdir(worst)):
            with open(os.path.join(worst, name), "rb") as fh:
                files[name] = fh.read()
        for i in range(3, 8):  # eight large headers in all, fetched four at a time
            files[f"s{i}.safetensors"] = files["s0.safetensors"]
        hub = Hub({"bench/worst": Repo(files)})
        os.environ["HF_ENDPOINT"] = hub.url
        cases.append(("local Hub: the same, 8 x 8 MB headers", ["check-model", "bench/worst"]))
        baseline = measure(["--version"])
        print(f"{'case':52} {'time':>8} {'peak RSS':>10} exit")
        print(
            f"{'(start-up: infermod --version)':52} {baseline[0]:7.2f}s {baseline[1]:8.0f} MB {baseline[2]}"
        )
        for name, args in cases:
            elapsed, rss, code = measure(args)
            print(f"{name:52} {elapsed:7.2f}s {rss:8.0f} MB {code}")
        if "HF_ENDPOINT" in os.environ:
            hub.close()


if __name__ == "__main__":
    main()
