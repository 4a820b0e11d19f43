"""The shipped CI/CD component and plain template, run by gitlab-ci-local (shell executor)
against the emulator and a GitLab-like server. gitlab-ci-local 4.64.1 resolves a component of
the project's own repository at its own commit (`$CI_SERVER_FQDN/$CI_PROJECT_PATH/name@$CI_COMMIT_SHA`)
with `spec: inputs:`, so the component itself runs here, not a copy."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.conftest import ACCESS_KEY, PROJECT, SECRET_KEY, write
from tests.fake_gitlab import BOT_TOKEN, FakeGitLab

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


def outcome(result: subprocess.CompletedProcess[str], job: str) -> str:
    """The job's outcome as gitlab-ci-local shows it: "PASS", "WARN 3", "FAIL 1". Its own exit
    status is 0 for a job with `allow_failure: exit_codes` whatever code the job exits with
    (4.64.1 counts the object as "allowed"), so the tests read the job's line instead."""
    text = result.stdout + "\n" + result.stderr  # the summary goes to stderr
    job = re.escape(job)
    found = re.findall(rf"^{job} finished in .*?\s+(WARN \d+|FAIL \d+)\s*$|^ (PASS) +{job}\s*$", text, re.M)
    found = ["".join(groups) for groups in found]
    assert found, result.stdout[-3000:] + result.stderr[-2000:]
    return str(found[-1])


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.email=t@t", "-c", "user.name=t", *args],
        cwd=repo,
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout.strip()


def project(tmp_path: Path, ci_yaml: str, template: str, template_path: str) -> Path:
    """A user's repository: main was pushed before the configuration was added (so the
    configuration counts as changed for rules:changes), then the configuration commit."""
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    write(repo / "README.md", "models\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "init")
    git(repo, "update-ref", "refs/remotes/origin/main", "HEAD")
    git(repo, "remote", "add", "origin", "https://gitlab.example.com/team/models.git")
    (repo / template_path).parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / template, repo / template_path)
    write(repo / ".gitlab-ci.yml", ci_yaml)
    shutil.copy(ROOT / "examples" / "quickstart.yaml", repo / "infermod.yaml")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "configuration")
    return repo


COMPONENT_CI = """\
stages: [test, plan, ship]
include:
  - component: $CI_SERVER_FQDN/$CI_PROJECT_PATH/infermod@$CI_COMMIT_SHA
    inputs:
      image: python:3.12
      install: "$INFERMOD_TEST_INSTALL"
      plan_stage: plan
      apply_stage: ship
      environment: staging
      changes: ["infermod.yaml"]
      plan_args: "--deny-destroy"
"""

# The component once per environment: each with its own jobs, files, stages and environment.
TWO_ENVIRONMENTS_CI = """\
stages: [test, plan, deploy, ship]
include:
  - component: $CI_SERVER_FQDN/$CI_PROJECT_PATH/infermod@$CI_COMMIT_SHA
    inputs:
      name: staging
      files: deploy/staging.yaml
      environment: staging
      apply_when: on_success
      resource_group: infermod-staging
  - component: $CI_SERVER_FQDN/$CI_PROJECT_PATH/infermod@$CI_COMMIT_SHA
    inputs:
      name: production
      files: deploy/production.yaml
      environment: production
      plan_stage: plan
      apply_stage: ship
"""


def scw(emulator_url: str) -> dict[str, str]:
    # The read-only key is what plans use when it is set; the emulator accepts any key.
    return {
        "INFERMOD_PLAN_ACCESS_KEY": ACCESS_KEY,
        "INFERMOD_PLAN_SECRET_KEY": SECRET_KEY,
        "SCW_ACCESS_KEY": ACCESS_KEY,
        "SCW_SECRET_KEY": SECRET_KEY,
        "SCW_API_URL": emulator_url,
        "SCW_DEFAULT_PROJECT_ID": PROJECT,
        "INFERMOD_TEST_INSTALL": "true",  # infermod is already on PATH: no test installs packages
    }


