"""`validate` reports every problem in one run: schema, structure, catalog, lifecycle and
policy findings together, each once, sorted by file and line; only the checks that read a
broken field are skipped."""

from __future__ import annotations

import json
from collections import Counter

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import write

MIXED = """\
version: 1
stack: team
deployments:
  one:
    model: meta/llama-3.1-8b-instruct:fp8
    node_type: L4
    colour: red
    endpoints: [{public: true}]
  two:
    model: mistral/mistral-7b-instruct-v0.3:bf16
    node_type: NOPE
    size: ${UNSET_SIZE}
    endpoints: [{public: true, disable_auth: true}]
  three:
    model: meta/llama-9-70b-instruct:fp8
    node_type: 5
    endpoints: [{public: true}]
"""


def _validate(cli, *args):
    result = cli("validate", "--catalog", "snapshot", "--format", "json", *args)
    return result.code, json.loads(result.out)


def _pairs(body):
    return [(f["rule_id"], f["field"]) for f in body["findings"]]


def test_every_kind_of_problem_in_one_run(cli, tmp_path):
    path = write(tmp_path / "mixed.yaml", MIXED)
    code, body = _validate(cli, "-f", path, "--eol-horizon", "100")
    pairs = _pairs(body)
    assert code == 1
    assert ("schema", "deployments.one.colour") in pairs  # schema
    assert ("env-unset", "deployments.two.size") in pairs  # interpolation
    assert ("schema", "deployments.three.node_type") in pairs
    assert ("eula-required", "deployments.one.accept_eula") in pairs  # catalog, beside a schema error
    assert ("node-type-unknown", "deployments.two.node_type") in pairs  # catalog, beside a broken size
    assert ("lifecycle-eol-horizon", "deployments.two.model") in pairs  # lifecycle + policy gate
    assert ("model-unknown", "deployments.three.model") in pairs  # beside a broken node type
    assert ("public-endpoint-without-auth", "deployments.two.endpoints[0].disable_auth") in pairs


def test_each_problem_once(cli, tmp_path):
    path = write(tmp_path / "mixed.yaml", MIXED)
    _, body = _validate(cli, "-f", path)
    fields = Counter(f["field"] for f in body["findings"] if f["severity"] == "error")
    # the unset variable is not reported again as a wrong type; the unknown node type not
    # again as "cannot run on NOPE"; the broken node type of `three` not by any catalog check
    assert fields["deployments.two.size"] == 1
    assert fields["deployments.two.node_type"] == 1
    assert fields["deployments.three.node_type"] == 1
    assert len(body["findings"]) == len({json.dumps(f, sort_keys=True) for f in body["findings"]})


def test_a_value_the_loader_refused_is_not_reported_again(cli, tmp_path):
    path = write(
        tmp_path / "a.yaml",
        "version: 1\nstack: s\ndeployments:\n  x:\n    model: meta/llama-3.1-8b-instruct:fp8\n"
        "    node_type: !custom L4\n    size: ${BAD\n    accept_eula: true\n    endpoints: [{public: true}]\n",
    )
    _, body = _validate(cli, "-f", path)
    errors = [(f["rule_id"], f["field"]) for f in body["findings"] if f["severity"] == "error"]
    assert errors == [("yaml-tag", "deployments.x.node_type"), ("env-syntax", "deployments.x.size")]


def test_an_unknown_model_is_reported_once(cli, tmp_path):
    path = write(
        tmp_path / "a.yaml",
        "version: 1\nstack: s\ndeployments:\n  x:\n    model: nope\n    node_type: L4\n    endpoints: [{public: true}]\n",
    )
    _, body = _validate(cli, "-f", path)
    assert [r for r, _ in _pairs(body) if r != "catalog-snapshot"] == ["model-reference"]


def test_a_missing_required_field_skips_only_what_reads_it(cli, tmp_path):
    path = write(
        tmp_path / "a.yaml",
        "version: 1\nstack: s\ndeployments:\n  x:\n    model: meta/llama-3.1-8b-instruct:fp8\n"
        "    endpoints: [{public: true, disable_auth: true}]\n",
    )
    pairs = _pairs(_validate(cli, "-f", path)[1])
    assert ("schema", "deployments.x.node_type") in pairs
    # the rest of the deployment is still checked: it was dropped whole before
    assert ("eula-required", "deployments.x.accept_eula") in pairs
    assert ("public-endpoint-without-auth", "deployments.x.endpoints[0].disable_auth") in pairs
    assert not [r for r, _ in pairs if r.startswith(("node-type", "model-node-type"))]


