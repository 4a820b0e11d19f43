"""Speed at scale, measured against `infermod emulator --latency-ms 50`.

Prints, for N = 10, 100 and 1,000 owned deployments spread over 3 regions: the API requests
one `infermod plan` makes and its wall time; then the wall time of applying 1 and 20
independent creations with --ready-after 2; then the start-up time of `infermod --help` and
of `infermod validate` on the quickstart. Runs in a few minutes on 2 cores.

    python benchmarks/plan_scale.py [--sizes 10,100,1000] [--latency-ms 50]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

import requests

REGIONS = ("fr-par", "nl-ams", "pl-waw")
PROJECT = "11111111-1111-4111-8111-111111111111"
ENV = {
    "SCW_ACCESS_KEY": "SCWBENCHACCESSKEY000",
    "SCW_SECRET_KEY": "9f8e7d6c-5b4a-4321-8765-0123456789ab",
    "SCW_DEFAULT_PROJECT_ID": PROJECT,
    "SCW_DEFAULT_REGION": "fr-par",
    "SCW_CONFIG_PATH": os.devnull,
}
STACK = "bench"
MODEL = "meta/llama-3.1-8b-instruct:fp8"


def start_emulator(*args: str) -> tuple[subprocess.Popen[str], str]:
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


def config_text(n: int) -> str:
    lines = ["version: 1", f"stack: {STACK}", "deployments:"]
    for i in range(n):
        lines += [
            f"  d{i}:",
            f"    region: {REGIONS[i % 3]}",
            f"    model: {MODEL}",
            "    node_type: L4",
            "    accept_eula: true",
            "    endpoints: [{public: true}]",
        ]
    return "\n".join(lines) + "\n"


def create_directly(url: str, n: int) -> None:
    """Owned deployments made through the SDK, as a previous apply would have left them."""
    from scaleway import Client
    from scaleway.inference.v1 import EndpointPublicNetworkDetails, EndpointSpec, InferenceV1API

    client = Client(
        access_key=ENV["SCW_ACCESS_KEY"],
        secret_key=ENV["SCW_SECRET_KEY"],
        api_url=url,
        default_project_id=PROJECT,
        default_region="fr-par",
    )
    api = InferenceV1API(client)
    public = "00000000-0000-0000-0000-000000000000"  # catalog models live in the zero project
    model_ids = {
        r: next(m.id for m in api.list_models_all(region=r, project_id=public) if m.name == MODEL) for r in REGIONS
    }

    def one(i: int) -> None:
        region = REGIONS[i % 3]
        api.create_deployment(
            region=region,
            model_id=model_ids[region],
            node_type_name="L4",
            name=f"d{i}",
            endpoints=[EndpointSpec(disable_auth=False, public_network=EndpointPublicNetworkDetails())],
            accept_eula=True,
            min_size=1,
            max_size=1,
            tags=[f"infermod:stack={STACK}", f"infermod:name=d{i}"],
        )

    with ThreadPoolExecutor(max_workers=32) as pool:
        list(pool.map(one, range(n)))


def infermod(url: str, *args: str, cwd: str) -> tuple[float, subprocess.CompletedProcess[str]]:
    env = {**os.environ, **ENV, "SCW_API_URL": url}
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "infermod", *args], cwd=cwd, env=env, capture_output=True, text=True
    )
    return time.perf_counter() - start, result


def bench_plans(sizes: list[int], latency: int, workdir: str) -> None:
    proc, url = start_emulator("--latency-ms", str(latency), "--ready-after", "0")
    try:
        print(f"plan at {latency} ms latency per request, deployments over {len(REGIONS)} regions")
        print(f"{'N':>6} {'requests':>9} {'wall time':>10}  result")
        for n in sizes:
            requests.post(f"{url}/emulator/v1/reset", timeout=30)
            create_directly(url, n)
            path = os.path.join(workdir, f"plan-{n}.yaml")
            with open(path, "w") as fh:
                fh.write(config_text(n))
            before = requests.get(f"{url}/emulator/v1/stats", timeout=30).json()["total"]
            seconds, result = infermod(url, "plan", "-f", path, "--detailed-exitcode", cwd=workdir)
            count = requests.get(f"{url}/emulator/v1/stats", timeout=30).json()["total"] - before
            verdict = (
                "no changes"
                if result.returncode == 0
                else f"exit {result.returncode}: {result.stderr.strip()[:120]}"
            )
            print(f"{n:>6} {count:>9} {seconds:>9.2f}s  {verdict}")
    finally:
        proc.terminate()
        proc.wait()


def bench_list_server_time() -> None:
    """Listing 1,000 deployments (10 pages of 100), with no injected latency: server time."""
    proc, url = start_emulator("--ready-after", "0")
    try:
        create_directly(url, 999)  # 333 in each of the 3 regions...
        create_directly(url, 1)  # ...plus one: the fr-par list below reads 334, so list all three
        session = requests.Session()
        headers = {"x-auth-token": ENV["SCW_SECRET_KEY"]}
        runs = []
        for _ in range(5):
            start = time.perf_counter()
            count = 0
            for region in REGIONS:
                for page in range(1, 5):
                    body = session.get(
                        f"{url}/inference/v1/regions/{region}/deployments",
                        params={"page": page, "page_size": 100, "project_id": PROJECT},
                        headers=headers,
                        timeout=30,
                    ).json()
                    count += len(body["deployments"])
            runs.append(time.perf_counter() - start)
        print(
            f"emulator: listing {count} deployments in pages of 100 takes {statistics.median(runs) * 1000:.0f} ms (median of 5, client included)"
        )
    finally:
        proc.terminate()
        proc.wait()


def bench_apply(workdir: str, latency: int) -> None:
    proc, url = start_emulator("--latency-ms", str(latency), "--ready-after", "2")
    try:
        times = {}
        for n in (1, 20):
            requests.post(f"{url}/emulator/v1/reset", timeout=30)
            path = os.path.join(workdir, f"apply-{n}.yaml")
            with open(path, "w") as fh:
                fh.write(
                    config_text(n)
                    .replace("region: nl-ams", "region: fr-par")
                    .replace("region: pl-waw", "region: fr-par")
                )
            seconds, result = infermod(url, "apply", "-f", path, "--auto-approve", cwd=workdir)
            if result.returncode != 0:
                raise SystemExit(f"apply of {n} failed: {result.stdout[-500:]} {result.stderr[-500:]}")
            times[n] = seconds
        print(
            f"apply with --ready-after 2: 1 creation {times[1]:.2f}s, 20 independent creations {times[20]:.2f}s "
            f"({times[20] / times[1]:.2f}x the time of one)"
        )
    finally:
        proc.terminate()
        proc.wait()


def bench_startup(workdir: str) -> None:
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    quickstart = os.path.join(root, "examples", "quickstart.yaml")
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCW_")}
    for label, args in (
        ("infermod --help", ["--help"]),
        ("infermod validate -f examples/quickstart.yaml", ["validate", "-f", quickstart]),
    ):
        runs = []
        for _ in range(7):
            start = time.perf_counter()
            subprocess.run(
                [sys.executable, "-m", "infermod", *args],
                cwd=workdir,
                env=env,
                capture_output=True,
                check=False,
            )
            runs.append(time.perf_counter() - start)
        print(f"start-up, {label}: median {statistics.median(runs):.3f}s (min {min(runs):.3f}s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10,100,1000")
    parser.add_argument("--latency-ms", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        started = time.perf_counter()
        bench_plans([int(s) for s in args.sizes.split(",")], args.latency_ms, workdir)
        bench_list_server_time()
        bench_apply(workdir, args.latency_ms)
        bench_startup(workdir)
        print(f"benchmark finished in {time.perf_counter() - started:.0f}s")


if __name__ == "__main__":
    main()