def test_component_renders_the_release_image_environments_and_manual_apply(gitlab_ci_local, tmp_path):
    repo = project(tmp_path, TWO_ENVIRONMENTS_CI, "templates/infermod.yml", "templates/infermod.yml")
    result = run(gitlab_ci_local, repo, {}, "--preview")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    jobs = yaml.safe_load(result.stdout)
    names = {"validate", "plan", "apply", "drift"}
    assert {f"{env}:{job}" for env in ("staging", "production") for job in names} <= set(jobs)
    assert not any(name.startswith("infermod:") for name in jobs)  # no shared job set
    staging, production = jobs["staging:plan"], jobs["production:plan"]
    # Each job runs in the image of the commit the component was included at: GitLab 18.6+
    # fills in $[[ component.sha ]] (gitlab-ci-local 4.64.1 leaves it as written).
    assert staging["image"] == {"name": "$CI_REGISTRY/infermod/infermod:$INFERMOD_RELEASE_SHA"}
    assert staging["variables"]["INFERMOD_RELEASE_SHA"] == "$[[ component.sha ]]"
    assert staging["stage"] == "test" and production["stage"] == "plan"
    assert jobs["production:apply"]["stage"] == "ship"
    assert staging["environment"] == {"name": "staging", "action": "prepare"}
    assert production["environment"] == {"name": "production", "action": "prepare"}
    assert jobs["production:drift"]["environment"] == {"name": "production", "action": "prepare"}
    assert 'infermod plan -f "deploy/staging.yaml"' in "\n".join(staging["script"])
    assert 'infermod plan -f "deploy/production.yaml"' in "\n".join(production["script"])
    assert jobs["staging:apply"]["needs"][0]["job"] == "staging:plan"
    assert jobs["production:apply"]["needs"][0]["job"] == "production:plan"
    assert jobs["staging:apply"]["rules"][0]["when"] == "on_success"
    assert jobs["production:apply"]["rules"][0]["when"] == "manual"
    assert jobs["staging:apply"]["resource_group"] == "infermod-staging"
    assert jobs["production:apply"]["environment"] == {"name": "production", "action": "start"}
    assert staging["artifacts"]["access"] == "developer" and staging["allow_failure"] == {"exit_codes": [3]}
    assert staging["artifacts"]["reports"] == {"terraform": "infermod-plan.json"}
    assert jobs["staging:drift"]["rules"][0]["if"].startswith('$CI_PIPELINE_SOURCE == "schedule"')


def test_component_plans_comments_applies_and_reports_drift(gitlab_ci_local, emulator, sdk, tmp_path):
    repo = project(tmp_path, COMPONENT_CI, "templates/infermod.yml", "templates/infermod.yml")
    env = scw(emulator.url)
    fake = FakeGitLab()
    try:
        gitlab = {"CI_API_V4_URL": fake.url, "GITLAB_TOKEN": BOT_TOKEN}
        # A merge request from a fork: the pipeline runs in the fork, the note goes upstream.
        mr = {
            "CI_PIPELINE_SOURCE": "merge_request_event",
            "CI_MERGE_REQUEST_IID": "7",
            "CI_MERGE_REQUEST_PROJECT_ID": "42",
            "CI_PROJECT_ID": "99",
        }
        result = run(gitlab_ci_local, repo, {**env, **gitlab, **mr}, "infermod:plan")
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
        assert "Posted the plan on merge request !7" in result.stdout + result.stderr
        assert len(fake.ours()) == 1 and "2 to add" in fake.ours()[0]["body"]

        # The default branch: plan again, apply only what the merge request's note showed.
        main = {**env, **gitlab, "CI_PROJECT_ID": "42"}
        result = run(gitlab_ci_local, repo, main, "infermod:validate", "infermod:plan")
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
        assert "Plan: 2 to add, 0 to change, 0 to destroy." in result.stdout
        builds = repo / ".gitlab-ci-local" / "builds"  # each job's isolated checkout, reports included
        report = json.loads((builds / "infermodOgplan" / "infermod-plan.json").read_text())
        assert report == {"create": 2, "update": 0, "delete": 0}
        assert isinstance(
            json.loads((builds / "infermodOgvalidate" / "gl-codequality.json").read_text()), list
        )
        assert (repo / ".gitlab-ci-local" / "artifacts" / "infermodOgplan" / "plan.json").exists()
        # GitLab knows no merge request for this commit (a direct push): refused, nothing applied
        result = run(gitlab_ci_local, repo, main, "--manual", "infermod:apply", "infermod:apply")
        assert outcome(result, "infermod:apply") == "FAIL 1"
        assert "came with no merged merge request into main" in result.stdout + result.stderr
        assert list(sdk.list_deployments_all()) == []
        fake.merged(git(repo, "rev-parse", "HEAD"))
        result = run(gitlab_ci_local, repo, main, "--manual", "infermod:apply", "infermod:apply")
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
        assert "This plan is the plan reviewed on merge request !7" in result.stdout + result.stderr
        assert "Apply complete! Deployments: 2 added" in result.stdout
        assert sorted(d.name for d in sdk.list_deployments_all()) == ["chat", "embeddings"]

        result = run(gitlab_ci_local, repo, {**env, **gitlab, **mr}, "infermod:plan")
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
        assert len(fake.ours()) == 1 and "No changes" in fake.ours()[0]["body"]
        # GitLab refuses the token: the plan stands, the job is a visible warning (exit 3)
        result = run(
            gitlab_ci_local, repo, {**env, **gitlab, **mr, "GITLAB_TOKEN": "revoked"}, "infermod:plan"
        )
        assert (
            outcome(result, "infermod:plan") == "WARN 3" and "answered 401" in result.stdout + result.stderr
        )

        # Someone scales a deployment by hand: the scheduled pipeline finds the drift.
        chat = next(d for d in sdk.list_deployments_all() if d.name == "chat")
        sdk.update_deployment(deployment_id=chat.id, min_size=2, max_size=2)
        schedule = {"CI_PIPELINE_SOURCE": "schedule", "CI_PROJECT_ID": "42"}
        result = run(gitlab_ci_local, repo, {**env, **gitlab, **schedule}, "infermod:drift")
        assert "Opened drift issue #1" in result.stdout + result.stderr, (
            result.stdout[-3000:] + result.stderr[-2000:]
        )
        assert result.returncode == 0 and "WARN 2" in result.stdout + result.stderr  # allowed, shown
        assert fake.issues[0]["labels"] == ["infermod-drift"] and fake.issues[0]["state"] == "opened"
    finally:
        fake.close()


