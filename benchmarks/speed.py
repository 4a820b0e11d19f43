"""Speed at scale, every figure a ratio measured in this one run (the machine is shared and
noisy, so absolute times drift; ratios between neighbours measured minutes apart do not).
Compared runs alternate (a, b, a, b, ...); the median ratio is quoted with its min-max.

- start-up: `infermod --help` and `validate` of the quickstart against a bare interpreter,
  with their floor (an interpreter importing only click and PyYAML); `infermod plan` of 100
  unchanged deployments against `terraform plan` of 100 `terraform_data` resources (client
  CPU; skipped when terraform is not on the PATH), with the plan's floor (an interpreter
  importing only click, PyYAML and the SDK modules a plan calls, requests with them; with and
  without infermod's collector thresholds) and that floor library by library (interpreters
  importing one more each: the difference is that library's own cost);
- plan reads: API requests of `infermod plan` for 10, 100, 1,000 owned deployments
  (emulator at --latency-ms): requests grow with pages, not deployments;
- configuration load: CPU per deployment at 1,000, 5,000, 10,000 and 20,000 (--small: the
  first two), against 1,000; Python memory per deployment (tracemalloc) at its peak during the
  load and what a plan keeps (the Config); the digest a load no longer works out, timed alone;
- plan CPU: client CPU (user + system of the `infermod` process) of an unchanged plan at the
  same sizes, interleaved (at least 7 rounds, each in a rotated order), against `validate` of
  the same configuration, with peak memory (VmHWM), CPU per further 1,000 per round (against
  the first step: median, middle half and min-max of the rounds) and memory per deployment of
  the whole command (its peak RSS less that of the same command over one deployment, per
  further deployment: median and min-max of the rounds);
- foreign deployments: a plan creating 5,000 deployments among 5,000 of another stack,
  against the same plan without them (the ownership-conflict check);
- apply: 10, 100 and 300 creations against 1 (readiness --ready-after), with every request
  the apply made, those of the create protocol, and the pollers' requests per poll; one
  creation into a stack of 1,000 against one into an empty stack (requests);
- the emulator: the cost of a page of 100 in a paged read of 20,000 against 1,000.

The emulator runs in this process (deployments are seeded straight into its store); every
`infermod` but the apply runs as a subprocess whose CPU and memory are read from wait4().

    python benchmarks/speed.py [--repeat 3] [--small] [--only PART ...] [--write-readme]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import itertools
import json
import math
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any, NamedTuple

from infermod import GC_THRESHOLDS
from infermod.emulator.server import Emulator, Settings, make_server, url_of

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REGIONS = ("fr-par",)  # Dedicated Deployment is served in Paris only (infermod/regions.py)
PROJECT = "11111111-1111-4111-8111-111111111111"
MODEL = "meta/llama-3.1-8b-instruct:fp8"
ENV = {
    "SCW_ACCESS_KEY": "SCWBENCHACCESSKEY000",
    "SCW_SECRET_KEY": "9f8e7d6c-5b4a-4321-8765-0123456789ab",
    "SCW_DEFAULT_PROJECT_ID": PROJECT,
    "SCW_DEFAULT_REGION": "fr-par",
}
ROWS: list[tuple[str, str, str]] = []  # measure, figure, target: the README's table


def row(measure: str, figure: str, target: str = "") -> None:
    ROWS.append((measure, figure, target))
    print(f"{measure}: {figure}" + (f"   [target {target}]" if target else ""), flush=True)


@contextlib.contextmanager
def emulator(**settings: Any) -> Iterator[tuple[str, Emulator]]:
    server, app = make_server("127.0.0.1", 0, Settings(**settings))
    # Seeding thousands through the store must not pay its per-create quota scan (O(N) each).
    app.store._check_quota = lambda *_a, **_k: None  # type: ignore[method-assign]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield url_of(server), app
    finally:
        server.shutdown()
        server.server_close()


def seed(app: Emulator, n: int, stack: str, prefix: str = "d") -> None:
    """n ready deployments, tagged as `stack`'s, as an earlier apply left them."""
    store = app.store
    model = {r: next(m["id"] for m in store.list_models(r) if m["name"] == MODEL) for r in REGIONS}
    for i in range(n):
        region = REGIONS[i % len(REGIONS)]
        store.create_deployment(
            region,
            {
                "project_id": PROJECT,
                "name": f"{prefix}{i}",
                "model_id": model[region],
                "node_type_name": "L4",
                "endpoints": [{"disable_auth": False, "public_network": {}}],
                "accept_eula": True,
                "min_size": 1,
                "max_size": 1,
                "tags": [f"infermod:stack={stack}", f"infermod:name={prefix}{i}"],
            },
        )


