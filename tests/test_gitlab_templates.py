"""The GitLab version the templates need is the newest keyword they use, and the README says it.

Every keyword the templates use must be in the table below with the GitLab release that
brought it, so a new keyword (or a newer form of an old one) cannot raise the minimum unseen:
the test fails until it is added here and the README's minimum follows.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
COMPONENT = ROOT / "templates" / "infermod.yml"
PLAIN = ROOT / "templates" / "gitlab" / "infermod.gitlab-ci.yml"

# GitLab releases that brought a keyword the templates use, as GitLab's CI/CD YAML reference
# and release notes give them. Keywords from before GitLab 16.0 share OLD: the templates'
# minimum is set by the newer ones.
OLD = (16, 0)
KEYWORDS: dict[str, tuple[int, int]] = {
    "spec:component": (18, 6),  # component context: $[[ component.sha ]] / version
    "artifacts:access": (16, 11),  # GitLab 16.10 rejects it
    "spec:inputs": OLD,
    "spec:inputs:*:default": OLD,
    "spec:inputs:*:description": (16, 5),
    "spec:inputs:*:regex": (16, 5),
    "spec:inputs:*:options": (16, 6),
    "spec:inputs:*:type": (16, 6),
    "include:component": (16, 0),
    **{
        keyword: OLD
        for keyword in (
            "variables",
            "stages",
            "include",
            "include:component:inputs",
            "image",
            "stage",
            "extends",
            "before_script",
            "script",
            "allow_failure:exit_codes",
            "artifacts:when",
            "artifacts:expire_in",
            "artifacts:paths",
            "artifacts:reports:codequality",
            "artifacts:reports:junit",
            "artifacts:reports:terraform",
            "environment:name",
            "environment:action",
            "needs:job",
            "needs:artifacts",
            "resource_group",
            "rules:if",
            "rules:changes",
            "rules:when",
        )
    },
}


def minimum(text: str) -> tuple[int, int]:
    return max(KEYWORDS[k] for k in keywords(text))


def keywords(text: str) -> Iterator[str]:
    documents = list(yaml.safe_load_all(text))
    if len(documents) == 2:  # a component: its spec header, then its jobs
        header, jobs = documents
        yield "spec:inputs"
        for name in header["spec"]:
            if name != "inputs":
                yield f"spec:{name}"
        for spec in header["spec"]["inputs"].values():
            yield from (f"spec:inputs:*:{key}" for key in spec)
    else:
        (jobs,) = documents
    for name, job in jobs.items():
        if name in ("variables", "stages"):
            yield name
        elif name == "include":
            yield "include"
            for item in job:
                yield from (
                    (f"include:{key}" for key in item if key != "component") if isinstance(item, dict) else ()
                )
                if isinstance(item, dict) and "component" in item:
                    yield "include:component"
                    yield from (["include:component:inputs"] if "inputs" in item else [])
        else:
            yield from _job_keywords(job)


def _job_keywords(job: dict[str, Any]) -> Iterator[str]:
    for key, value in job.items():
        if key in ("variables", "script", "before_script", "image", "stage", "extends", "resource_group"):
            yield key
        elif key == "rules" or key == "needs":
            for item in value:
                yield from (f"{key}:{sub}" for sub in item)
        elif key == "artifacts":
            for sub, inner in value.items():
                if sub == "reports":
                    yield from (f"artifacts:reports:{report}" for report in inner)
                else:
                    yield f"artifacts:{sub}"
        elif isinstance(value, dict):  # environment, allow_failure
            yield from (f"{key}:{sub}" for sub in value)
        else:
            yield key  # unknown to the table: KEYWORDS[...] fails and names it


def stated(readme: str, what: str) -> tuple[int, int]:
    words = r"\s+".join(map(re.escape, what.split()))
    found = re.search(rf"{words}[^.]*?\s+needs\s+GitLab\s+(\d+)\.(\d+)\s+or\s+later", readme)
    assert found, f"README does not state the GitLab version {what} needs"
    return int(found.group(1)), int(found.group(2))


def test_every_keyword_is_known_and_the_readme_states_the_minimum():
    readme = (ROOT / "README.md").read_text()
    component, plain = minimum(COMPONENT.read_text()), minimum(PLAIN.read_text())
    assert component == (18, 6) and plain == (16, 11)
    assert stated(readme, "The component") == component
    assert stated(readme, "The plain template") == plain
    assert f"GitLab {component[0]}.{component[1]} or later" in COMPONENT.read_text()
    assert f"GitLab {plain[0]}.{plain[1]} or later" in PLAIN.read_text()


def test_a_newer_keyword_raises_the_minimum():
    """The check can fail: a keyword outside the table, or a newer one, is caught."""
    text = PLAIN.read_text().replace(
        "  resource_group: infermod", "  resource_group: infermod\n  hooks: {pre_get_sources_script: [true]}"
    )
    try:
        minimum(text)
    except KeyError as exc:
        assert "hooks" in str(exc)
    else:
        raise AssertionError("an unknown keyword was accepted")
    without_access = PLAIN.read_text().replace("    access: developer", "")
    assert minimum(without_access) == OLD


def test_templates_and_readme_pin_this_release():
    """A release bumps pyproject's version: the plain template's image and the README's
    include lines follow (the component needs no version: it pins the commit it is included at)."""
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    plain = PLAIN.read_text()
    assert f'INFERMOD_VERSION: "{version}"' in plain and f"ref: {version} " in plain
    readme = (ROOT / "README.md").read_text()
    assert f"/infermod/infermod@{version}" in readme and f"ref: {version}" in readme
    assert "@v" + version not in readme + plain  # one tag, without "v"
    header = yaml.safe_load(COMPONENT.read_text().split("\n---\n")[0])["spec"]
    assert header["component"] == ["sha", "version"]
    assert "$INFERMOD_RELEASE_SHA" in header["inputs"]["image"]["default"]
    for text in (COMPONENT.read_text(), plain):
        assert not re.search(r"pip install (--\S+ )*infermod\b", text)  # never the bare index name


def test_the_release_pipeline_pushes_the_image_the_component_pulls():
    """The component's jobs pull <COMPONENT_IMAGE>:<commit>: the tag pipeline must push exactly
    that repository with that tag, and refuse to push elsewhere."""
    pipeline = yaml.safe_load((ROOT / ".gitlab-ci.yml").read_text())
    header = yaml.safe_load(COMPONENT.read_text().split("\n---\n")[0])["spec"]
    repository, tag = header["inputs"]["image"]["default"].rsplit(":", 1)
    assert tag == "$INFERMOD_RELEASE_SHA" and pipeline["variables"]["COMPONENT_IMAGE"] == repository
    plain = yaml.safe_load(PLAIN.read_text())["variables"]["INFERMOD_IMAGE"]
    assert plain == f"{repository}:$INFERMOD_VERSION"
    script = "\n".join(pipeline["publish:image"]["script"])
    assert '"$CI_REGISTRY_IMAGE" != "$COMPONENT_IMAGE"' in script
    assert 'docker push "$CI_REGISTRY_IMAGE:$CI_COMMIT_SHA"' in script
    assert 'docker push "$CI_REGISTRY_IMAGE:$CI_COMMIT_TAG"' in script
    release_rule = pipeline["variables"]["RELEASE_TAG"]
    assert all(
        rule == {"if": "$CI_COMMIT_TAG =~ $RELEASE_TAG"}
        for job in ("publish:package", "publish:image", "release:catalog")
        for rule in pipeline[job]["rules"]
    )
    assert re.fullmatch(release_rule.strip("/"), "0.1.0") and not re.fullmatch(
        release_rule.strip("/"), "v0.1.0"
    )
