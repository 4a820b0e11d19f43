"""The shipped CI template, run end to end by gitlab-ci-local (shell executor) against the emulator."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import ACCESS_KEY, PROJECT, SECRET_KEY, write

ROOT = Path(__file__).resolve().parent.parent
TOOLS = ROOT / ".test-tools"
VERSION = "4.64.1"  # the newest that runs on Node 20


@pytest.fixture(scope="session")
def gitlab_ci_local() -> str:
    """Installed by scripts/install-test-tools.sh (run by .ci/run); a test never installs anything."""
    binary = TOOLS / "node_modules" / ".bin" / "gitlab-ci-local"
    if not shutil.which("rsync"):
        pytest.skip("rsync is not installed (gitlab-ci-local needs it): run scripts/install-test-tools.sh")
    if not binary.exists():
        pytest.skip(f"gitlab-ci-local {VERSION} is not installed: run scripts/install-test-tools.sh")
    version = subprocess.run([str(binary), "--version"], capture_output=True, text=True, timeout=60)
    if version.stdout.strip() != VERSION:
        pytest.skip(
            f"gitlab-ci-local {version.stdout.strip()} found, {VERSION} expected: run scripts/install-test-tools.sh"
        )
    return str(binary)


def run(binary: str, cwd: Path, env_vars: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    variables = [arg for key, value in env_vars.items() for arg in ("--variable", f"{key}={value}")]
    return subprocess.run(
        [binary, "--force-shell-executor", "--shell-isolation", "--no-color", *variables, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "HOME": str(cwd.parent / "home")},
    )


def test_template_validates_plans_and_applies_the_plan_artifact(gitlab_ci_local, emulator, sdk, tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    shutil.copy(ROOT / "templates" / "gitlab" / "infermod.gitlab-ci.yml", repo / "infermod.gitlab-ci.yml")
    write(repo / ".gitlab-ci.yml", "include:\n  - local: infermod.gitlab-ci.yml\n")
    shutil.copy(ROOT / "examples" / "quickstart.yaml", repo / "infermod.yaml")
    for cmd in (
        ["git", "init", "-q", "-b", "main"],
        ["git", "add", "-A"],
        ["git", "-c", "user.email=t@t", "-c", "user.name=t", "commit", "-qm", "init"],
        ["git", "remote", "add", "origin", "https://gitlab.example.com/team/models.git"],
    ):
        subprocess.run(cmd, cwd=repo, check=True)
    env = {
        "SCW_ACCESS_KEY": ACCESS_KEY,
        "SCW_SECRET_KEY": SECRET_KEY,
        "SCW_API_URL": emulator.url,
        "SCW_DEFAULT_PROJECT_ID": PROJECT,
        "INFERMOD_INSTALL": "true",
    }
    result = run(gitlab_ci_local, repo, env, "infermod:validate", "infermod:plan")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "Plan: 2 to add, 0 to change, 0 to destroy." in result.stdout
    builds = repo / ".gitlab-ci-local" / "builds"  # each job's isolated checkout, reports included
    report = json.loads((builds / "infermodOgplan" / "infermod-plan.json").read_text())
    assert report == {"create": 2, "update": 0, "delete": 0}
    assert isinstance(json.loads((builds / "infermodOgvalidate" / "gl-codequality.json").read_text()), list)
    assert (repo / ".gitlab-ci-local" / "artifacts" / "infermodOgplan" / "plan.json").exists()
    (repo / "plan.json").unlink(missing_ok=True)  # apply must get the plan from the plan job's artifact
    result = run(gitlab_ci_local, repo, env, "--manual", "infermod:apply", "infermod:apply")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "Apply complete! Deployments: 2 added" in result.stdout
    assert sorted(d.name for d in sdk.list_deployments_all()) == ["chat", "embeddings"]