def test_a_broken_default_skips_only_what_reads_it(more_regions, cli, tmp_path):
    path = write(
        tmp_path / "a.yaml",
        """\
version: 1
stack: s
defaults:
  region: mars
deployments:
  old:
    model: mistral/mistral-7b-instruct-v0.3:bf16
    node_type: L40S
    endpoints: [{public: true}]
  here:
    region: nl-ams
    model: meta/llama-3.1-8b-instruct:fp8
    node_type: NOPE
    endpoints: [{public: true}]
""",
    )
    _, body = _validate(cli, "-f", path)
    pairs = _pairs(body)
    assert ("schema", "defaults.region") in pairs
    assert ("lifecycle-eol-notice", "deployments.old.model") in pairs  # reads only the model
    assert not [p for p in pairs if p[1] == "deployments.old.node_type"]  # reads the broken region
    assert ("node-type-unknown", "deployments.here.node_type") in pairs  # its own region is fine


def test_findings_are_sorted_by_file_and_line(cli, tmp_path):
    write(tmp_path / "d" / "b.yaml", MIXED.replace("stack: team\n", ""))
    write(
        tmp_path / "d" / "a.yaml",
        "version: 1\nstack: team\nmodels:\n  m:\n    source: acme/x\n    type: chatty\n",
    )
    _, body = _validate(cli, "-f", str(tmp_path / "d"))
    places = [(f["location"]["file"], f["location"]["line"]) for f in body["findings"] if f["location"]]
    assert places == sorted(places) and len({p[0] for p in places}) == 2
    result = cli("validate", "--catalog", "snapshot", "-f", str(tmp_path / "d"))
    lines = [line.split(": ")[0] for line in result.out.splitlines() if line.startswith(str(tmp_path))]
    keyed = [(s.rsplit(":", 2)[0], int(s.rsplit(":", 2)[1])) for s in lines]
    assert keyed == sorted(keyed)


VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 100_000),
    st.sampled_from(
        ["L4", "NOPE", "${UNSET_X}", "${BAD", "meta/llama-3.1-8b-instruct:fp8", "", "fr-par", "mars"]
    ),
    st.lists(st.integers(0, 3), max_size=2),
    st.just({"public": True, "disable_auth": "yes"}),
)
FIELDS = ["model", "node_type", "size", "quantization", "context_size", "region", "endpoints", "accept_eula"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.dictionaries(st.sampled_from(FIELDS), VALUES, max_size=4))
def test_any_broken_fields_give_each_problem_once_and_no_traceback(cli, tmp_path, broken):
    lines = [
        "version: 1",
        "stack: s",
        "deployments:",
        "  d:",
        *[
            f"    {k}: {json.dumps(v) if not isinstance(v, str) or not v.startswith('$') else v}"
            for k, v in {
                "model": "meta/llama-3.1-8b-instruct:fp8",
                "node_type": "L4",
                "accept_eula": True,
                "endpoints": [{"public": True}],
                **broken,
            }.items()
        ],
    ]
    path = write(tmp_path / "h.yaml", "\n".join(lines) + "\n")
    result = cli("validate", "--catalog", "snapshot", "--format", "json", "-f", path)
    assert "Traceback" not in result.err and "internal error" not in result.err
    body = json.loads(result.out)
    keys = [(f["rule_id"], f["field"], f["message"]) for f in body["findings"]]
    assert len(keys) == len(set(keys))
    errors = Counter(f["field"] for f in body["findings"] if f["severity"] == "error")
    env = {f["field"] for f in body["findings"] if f["rule_id"] in ("env-unset", "env-syntax")}
    assert all(errors[field] == 1 for field in env), body["findings"]


def test_every_rule_validate_runs_says_which_fields_it_reads():
    """A rule missing from the table is skipped whenever its resource has any broken field."""
    import re
    from pathlib import Path

    from infermod.rules.depends import DEPENDS

    rules = Path(__file__).resolve().parent.parent / "infermod" / "rules"
    text = "".join(
        (rules / f).read_text() for f in ("fit.py", "lifecycle.py", "structural.py", "security.py")
    )
    used = set(re.findall(r'"([a-z]+(?:-[a-z]+)+)",\s*\n\s*"(?:error|warning|info)"', text))
    used |= set(re.findall(r'_f\(\s*config,\s*dep,\s*"[a-z_]+",\s*"([a-z-]+)"', text))
    assert used and used - {"stack-missing"} <= set(DEPENDS), used - set(DEPENDS)