def config_text(n: int, regions: tuple[str, ...] = REGIONS) -> str:
    lines = ["version: 1", "stack: bench", "deployments:"]
    for i in range(n):
        lines += [
            f"  d{i}:",
            f"    region: {regions[i % len(regions)]}",
            f"    model: {MODEL}",
            "    node_type: L4",
            "    accept_eula: true",
            "    endpoints: [{public: true}]",
        ]
    return "\n".join(lines) + "\n"


class Run(NamedTuple):
    wall: float
    cpu: float
    rss_mb: float
    code: int
    out: str


def infermod(args: list[str], env: dict[str, str], cwd: str) -> Run:
    """One `python -m infermod ...`, with its own CPU time and peak memory from wait4()."""
    return process([sys.executable, "-m", "infermod", *args], env, cwd)


# The command's own peak memory is VmHWM, which exec resets: wait4()'s ru_maxrss also counts
# the memory this benchmark had when it forked the child (its emulators hold tens of thousands
# of seeded deployments), and grew with them.
_PEAK = """
import os, runpy, sys
sys.argv = ["infermod", *sys.argv[1:]]
try:
    runpy.run_module("infermod", run_name="__main__", alter_sys=True)
finally:
    with open("/proc/self/status") as status:
        peak = next(line.split()[1] for line in status if line.startswith("VmHWM:"))
    with open(os.environ["BENCH_PEAK_FILE"], "w") as out:
        out.write(peak)
"""


def infermod_peak(args: list[str], env: dict[str, str], cwd: str) -> Run:
    """`infermod ...` as `infermod()` runs it, its peak memory read by itself (VmHWM, in KB)."""
    if not os.path.exists("/proc/self/status"):
        return infermod(args, env, cwd)
    with tempfile.NamedTemporaryFile() as peak:
        run = process([sys.executable, "-c", _PEAK, *args], {**env, "BENCH_PEAK_FILE": peak.name}, cwd)
        text = open(peak.name).read().strip()  # noqa: SIM115
    return run._replace(rss_mb=int(text) / 1024) if text else run


def process(argv: list[str], env: dict[str, str], cwd: str) -> Run:
    with tempfile.TemporaryFile() as out:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, cwd=cwd, env=env, stdout=out, stderr=out)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        text = out.read().decode(errors="replace")
    return Run(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, proc.returncode, text)


class Pair(NamedTuple):
    a: Run  # medians of the `a` runs (peak memory: the largest)
    b: Run
    cpu_ratio: float  # median over rounds of a.cpu / b.cpu
    cpu_ratios: tuple[float, ...] = ()

    @property
    def spread(self) -> str:
        return spread(self.cpu_ratios)


def spread(ratios: tuple[float, ...] | list[float], digits: int = 2) -> str:
    """min-max of the rounds' ratios, beside their median."""
    return f"{min(ratios):.{digits}f}-{max(ratios):.{digits}f}" if len(ratios) > 1 else "one round"


def paired(repeat: int, a: Callable[[], Run], b: Callable[[], Run], ok: tuple[int, ...] = (0,)) -> Pair:
    """Run a, b, a, b, ...: each ratio compares two runs made seconds apart, under the same
    load from the machine's other users; the median ratio is quoted."""
    rounds = [(a(), b()) for _ in range(repeat)]
    bad = [r for pair in rounds for r in pair if r.code not in ok]
    if bad:
        raise SystemExit(f"unexpected exit {bad[0].code}:\n{bad[0].out[-1500:]}")
    ratios = tuple(x.cpu / y.cpu for x, y in rounds)
    return Pair(
        _median([x for x, _ in rounds]), _median([y for _, y in rounds]), statistics.median(ratios), ratios
    )


def _median(runs: list[Run]) -> Run:
    return Run(
        statistics.median(r.wall for r in runs),
        statistics.median(r.cpu for r in runs),
        max(r.rss_mb for r in runs),
        runs[0].code,
        runs[0].out,
    )


def env_for(url: str, home: str) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("SCW_", "INFERMOD_"))}
    return {**keep, **ENV, "SCW_API_URL": url, "HOME": home, "SCW_CONFIG_PATH": os.devnull}


def write(workdir: str, name: str, text: str) -> str:
    path = os.path.join(workdir, name)
    with open(path, "w") as fh:
        fh.write(text)
    return path