def test_plain_template_still_works(gitlab_ci_local, emulator, tmp_path):
    ci = "include:\n  - local: infermod.gitlab-ci.yml\n"
    repo = project(tmp_path, ci, "templates/gitlab/infermod.gitlab-ci.yml", "infermod.gitlab-ci.yml")
    # --comment-required where there is no merge request (the default branch) is dropped
    env = {
        **scw(emulator.url),
        "INFERMOD_INSTALL": "true",
        "INFERMOD_PLAN_ARGS": "--comment-required --deny-destroy",
    }
    result = run(gitlab_ci_local, repo, env, "infermod:plan")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "Plan: 2 to add, 0 to change, 0 to destroy." in result.stdout
    assert outcome(result, "infermod:plan") == "PASS"
    result = run(gitlab_ci_local, repo, {**env, "INFERMOD_INSTALL": "exit 7"}, "infermod:plan")
    assert outcome(result, "infermod:plan") == "FAIL 7"  # a failed install stops the job
    # In a merge request whose note cannot be written: a warning, or a failure when required.
    fake = FakeGitLab()
    try:
        mr = {
            "CI_PIPELINE_SOURCE": "merge_request_event",
            "CI_MERGE_REQUEST_IID": "7",
            "CI_PROJECT_ID": "42",
            "CI_API_V4_URL": fake.url,
            "GITLAB_TOKEN": "revoked",
            "INFERMOD_PLAN_ARGS": "--deny-destroy",
        }
        result = run(gitlab_ci_local, repo, {**env, **mr}, "infermod:plan")
        assert outcome(result, "infermod:plan") == "WARN 3"
        result = run(
            gitlab_ci_local, repo, {**env, **mr, "INFERMOD_COMMENT_REQUIRED": "true"}, "infermod:plan"
        )
        assert (
            outcome(result, "infermod:plan") == "FAIL 1" and "answered 401" in result.stdout + result.stderr
        )
        # The default branch, a commit no merge request brought: refused, unless allowed for
        # this pipeline (INFERMOD_ALLOW_UNREVIEWED), then applied with a warning.
        main = {**env, "CI_API_V4_URL": fake.url, "GITLAB_TOKEN": BOT_TOKEN, "CI_PROJECT_ID": "42"}
        assert outcome(run(gitlab_ci_local, repo, main, "infermod:plan"), "infermod:plan") == "PASS"
        result = run(gitlab_ci_local, repo, main, "--manual", "infermod:apply", "infermod:apply")
        assert outcome(result, "infermod:apply") == "FAIL 1"
        assert "this plan was never reviewed; nothing was applied" in result.stdout + result.stderr
        allowed = {**main, "INFERMOD_ALLOW_UNREVIEWED": "true"}
        result = run(gitlab_ci_local, repo, allowed, "--manual", "infermod:apply", "infermod:apply")
        assert outcome(result, "infermod:apply") == "PASS", result.stdout[-3000:] + result.stderr[-2000:]
        assert "applied anyway (--allow-unreviewed)" in result.stdout + result.stderr
        assert "Apply complete! Deployments: 2 added" in result.stdout
    finally:
        fake.close()
