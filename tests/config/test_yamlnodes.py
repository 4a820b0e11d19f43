"""The light node tree (config/yamlnodes.py) is PyYAML's composition: the same tags, values,
styles and start positions, the same aliases, and the same errors, with either parser."""

from __future__ import annotations

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from infermod.config import yamlnodes

LOADERS = [yaml.SafeLoader, getattr(yaml, "CSafeLoader", yaml.SafeLoader)]


def same(light, heavy, seen=None) -> None:
    seen = {} if seen is None else seen
    if id(heavy) in seen:  # an alias: the very node its anchor made
        assert seen[id(heavy)] is light
        return
    seen[id(heavy)] = light
    assert (light.tag, light.line, light.column) == (
        heavy.tag,
        heavy.start_mark.line,
        heavy.start_mark.column,
    )
    if isinstance(heavy, yaml.ScalarNode):
        assert isinstance(light, yamlnodes.ScalarNode)
        assert (light.value, light.style) == (heavy.value, heavy.style)
    elif isinstance(heavy, yaml.SequenceNode):
        assert isinstance(light, yamlnodes.SequenceNode) and len(light.value) == len(heavy.value)
        for a, b in zip(light.value, heavy.value, strict=True):
            same(a, b, seen)
    else:
        assert isinstance(light, yamlnodes.MappingNode) and len(light.value) == len(heavy.value)
        for (ka, va), (kb, vb) in zip(light.value, heavy.value, strict=True):
            same(ka, kb, seen)
            same(va, vb, seen)


DOCS = [
    "",
    "# only a comment\n",
    "a: 1\nb: [x, 'y', \"z\", ~, 2026-01-02, 0x1F, .5, !!str 3]\n",
    "base: &b {x: 1, y: &s text}\nitem:\n  <<: *b\n  y: 3\n  z: *s\nlist: &l [1, 2]\nagain: *l\n",
    "? [complex, key]\n: value\n? {k: v}\n: other\n",
    "text: |\n  line one\n  line two\nfolded: >\n  a\n  b\nplain: a\n  continued\n",
    "--- !custom\na: !!python/name:os.system x\nb: !local {c: 1}\n",
    "- &a {q: 1}\n- *a\n- [*a, *a]\n",
]


@pytest.mark.parametrize("loader", LOADERS)
@pytest.mark.parametrize("text", DOCS)
def test_written_documents_compose_alike(loader, text):
    heavy = yaml.compose(text, Loader=loader)
    light = yamlnodes.compose(text, loader)
    if heavy is None:
        assert light is None
    else:
        same(light, heavy)


KEYS = st.text("abcxyz-_.", min_size=1, max_size=6)
SCALARS = st.one_of(st.integers(), st.booleans(), st.none(), st.floats(allow_nan=False), st.text(max_size=12))
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(KEYS, inner, max_size=4),
    max_leaves=30,
)


@settings(max_examples=100, deadline=None)
@given(VALUES, st.booleans(), st.sampled_from(LOADERS))
def test_any_dumped_document_composes_alike(value, flow, loader):
    text = yaml.safe_dump(value, default_flow_style=flow, allow_unicode=True)
    same(yamlnodes.compose(text, loader), yaml.compose(text, Loader=loader))


@pytest.mark.parametrize("loader", LOADERS)
@pytest.mark.parametrize(
    ("text", "problem", "line"),
    [
        ("a: *nowhere\n", "found undefined alias 'nowhere'", 0),
        ("a: &x 1\nb: &x 2\n", "second occurrence", 1),
        ("a: 1\n---\nb: 2\n", "but found another document", 1),
        ("a: [1, 2\nb: 3\n", None, None),  # the parser's own error, passed on
    ],
)
def test_errors_are_pyyaml_s(loader, text, problem, line):
    with pytest.raises(yaml.MarkedYAMLError) as heavy:
        yaml.compose(text, Loader=loader)
    with pytest.raises(yaml.MarkedYAMLError) as light:
        yamlnodes.compose(text, loader)
    assert type(light.value) is type(heavy.value)
    assert light.value.problem_mark.line == heavy.value.problem_mark.line
    if problem is not None:
        assert light.value.problem == problem and light.value.problem_mark.line == line
    else:
        assert light.value.problem == heavy.value.problem


@pytest.mark.parametrize("loader", LOADERS)
def test_repeated_values_are_one_string(loader):
    """A large configuration repeats its keys and values (region, model, node type) in every
    deployment: the tree holds one copy of each short one, a long one as it came."""
    long = "x" * 65
    text = "".join(f"d{i}: {{region: fr-par, model: m/a:fp8, note: {long}}}\n" for i in range(3))
    root = yamlnodes.compose(text, loader)
    assert root is not None
    firsts, seconds = root.value[0][1].value, root.value[1][1].value
    for (key_a, value_a), (key_b, value_b) in zip(firsts[:2], seconds[:2], strict=True):
        assert key_a.value is key_b.value and value_a.value is value_b.value
    assert firsts[2][1].value == seconds[2][1].value == long
    assert firsts[2][1].value is not seconds[2][1].value