def bench_plan_requests(workdir: str, latency: int) -> None:
    with emulator(latency_ms=latency, ready_after=0) as (url, app):
        counts = []
        for n in (10, 100, 1000):
            app.reset()
            seed(app, n, "bench")
            path = write(workdir, f"reads-{n}.yaml", config_text(n))
            before = app.stats_body()["total"]
            run = infermod(["plan", "-f", path, "--detailed-exitcode"], env_for(url, workdir), workdir)
            if run.code != 0:
                raise SystemExit(f"plan failed:\n{run.out[-1500:]}")
            count = app.stats_body()["total"] - before
            counts.append(f"{count} at {n:,} ({run.wall:.2f} s)")
        pages = math.ceil(1000 / len(REGIONS) / 1000)
        row(
            f"plan API requests, owned deployments, {latency} ms latency",
            "; ".join(counts),
            f"grow with pages only ({pages} page(s) of deployments at 1,000)",
        )


BASE = 1  # the baseline of the memory figures: a plan (a validate) of one deployment


def bench_plan_cpu(workdir: str, sizes: list[int], repeat: int) -> None:
    """Unchanged plans of every size and of one deployment (the memory's baseline),
    interleaved: each round runs a plan then a validate of every size, seconds apart, the
    sizes in a rotated order (none always first), so that slopes and differences compare runs
    made under the same load from the machine's other users."""
    every = [BASE, *sizes]
    with contextlib.ExitStack() as stack:
        targets = {}
        for n in every:
            url, app = stack.enter_context(emulator(ready_after=0))
            seed(app, n, "bench")
            path = write(workdir, f"cpu-{n}.yaml", config_text(n))
            env = env_for(url, workdir)
            before = app.stats_body()["total"]
            infermod(["plan", "-f", path], env, workdir)  # counts the requests; warms the disk cache
            targets[n] = (path, env, app.stats_body()["total"] - before)
        plans: dict[int, list[Run]] = {n: [] for n in every}
        validates: dict[int, list[Run]] = {n: [] for n in every}
        for turn in range(repeat):
            for n in every[turn % len(every) :] + every[: turn % len(every)]:
                path, env, _requests = targets[n]
                plans[n].append(infermod_peak(["plan", "-f", path, "--detailed-exitcode"], env, workdir))
                validates[n].append(infermod_peak(["validate", "-f", path], env, workdir))
    bad = [r for runs in [*plans.values(), *validates.values()] for r in runs if r.code != 0]
    if bad:
        raise SystemExit(f"unexpected exit {bad[0].code}:\n{bad[0].out[-1500:]}")
    for n in sizes:
        plan, validate = _median(plans[n]), _median(validates[n])
        ratios = [p.cpu / v.cpu for p, v in zip(plans[n], validates[n], strict=True)]
        row(
            f"unchanged plan, {n:,} deployments: client CPU, vs validate, memory",
            f"{plan.cpu:.2f} s CPU ({plan.wall:.2f} s wall, {targets[n][2]} requests), "
            f"{statistics.median(ratios):.2f}x validate ({spread(ratios)}; {validate.cpu:.2f} s), "
            f"{plan.rss_mb:.0f} MB",
            "≤ 1.5 s, ≤ 1.5x validate, ≤ 150 MB" if n == 5000 else "",
        )
    # Linear means each further 1,000 deployments cost the same: the slope between neighbouring
    # sizes, per round (fixed costs, imports and the catalog, cancel out), against the first
    # step's median. A step's slope is the difference of two runs of a few seconds each: its
    # rounds scatter (the machine is shared), so the middle half of the rounds is quoted beside
    # their min-max.
    pairs = list(itertools.pairwise(sorted(sizes)))
    if pairs:
        slopes = {
            (a, b): [(y.cpu - x.cpu) / (b - a) * 1000 for x, y in zip(plans[a], plans[b], strict=True)]
            for a, b in pairs
        }
        first = statistics.median(slopes[pairs[0]])
        parts = []
        for (a, b), each in slopes.items():
            ratios = [s / first for s in each]
            parts.append(
                f"{a:,}→{b:,}: {statistics.median(each):.3f} s ({spread(each)}), "
                f"{statistics.median(ratios):.2f}x ({middle(ratios)} middle half, {spread(ratios)} all)"
            )
        row(
            f"plan CPU per further 1,000 deployments (linearity, {repeat} interleaved rounds; "
            "x: against the first step)",
            "; ".join(parts),
            "within 10 % from 1,000 to 20,000 (0.90-1.10x)",
        )
    # Memory per deployment of the whole command: its peak RSS (VmHWM: the configuration's
    # load, the read state, the plan and its views, and what the allocator keeps between
    # them) less that of the same command over one deployment, per further deployment.
    for label, runs in (("plan", plans), ("validate", validates)):
        parts = []
        for n in sizes:
            each = [
                (r.rss_mb - b.rss_mb) * 1024 / (n - BASE) for r, b in zip(runs[n], runs[BASE], strict=True)
            ]
            parts.append(f"{n:,}: {statistics.median(each):.1f} KB ({spread(each, 1)})")
        row(
            f"{label} memory per deployment (peak RSS, VmHWM, less a {label} of one deployment's, "
            "per further deployment)",
            "; ".join(parts),
            "≤ 4 KB",
        )


