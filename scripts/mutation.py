"""Mutation testing of infermod's safety-critical modules with cosmic-ray.

    .venv/bin/pip install -e '.[dev,mutation]'      # once: cosmic-ray
    .venv/bin/python scripts/mutation.py            # every module below (hours on 2 cores)
    .venv/bin/python scripts/mutation.py guard create --budget 1800
    .venv/bin/python scripts/mutation.py --report   # only rewrite tests/README.md

Each module is mutated in a copy of the working tree (a sibling directory of the checkout, so
that `../shared` resolves there too), one mutant at a time, and only the tests that aim at it
run (`pytest -x`, niced): the machine is shared. Results go to scripts/mutation-results/
(one JSON file per module, committed), and tests/README.md's "Mutation score" section is
rewritten from all of them. A survivor is either killed by a new test, or listed in
scripts/mutation-equivalent.json with the reason it changes nothing observable.

Operators left out (the `exclude-operators` below): arithmetic swaps other than + and -
(mostly TypeErrors, 12 mutants per operator, all of them cost a test run), `==` -> `is` on
values (equivalent on small ints and interned strings, else flaky), variable inserters and
decorator removal (lru_cache removal is equivalent).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "scripts" / "mutation-results"
EQUIVALENT = ROOT / "scripts" / "mutation-equivalent.json"
README = ROOT / "tests" / "README.md"
BEGIN, END = "<!-- mutation:begin -->", "<!-- mutation:end -->"

# name -> (module, the tests that aim at it: paths, then an optional -k expression)
MODULES: dict[str, tuple[str, list[str]]] = {
    "guard": ("infermod/apply/guard.py", ["tests/apply/test_guard.py"]),
    "create": (
        "infermod/apply/create.py",
        [
            "tests/apply/test_create.py",
            "tests/test_concurrency.py",
            "-k",
            "not two_machines and not sandboxes",
        ],
    ),
    "secrets": ("infermod/secrets.py", ["tests/test_secrets.py", "tests/scw/test_httplog.py"]),
    "output": ("infermod/output.py", ["tests/test_output.py", "tests/test_secrets.py"]),
    "closed": ("infermod/config/closed.py", ["tests/config/test_closed.py", "tests/config/test_load.py"]),
    "schema": (
        "infermod/config/schema.py",
        [
            "tests/config/test_schema.py",
            "tests/test_regions.py",
            "tests/commands/test_startup.py",  # jsonschema is imported only when a file has problems
            "-k",
            "not test_startup or jsonschema",
        ],
    ),
    "safety": ("infermod/rules/safety.py", ["tests/rules/test_safety.py", "tests/test_ownership.py"]),
    "fit": ("infermod/rules/fit.py", ["tests/rules/test_fit.py", "tests/rules/test_fit_real_shapes.py"]),
    "lifecycle": ("infermod/rules/lifecycle.py", ["tests/rules/test_lifecycle.py", "tests/test_rules.py"]),
    "plan-exit": (
        "infermod/commands/plan.py",
        [
            "tests/commands/test_plan.py",
            "tests/test_exit_codes.py",
            "tests/gitlab",
            "tests/test_targeting.py",  # only its quick test of --target against --drift-issue
            "-k",
            "not test_targeting or test_bad_targets",
        ],
    ),
    "markdown": ("infermod/render/markdown.py", ["tests/render/test_markdown.py", "tests/test_render.py"]),
    "reports": ("infermod/gitlab/reports.py", ["tests/gitlab/test_reports.py"]),
    "drift": ("infermod/gitlab/drift.py", ["tests/gitlab/test_drift.py"]),
}

EXCLUDED_OPERATORS = [
    r"core/ReplaceBinaryOperator_(?!Add_Sub$|Sub_Add$)",
    r"core/ReplaceComparisonOperator_(Eq|NotEq|Lt|LtE|Gt|GtE|In|NotIn)_(Is|IsNot)$",
    r"core/ReplaceComparisonOperator_(Lt|LtE|Gt|GtE)_(In|NotIn)$",
    r"core/ReplaceComparisonOperator_(In|NotIn)_(Lt|LtE|Gt|GtE)$",
    r"core/VariableInserter",
    r"core/VariableReplacer",
    r"core/RemoveDecorator",
]


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("modules", nargs="*", help=f"default: all of {', '.join(MODULES)}")
    parser.add_argument("--budget", type=float, default=6 * 3600.0, help="seconds for the whole run")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds for one mutant's tests")
    parser.add_argument("--report", action="store_true", help="only rewrite tests/README.md")
    args = parser.parse_args()
    unknown = [m for m in args.modules if m not in MODULES]
    if unknown:
        parser.error(f"unknown module(s) {', '.join(unknown)}; known: {', '.join(MODULES)}")
    if not args.report:
        tool = shutil.which("cosmic-ray", path=str(Path(sys.executable).parent))
        if tool is None:
            print("cosmic-ray is not installed: .venv/bin/pip install -e '.[dev,mutation]'", file=sys.stderr)
            return 1
        end = time.monotonic() + args.budget
        for name in args.modules or list(MODULES):
            if time.monotonic() >= end:
                print(f"budget spent: {name} and the rest not run", file=sys.stderr)
                break
            run(name, Path(tool).parent, args.timeout, end)
    write_readme()
    return 0


def run(name: str, bindir: Path, timeout: float, end: float) -> None:
    module, tests = MODULES[name]
    work = ROOT.parent / f".mutation-{ROOT.name}"
    shutil.rmtree(work, ignore_errors=True)
    files = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")
    for f in filter(None, files):
        src = ROOT / f.decode()
        if src.is_file() and not src.is_symlink():
            (work / f.decode()).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, work / f.decode())
    (work / "infermod" / "data" / "infermod.schema.json").unlink(missing_ok=True)
    shutil.copy2(
        ROOT / "schemas" / "infermod.schema.json", work / "infermod" / "data" / "infermod.schema.json"
    )
    command = " ".join(
        [f"nice -n 19 {sys.executable} -m pytest -x -q -n 0 -p no:cacheprovider", *map(_quote, tests)]
    )
    config = work / "mutation.toml"
    config.write_text(
        "[cosmic-ray]\n"
        f'module-path = "{module}"\n'
        f"timeout = {timeout}\n"
        "excluded-modules = []\n"
        f'test-command = "{command.replace(chr(34), chr(92) + chr(34))}"\n'
        '[cosmic-ray.distributor]\nname = "local"\n'
        "[cosmic-ray.filters.operators-filter]\n"
        f"exclude-operators = {json.dumps(EXCLUDED_OPERATORS)}\n"
    )
    env = {**os.environ, "PYTHONPATH": str(work)}
    session = work / "session.sqlite"
    started = time.monotonic()
    subprocess.run([bindir / "cosmic-ray", "init", config, session], cwd=work, env=env, check=True)
    subprocess.run([bindir / "cr-filter-operators", session, config], cwd=work, env=env, check=True)
    left = max(60.0, end - time.monotonic())
    try:
        subprocess.run(
            ["nice", "-n", "19", bindir / "cosmic-ray", "exec", config, session],
            cwd=work,
            env=env,
            timeout=left,
            check=False,
        )
    except subprocess.TimeoutExpired:
        print(
            f"{name}: budget spent before every mutant ran; the score counts those that did", file=sys.stderr
        )
    dump = subprocess.run(
        [bindir / "cosmic-ray", "dump", session],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    save(name, module, dump, time.monotonic() - started)
    shutil.rmtree(work, ignore_errors=True)


def _quote(arg: str) -> str:
    return f"'{arg}'" if " " in arg else arg


def save(name: str, module: str, dump: str, seconds: float) -> None:
    killed = survived = skipped = pending = 0
    survivors: list[dict[str, object]] = []
    for line in dump.splitlines():
        item, result = json.loads(line)
        if result is None:
            pending += 1
            continue
        if result.get("worker_outcome") == "skipped":
            skipped += 1
            continue
        outcome = result.get("test_outcome")
        if outcome == "survived":
            survived += 1
            mutation = item["mutations"][0]
            old, new = _changed_lines(result.get("diff") or "")
            survivors.append(
                {
                    "operator": mutation["operator_name"],
                    "line": mutation["start_pos"][0],
                    "old": old,
                    "new": new,
                }
            )
        else:  # killed, or incompetent (the mutant does not even import): caught either way
            killed += 1
    RESULTS.mkdir(parents=True, exist_ok=True)
    data = {
        "module": module,
        "killed": killed,
        "survived": survived,
        "not_run": pending,
        "filtered_out": skipped,
        "seconds": round(seconds),
        "date": time.strftime("%Y-%m-%d", time.gmtime()),
        "survivors": sorted(survivors, key=lambda s: (int(str(s["line"])), str(s["operator"]))),
    }
    (RESULTS / f"{name}.json").write_text(json.dumps(data, indent=1) + "\n")
    print(f"{name}: {killed} killed, {survived} survived, {pending} not run ({round(seconds)} s)")


def _changed_lines(diff: str) -> tuple[str, str]:
    old = [
        line[1:].strip() for line in diff.splitlines() if line.startswith("-") and not line.startswith("---")
    ]
    new = [
        line[1:].strip() for line in diff.splitlines() if line.startswith("+") and not line.startswith("+++")
    ]
    return " / ".join(old), " / ".join(new)


def write_readme() -> None:
    equivalent = json.loads(EQUIVALENT.read_text()) if EQUIVALENT.exists() else []
    reasons = {(e["module"], e["old"], e["new"]): e["reason"] for e in equivalent}
    rows, listed = [], []
    total_killed = total_counted = 0
    for name in MODULES:
        path = RESULTS / f"{name}.json"
        if not path.exists():
            rows.append(f"| {name} | `{MODULES[name][0]}` | not run yet | | | |")
            continue
        data = json.loads(path.read_text())
        module = data["module"]
        equiv = [s for s in data["survivors"] if (module, s["old"], s["new"]) in reasons]
        alive = [s for s in data["survivors"] if (module, s["old"], s["new"]) not in reasons]
        counted = data["killed"] + len(alive)  # an equivalent mutant is not a mutant of behaviour
        score = 100.0 * data["killed"] / counted if counted else 100.0
        total_killed, total_counted = total_killed + data["killed"], total_counted + counted
        not_run = f", {data['not_run']} not run (budget)" if data["not_run"] else ""
        rows.append(
            f"| {name} | `{module}` | {score:.1f} % | {data['killed']} | {len(alive)} | "
            f"{len(equiv)} equivalent{not_run} ({data['date']}, {data['seconds']} s) |"
        )
        for s in data["survivors"]:
            reason = reasons.get((module, s["old"], s["new"]))
            what = f"equivalent: {reason}" if reason else "**survives: needs a test**"
            listed.append(f"- `{module}:{s['line']}` `{s['old']}` → `{s['new']}` — {what}")
    overall = f"{100.0 * total_killed / total_counted:.1f} %" if total_counted else "n/a"
    text = "\n".join(
        [
            BEGIN,
            "## Mutation score",
            "",
            "Written by `scripts/mutation.py` (cosmic-ray, one module at a time, each against the tests",
            "that aim at it; not part of `.ci/run`: a full run takes hours on two cores). Score = killed /",
            f"(killed + surviving), equivalent mutants left out. Overall on the modules run: **{overall}**.",
            "",
            "| name | module | score | killed | surviving | notes |",
            "|---|---|---|---|---|---|",
            *rows,
            "",
            "Surviving and equivalent mutants:",
            "",
            *(listed or ["- none"]),
            END,
        ]
    )
    current = README.read_text()
    if BEGIN in current:
        before, _, rest = current.partition(BEGIN)
        _, _, after = rest.partition(END)
        current = before + text + after
    else:
        current = current.rstrip("\n") + "\n\n" + text + "\n"
    README.write_text(current)


if __name__ == "__main__":
    sys.exit(main())
