"""One YAML file to data and locations: interpolation, merge keys, duplicates, what is refused.
Hostile documents through the whole loader are in tests/test_config_hostile.py."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from infermod.config.locations import dotted
from infermod.config.yamlsource import load_bytes, load_file
from infermod.findings import Location


def load(text: str, env=None):
    return load_bytes("c.yaml", text.encode(), env or {})


@pytest.mark.parametrize(
    ("value", "env", "expected"),
    [
        ("${A}", {"A": "x"}, "x"),
        ("'${A:-d}'", {}, "d"),
        ("'${A:-d}'", {"A": ""}, "d"),  # set but empty takes the default
        ("'${A}'", {"A": ""}, ""),  # without a default, empty is a value
        ("'$${A}'", {"A": "x"}, "${A}"),  # $${ writes a literal ${
        ("'${A:-x}y}'", {}, "xy}"),  # the first } closes
        ("'a$b$'", {}, "a$b$"),  # a lone $ is text
        ("'${A}${B}'", {"A": "1", "B": "2"}, "12"),
        ("'${A:-}'", {}, ""),
    ],
)
def test_interpolation(value, env, expected):
    got = load(f"v: {value}\n", env)
    assert got.findings == [] and got.data == {"v": expected}


@given(st.text(st.characters(codec="utf-8", exclude_categories=("Cc", "Cs")), max_size=30))
def test_a_variable_s_value_is_taken_verbatim_never_interpolated_again(value):
    got = load("v: '${A}'\n", {"A": value, "B": "no"})
    assert got.data == {"v": value} and got.env_values == {("v",): [value]}


def test_unset_and_malformed_variables_are_located_errors():
    got = load("a: 1\nb:\n  - '${NOPE}'\n  - '${1X}'\n")
    unset, bad = got.findings
    assert (unset.rule_id, unset.field, unset.location) == ("env-unset", "b[0]", Location("c.yaml", 3, 5))
    assert unset.hint == "export NOPE=... or write ${NOPE:-default}"
    assert (bad.rule_id, bad.field, bad.location.line) == ("env-syntax", "b[1]", 4)
    assert "invalid interpolation `${1X}`" in bad.message


def test_a_duplicate_key_names_the_line_of_the_first():
    got = load("a: 1\nb:\n  c: 1\n  c: 2\n")
    (f,) = got.findings
    assert (f.rule_id, f.field, f.location.line) == ("yaml-duplicate-key", "b.c", 4)
    assert f.message == "duplicate key `c` (first defined at line 3)"
    assert got.data == {"a": 1, "b": {"c": 1}}


def test_merge_keys_fill_in_and_explicit_keys_win():
    got = load("base: &b {x: 1, y: 2}\nitem:\n  <<: *b\n  y: 3\n")
    assert got.findings == [] and got.data["item"] == {"y": 3, "x": 1}
    assert got.locations[("item", "y")].line == 4 and got.locations[("item", "x")].line == 1


def test_typed_scalars():
    got = load("a: yes\nb: 0x10\nc: 2026-11-25\nd: 1.5\ne: ~\nf: '8'\n")
    assert got.data == {"a": True, "b": 16, "c": "2026-11-25", "d": 1.5, "e": None, "f": "8"}
    (f,) = load("a: !!int nope\n").findings
    assert (f.rule_id, f.message, f.location.line) == ("yaml-value", "`nope` is not a valid integer", 1)
    (f,) = load("a: !custom x\n").findings
    assert (f.rule_id, f.message) == ("yaml-tag", "unsupported tag `!custom`")


@pytest.mark.parametrize(
    ("raw", "rule", "words"),
    [
        (b"", "config-empty", "file is empty"),
        (b"# only a comment\n", "config-empty", "file is empty"),
        (b"- a\n- b\n", "config-not-mapping", "the document is a list"),
        (b"just text\n", "config-not-mapping", "the document is a str"),
        (b"a: \xff\n", "config-not-text", "not UTF-8 text"),
        (b"a: 1\x00", "config-not-text", "binary"),
        (b"a: [1\n", "yaml-syntax", "invalid YAML"),
    ],
)
def test_what_is_not_a_configuration_is_one_error(raw, rule, words):
    got = load_bytes("c.yaml", raw, {})
    (f,) = got.findings
    assert got.data is None and f.rule_id == rule and words in f.message and f.location.file == "c.yaml"


def test_a_byte_order_mark_is_accepted_and_lines_stay_one_based(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_bytes(b"\xef\xbb\xbfa: 1\nb: 2\n")
    got = load_file(str(path), {})
    assert got.data == {"a": 1, "b": 2} and got.locations[("b",)] == Location(str(path), 2, 1)
    missing = load_file(str(tmp_path / "nope.yaml"), {})
    assert missing.findings[0].message == "cannot read file: No such file or directory"


def test_dotted_paths():
    assert dotted(()) == ""
    assert dotted(("deployments", "a", "endpoints", 0, "public")) == "deployments.a.endpoints[0].public"
    assert dotted((0, "x")) == "[0].x"


@given(
    st.dictionaries(
        st.text("abxy", min_size=1, max_size=3),
        st.recursive(
            st.integers(0, 300) | st.text("ab $", max_size=4),
            lambda inner: (
                st.lists(inner, max_size=3)
                | st.dictionaries(st.text("cd", min_size=1, max_size=2), inner, max_size=3)
            ),
            max_leaves=12,
        ),
        min_size=1,
        max_size=4,
    )
)
def test_a_document_without_anchors_reads_as_one_whose_nodes_are_kept(doc):
    """Without anchors, the walker lets each node go once walked; with one (here unused) it
    keeps them all for the aliases. Both read the same data, locations and findings."""
    import yaml

    text = yaml.safe_dump(doc, sort_keys=False)
    let_go = load(text, {})
    kept = load("unused: &a 1\n" + text, {})
    assert let_go.data == {k: v for k, v in kept.data.items() if k != "unused"}
    assert [(f.rule_id, f.field, f.location.line + 1) for f in let_go.findings] == [
        (f.rule_id, f.field, f.location.line) for f in kept.findings
    ]
    for field in let_go.locations:
        if field:  # the document itself starts on line 1 either way
            assert let_go.locations[field].line + 1 == kept.locations[field].line, field