def middle(values: list[float]) -> str:
    """The middle half of the rounds (first to third quartile)."""
    if len(values) < 4:
        return spread(values)
    q1, _, q3 = statistics.quantiles(values, n=4)
    return f"{q1:.2f}-{q3:.2f}"


# One load of the configuration, in a process of its own: CPU per deployment, then (a second
# load, traced) the peak of Python memory during the load and what the plan keeps of it (the
# Config), per deployment; and the digest the load no longer works out, timed alone.
_LOAD_CHILD = """
import gc, json, sys, time, tracemalloc
from infermod.cli import GC_THRESHOLDS
from infermod.rules.engine import load_checked_config
gc.set_threshold(*GC_THRESHOLDS)
path, n = sys.argv[1], int(sys.argv[2])
start = time.process_time()
config = load_checked_config([path]).config
cpu = time.process_time() - start
start = time.process_time()
digest = config.digest
digest_cpu = time.process_time() - start
del config
gc.collect()
tracemalloc.start()
config = load_checked_config([path]).config
kept, peak = tracemalloc.get_traced_memory()
print(json.dumps({"cpu": cpu, "digest": digest_cpu, "peak": peak / n, "kept": kept / n}))
"""


def bench_config_load(workdir: str, sizes: list[int], repeat: int) -> None:
    results: dict[int, list[dict[str, float]]] = {n: [] for n in sizes}
    paths = {n: write(workdir, f"load-{n}.yaml", config_text(n)) for n in sizes}
    env = {**{k: v for k, v in os.environ.items() if not k.startswith(("SCW_", "INFERMOD_"))}, **ENV}
    for _ in range(repeat):
        for n in sizes:  # interleaved: each round loads every size seconds apart
            run = process([sys.executable, "-c", _LOAD_CHILD, paths[n], str(n)], env, workdir)
            if run.code != 0:
                raise SystemExit(f"loading failed:\n{run.out[-1500:]}")
            results[n].append(json.loads(run.out.strip().splitlines()[-1]))
    small = min(sizes)
    base = [r["cpu"] / small for r in results[small]]
    parts = []
    for n in sizes:
        ratios = [r["cpu"] / n / b for r, b in zip(results[n], base, strict=True)]
        per = statistics.median(r["cpu"] / n * 1e6 for r in results[n])
        parts.append(f"{n:,}: {per:.0f} µs, {statistics.median(ratios):.2f}x ({spread(ratios)})")
    row(
        f"configuration load: CPU per deployment (x: against {small:,})",
        "; ".join(parts),
        "≈ 1x (linear)",
    )
    row(
        "configuration load: Python memory per deployment (tracemalloc: peak during the load; kept: the Config)",
        "; ".join(
            f"{n:,}: peak {statistics.median(r['peak'] for r in results[n]) / 1024:.1f} KB, "
            f"kept {statistics.median(r['kept'] for r in results[n]) / 1024:.1f} KB"
            for n in sizes
        ),
        "≤ 4 KB",
    )
    large = max(sizes)
    digest = statistics.median(r["digest"] for r in results[large])
    load = statistics.median(r["cpu"] for r in results[large])
    row(
        f"configuration digest at {large:,} deployments, worked out only when read (--out, JSON, apply)",
        f"{digest * 1000:.0f} ms, {digest / load * 100:.0f} % of the load ({load:.2f} s) it is no longer part of",
    )


def bench_foreign(workdir: str, n: int, repeat: int) -> None:
    path = write(workdir, f"creates-{n}.yaml", config_text(n))
    args = ["plan", "-f", path, "--detailed-exitcode"]
    with emulator(ready_after=0) as (with_url, app), emulator(ready_after=0) as (without_url, _):
        seed(app, n, "other", prefix="x")
        pair = paired(
            repeat,
            lambda: infermod(args, env_for(with_url, workdir), workdir),
            lambda: infermod(args, env_for(without_url, workdir), workdir),
            ok=(2,),
        )
    row(
        f"plan creating {n:,} among {n:,} deployments of another stack, vs without them",
        f"{pair.cpu_ratio:.2f}x ({pair.spread}; {pair.a.cpu:.2f} s vs {pair.b.cpu:.2f} s client CPU)",
        "≤ 1.2x",
    )


class ApplyRun(NamedTuple):
    wall: float
    requests: int  # every request of the apply, its plan's reads included
    creates: int
    polls: int  # polls made by the regions' pollers
    poll_requests: int  # their requests (lists and GETs)
    protocol_lists: int  # the create protocol's list calls (pages): before and after each create


def apply_in_process(app: Emulator, url: str, path: str, workdir: str) -> ApplyRun:
    """Apply in this process, counting the pollers' polls and requests and the list calls
    of the create protocol (every list while the executor ran that no poller made)."""
    from infermod.apply import executor, poller, pollreads
    from infermod.cli import main

    original_poll, original_run, original_reader = (
        poller.RegionPoller._poll,
        executor.Executor.run,
        pollreads.WaitingReader.__init__,
    )
    counts = {"polls": 0, "lists_at_start": 0, "lists_at_end": 0}
    readers: list[Any] = []
    routes = "GET /inference/v1/regions/{region}/deployments"

    def lists() -> int:
        return int(app.stats_body()["routes"].get(routes, 0))

    def counting_poll(self: Any, watches: Any) -> None:
        counts["polls"] += 1
        original_poll(self, watches)

    def registering(self: Any, *args: Any, **kwargs: Any) -> None:
        original_reader(self, *args, **kwargs)
        readers.append(self)

    def marking_run(self: Any) -> Any:
        counts["lists_at_start"] = lists()
        try:
            return original_run(self)
        finally:
            counts["lists_at_end"] = lists()

    saved = dict(os.environ)
    os.environ.update({**ENV, "SCW_API_URL": url, "HOME": workdir, "SCW_CONFIG_PATH": os.devnull})
    os.environ["INFERMOD_POLL_INTERVAL"] = "0.5"
    poller.RegionPoller._poll = counting_poll  # type: ignore[method-assign]
    executor.Executor.run = marking_run  # type: ignore[method-assign]
    pollreads.WaitingReader.__init__ = registering  # type: ignore[method-assign]
    before = app.stats_body()
    try:
        start = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()) as out:
            code = main(["apply", "-f", path, "--auto-approve"])
        wall = time.perf_counter() - start
        if code != 0:
            raise SystemExit(f"apply failed: {out.getvalue()[-1500:]}")
        after = app.stats_body()
        poll_lists = sum(r.list_requests for r in readers)
        return ApplyRun(
            wall,
            after["total"] - before["total"],
            after["routes"].get("POST /inference/v1/regions/{region}/deployments", 0)
            - before["routes"].get("POST /inference/v1/regions/{region}/deployments", 0),
            counts["polls"],
            sum(r.requests for r in readers),
            counts["lists_at_end"] - counts["lists_at_start"] - poll_lists,
        )
    finally:
        poller.RegionPoller._poll = original_poll  # type: ignore[method-assign]
        executor.Executor.run = original_run  # type: ignore[method-assign]
        pollreads.WaitingReader.__init__ = original_reader  # type: ignore[method-assign]
        os.environ.clear()
        os.environ.update(saved)


def one_apply(workdir: str, count: int, ready_after: float, latency: int, stack_size: int = 0) -> ApplyRun:
    with emulator(ready_after=ready_after, latency_ms=latency) as (url, app):
        seed(app, stack_size, "bench")
        while any(d["status"] != "ready" for d in app.store.list_deployments(REGIONS[0])):
            time.sleep(0.1)
        text = config_text(stack_size + count)
        path = write(workdir, f"apply-{count}-{stack_size}.yaml", text)
        return apply_in_process(app, url, path, workdir)


def bench_apply(workdir: str, sizes: list[int], ready_after: float, latency: int, rounds: int) -> None:
    for n in sizes:
        pairs = [
            (one_apply(workdir, 1, ready_after, latency), one_apply(workdir, n, ready_after, latency))
            for _ in range(rounds)
        ]
        ratios = [many.wall / one.wall for one, many in pairs]
        many = sorted((m for _, m in pairs), key=lambda r: r.wall)[len(pairs) // 2]
        beyond = (many.requests - many.poll_requests) / n
        row(
            f"apply {n} creations vs 1 (readiness {ready_after:g} s, parallelism 20, {latency} ms latency)",
            f"{statistics.median(ratios):.2f}x ({spread(ratios)}; {many.wall:.1f} s); {many.requests:,} requests, "
            f"{beyond:.2f} a creation beyond the polls; {many.protocol_lists} list calls of the create protocol",
            "≤ 1.5x, ≤ 3 requests a creation beyond the polls" if n >= 300 else "",
        )
        if n == max(sizes):
            row(
                f"requests per poll while {n} creations wait",
                f"{many.poll_requests / max(many.polls, 1):.2f} ({many.poll_requests} requests in {many.polls} polls)",
                f"≤ waiting/100 + 1 ({n / 100 + 1:g})",
            )
    empty = one_apply(workdir, 1, ready_after, latency, 0)
    full = one_apply(workdir, 1, ready_after, latency, 1000)
    row(
        "one creation into a stack of 1,000 vs into an empty stack (requests of the whole apply)",
        f"+{full.requests - empty.requests} ({full.requests} vs {empty.requests}; "
        f"{full.poll_requests} vs {empty.poll_requests} in polls)",
        "≤ +15",
    )


def interleaved(repeat: int, commands: dict[str, Callable[[], Run]]) -> dict[str, list[Run]]:
    """Each command once per round, in turn: every round's ratios compare runs made seconds
    apart, under the same load from the machine's other users."""
    runs: dict[str, list[Run]] = {name: [] for name in commands}
    for _ in range(repeat):
        for name, command in commands.items():
            done = command()
            if done.code not in (0,):
                raise SystemExit(f"{name}: unexpected exit {done.code}:\n{done.out[-1500:]}")
            runs[name].append(done)
    return runs


def cpu_ratio(runs: dict[str, list[Run]], a: str, b: str) -> str:
    """a's CPU over b's, the median of the rounds' ratios with their min-max and medians."""
    ratios = [x.cpu / y.cpu for x, y in zip(runs[a], runs[b], strict=True)]
    cpu_a, cpu_b = (statistics.median(r.cpu for r in runs[k]) for k in (a, b))
    return (
        f"{statistics.median(ratios):.2f}x ({spread(ratios)}; {cpu_a * 1000:.0f} ms vs {cpu_b * 1000:.0f} ms)"
    )


def python_importing(modules: str, thresholds: bool = False) -> list[str]:
    """An interpreter that imports `modules` and exits as infermod does (cli.entry); with
    `thresholds`, the collector's raised first, as infermod's entry does (infermod/__main__.py)."""
    first = f"gc.set_threshold(*{GC_THRESHOLDS!r}); " if thresholds else ""
    return [sys.executable, "-c", f"import gc; {first}import {modules}; gc.freeze()"]


# What every command imports (the CLI and YAML libraries), and what a plan adds: the official
# SDK's modules for the inference API and the Product Catalog (with requests, which they import)
CLI_LIBRARIES = "click, yaml"
SDK_MODULES = "scaleway.inference.v1, scaleway.product_catalog.v2alpha1"
# The plan's floor piece by piece, each step importing one more (its own cost is the difference):
# requests; the SDK's core API module (its package's version lookup, logging, dataclasses); the
# `scaleway` package every product module sits in (the core's client, profiles, waiters with
# asyncio, bridges with dateutil, a second version lookup); the inference module; the Product
# Catalog module; click and PyYAML last (what they add to the rest)
FLOOR_STEPS = (
    ("requests", "requests"),
    ("the SDK's core API module", "scaleway_core.api"),
    ("the `scaleway` package", "scaleway"),
    ("the inference module", "scaleway.inference.v1"),
    ("the Product Catalog module", SDK_MODULES),
    ("click and PyYAML", f"{CLI_LIBRARIES}, {SDK_MODULES}"),
)


def bench_terraform(workdir: str, repeat: int) -> None:
    """`infermod plan` of 100 unchanged deployments vs `terraform plan` of 100 terraform_data,
    with the floor under the plan: an interpreter importing only the libraries it needs."""
    terraform = shutil.which("terraform")
    if terraform is None:
        row(
            "`infermod plan` of 100 unchanged deployments vs `terraform plan` of 100 `terraform_data`",
            "skipped: no terraform on the PATH",
        )
        return
    tf_dir = os.path.join(workdir, "terraform")
    os.makedirs(tf_dir, exist_ok=True)
    with open(os.path.join(tf_dir, "main.tf"), "w") as fh:
        fh.write("".join(f'resource "terraform_data" "d{i}" {{\n  input = "d{i}"\n}}\n' for i in range(100)))
    rc = os.path.join(tf_dir, "terraformrc")
    open(rc, "w").close()
    tf_env = {
        **os.environ,
        "HOME": workdir,
        "TF_CLI_CONFIG_FILE": rc,
        "CHECKPOINT_DISABLE": "1",
        "TF_IN_AUTOMATION": "1",
    }
    for step in (["init", "-input=false"], ["apply", "-auto-approve", "-input=false"]):
        done = process([terraform, *step], tf_env, tf_dir)
        if done.code != 0:
            raise SystemExit(f"terraform {step[0]} failed:\n{done.out[-1500:]}")
    version = process([terraform, "version"], tf_env, tf_dir).out.split("\n", 1)[0]
    with emulator(ready_after=0) as (url, app):
        seed(app, 100, "bench")
        path = write(workdir, "tf-100.yaml", config_text(100))
        env = env_for(url, workdir)
        runs = interleaved(
            repeat,
            {
                "plan": lambda: infermod(["plan", "-f", path, "--detailed-exitcode"], env, workdir),
                "terraform": lambda: process(
                    [terraform, "plan", "-input=false", "-detailed-exitcode"], tf_env, tf_dir
                ),
                "bare": lambda: process([sys.executable, "-c", "pass"], env, workdir),
                **{
                    step: (lambda modules=modules: process(python_importing(modules), env, workdir))
                    for step, modules in FLOOR_STEPS
                },
                "thresholds": lambda: process(
                    python_importing(f"{CLI_LIBRARIES}, {SDK_MODULES}", thresholds=True), env, workdir
                ),
            },
        )
    row(
        f"`infermod plan` of 100 unchanged deployments vs `terraform plan` of 100 `terraform_data` ({version})",
        f"{cpu_ratio(runs, 'plan', 'terraform')} client CPU",
        "< 1x",
    )
    libraries = FLOOR_STEPS[-1][0]
    row(
        "  its floor: an interpreter importing only click, PyYAML and the SDK's inference and "
        "Product Catalog modules (requests with them), vs `terraform plan`",
        f"{cpu_ratio(runs, libraries, 'terraform')} CPU; with infermod's collector thresholds: "
        f"{cpu_ratio(runs, 'thresholds', 'terraform')}; a bare interpreter: {cpu_ratio(runs, 'bare', 'terraform')}",
    )
    median = {name: statistics.median(r.cpu for r in done) for name, done in runs.items()}
    steps, before = [], "bare"
    for step, _ in FLOOR_STEPS:
        own = median[step] - median[before]
        steps.append(f"{step} +{own * 1000:.0f} ms ({own / median['terraform']:.2f}x)")
        before = step
    own = median["plan"] - median["thresholds"]
    row(
        "  the floor piece by piece: each library's own CPU (what importing it adds to those before "
        "it, over a bare interpreter), as a share of `terraform plan`'s; and infermod's own part",
        "; ".join(steps) + f"; infermod's own part of the plan (over the floor with its thresholds): "
        f"+{own * 1000:.0f} ms ({own / median['terraform']:.2f}x)",
    )


def bench_emulator_pages(sizes: tuple[int, int] = (1000, 20000)) -> None:
    """A whole paged read (pages of 100, every page asked for) in the emulator, per page."""
    per_page = {}
    for n in sizes:
        app = Emulator(Settings(ready_after=0))
        app.store._check_quota = lambda *_a, **_k: None  # type: ignore[method-assign]
        seed(app, n, "bench")
        query = {"project_id": [PROJECT], "tags": ["infermod:stack=bench"], "page_size": ["100"]}
        start = time.perf_counter()
        for page in range(1, n // 100 + 1):
            app.list_deployments({"region": REGIONS[0]}, {**query, "page": [str(page)]}, None)
        per_page[n] = (time.perf_counter() - start) / (n // 100)
    small, large = sizes
    row(
        f"emulator: a page of 100 in a paged read of {large:,} vs of {small:,} deployments",
        f"{per_page[large] / per_page[small]:.2f}x ({per_page[large] * 1000:.2f} ms vs {per_page[small] * 1000:.2f} ms)",
        "O(page): ≈ 1x",
    )


def bench_startup(workdir: str, repeat: int) -> None:
    quickstart = os.path.join(ROOT, "examples", "quickstart.yaml")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SCW_", "INFERMOD_"))}
    env["HOME"] = workdir  # no ~/.config/scw: validate falls back to the shipped catalog
    bare = [sys.executable, "-c", "pass"]
    runs = interleaved(
        repeat,
        {
            "help": lambda: infermod(["--help"], env, workdir),
            "validate": lambda: infermod(["validate", "-f", quickstart], env, workdir),
            "libraries": lambda: process(python_importing(CLI_LIBRARIES), env, workdir),
            "bare": lambda: process(bare, env, workdir),
        },
    )

    def wall_ratio(a: str) -> str:
        ratios = [x.wall / y.wall for x, y in zip(runs[a], runs["bare"], strict=True)]
        wall_a, wall_b = (statistics.median(r.wall for r in runs[k]) for k in (a, "bare"))
        return f"{statistics.median(ratios):.1f}x ({spread(ratios)}; {wall_a * 1000:.0f} ms vs {wall_b * 1000:.0f} ms)"

    row(
        "`infermod --help` vs a bare interpreter",
        f"{wall_ratio('help')} wall; {cpu_ratio(runs, 'help', 'bare')} CPU",
    )
    row(
        "`infermod validate -f examples/quickstart.yaml` vs a bare interpreter",
        f"{wall_ratio('validate')} wall; {cpu_ratio(runs, 'validate', 'bare')} CPU",
        "≤ 3x",
    )
    row(
        "  its floor: an interpreter importing only click and PyYAML, vs a bare interpreter",
        f"{wall_ratio('libraries')} wall; {cpu_ratio(runs, 'libraries', 'bare')} CPU",
    )


def compile_bytecode() -> None:
    """Start-up is measured as an installed infermod starts: with its modules' bytecode
    written (pip writes it at install). A checkout run with PYTHONDONTWRITEBYTECODE set would
    otherwise compile every module from source at every start."""
    import compileall

    compileall.compile_dir(os.path.join(ROOT, "infermod"), quiet=1)


def write_readme() -> None:
    path = os.path.join(ROOT, "README.md")
    with open(path, encoding="utf-8") as fh:
        text = fh.read()
    table = "\n".join(
        ["| measure | figure | target |", "|---|---|---|"] + [f"| {m} | {f} | {t} |" for m, f, t in ROWS]
    )
    new, count = re.subn(
        r"(<!-- speed-table -->\n).*?(<!-- /speed-table -->)",
        lambda m: m[1] + table + "\n" + m[2],
        text,
        flags=re.S,
    )
    if count != 1:
        raise SystemExit("README.md has no <!-- speed-table --> ... <!-- /speed-table --> block")
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(new)
    print("README.md's speed table rewritten")


PARTS = ["startup", "plan", "apply", "emulator"]
PLAN_ROUNDS = 7  # the plans' rounds (at least): a step's CPU slope scatters with the machine's load


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per measure; medians are quoted")
    parser.add_argument(
        "--small",
        action="store_true",
        help="plan and load 1,000 and 5,000 deployments only (not 10,000, 20,000)",
    )
    parser.add_argument("--latency-ms", type=int, default=50, help="emulator latency for reads and apply")
    parser.add_argument("--apply-n", type=int, nargs="+", default=[10, 100, 300])
    parser.add_argument("--ready-after", type=float, default=5.0)
    parser.add_argument("--write-readme", action="store_true", help="rewrite README.md's speed table")
    parser.add_argument(
        "--only", nargs="+", choices=PARTS, default=PARTS, metavar="PART", help=f"measure only these: {PARTS}"
    )
    args = parser.parse_args()
    if args.write_readme and args.only != PARTS:
        parser.error("--write-readme rewrites the whole table: measure every part")
    started = time.perf_counter()
    compile_bytecode()
    parts = set(args.only)
    with tempfile.TemporaryDirectory() as workdir:
        if "startup" in parts:
            bench_startup(workdir, max(7, args.repeat))
            bench_terraform(workdir, max(7, args.repeat))
        if "plan" in parts:
            bench_plan_requests(workdir, args.latency_ms)
            sizes = [1000, 5000] if args.small else [1000, 5000, 10000, 20000]
            bench_config_load(workdir, sizes, max(5, args.repeat))
            bench_plan_cpu(workdir, sizes, max(PLAN_ROUNDS, args.repeat))
            bench_foreign(workdir, 5000, args.repeat)
        if "apply" in parts:
            bench_apply(workdir, args.apply_n, args.ready_after, args.latency_ms, args.repeat)
        if "emulator" in parts:
            bench_emulator_pages()
    print(f"benchmark finished in {time.perf_counter() - started:.0f} s", flush=True)
    if args.write_readme:
        write_readme()


if __name__ == "__main__":
    main()
