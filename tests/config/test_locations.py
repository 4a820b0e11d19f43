"""Where each value is written, kept compactly (config/locations.py): the same answers as a
plain walk of the YAML nodes, by path and by dotted field, and still right in the messages of
a large configuration full of errors."""

from __future__ import annotations

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from infermod.config.load import load_config
from infermod.config.locations import Locations, Recorder, dotted
from infermod.config.yamlsource import load_bytes
from infermod.findings import Location
from tests.conftest import write


def reference(text: str) -> dict[tuple, Location]:
    """The old way: a Location per value, walking the composed nodes (a mapping value is at
    its key; the first of two spellings of a path wins)."""
    out: dict[tuple, Location] = {}

    def walk(node, path):
        out.setdefault(path, Location("c.yaml", node.start_mark.line + 1, node.start_mark.column + 1))
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                out.setdefault(
                    (*path, str(key.value)),
                    Location("c.yaml", key.start_mark.line + 1, key.start_mark.column + 1),
                )
                walk(value, (*path, str(key.value)))
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                walk(item, (*path, i))

    walk(yaml.compose(text, Loader=yaml.SafeLoader), ())
    return out


KEYS = st.sampled_from(["deployments", "models", "defaults", "a", "b.c", "d[1]", "name", "x"])
SCALARS = st.one_of(st.integers(-5, 300), st.booleans(), st.text("abc xyz", max_size=5))
DOCS = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(KEYS, inner, max_size=4),
    max_leaves=25,
).filter(lambda d: isinstance(d, dict))


@settings(max_examples=150, deadline=None)
@given(DOCS, st.booleans())
def test_every_value_is_found_where_a_plain_walk_finds_it(doc, flow):
    text = yaml.safe_dump(doc, default_flow_style=flow, sort_keys=False)
    loaded = load_bytes("c.yaml", text.encode(), {})
    expected = reference(text)
    spelt: dict[str, int] = {}
    for path in expected:
        spelt[dotted(path)] = spelt.get(dotted(path), 0) + 1
    for path, where in expected.items():
        field = dotted(path)
        if spelt[field] > 1:  # keys holding `.` or `[` (the schema refuses them): the first wins
            continue
        assert loaded.locations.get(path) == where, (path, text)
        assert loaded.locations.get(field) == where, (field, text)
        assert field in loaded.locations
    assert loaded.locations.get(("nowhere",)) is None and "nowhere" not in loaded.locations
    assert len(loaded.locations) == len({dotted(p) for p in expected})


def test_a_key_holding_a_dot_is_found_by_its_path_and_its_dotted_field():
    got = load_bytes("c.yaml", b"deployments:\n  a.b:\n    model: m\n  a:\n    x: 1\n", {}).locations
    assert got.get(("deployments", "a.b", "model")) == Location("c.yaml", 3, 5)
    assert got.get(("deployments", "a", "x")) == Location("c.yaml", 5, 5)
    assert got.get("deployments.a.b.model") == Location("c.yaml", 3, 5)
    assert got.get("deployments.a.x") == Location("c.yaml", 5, 5)


def test_merged_files_answer_with_the_first_file_that_locates_a_field():
    first, second = Recorder("one.yaml"), Recorder("two.yaml")
    first.add(("version",), 1, 1)
    first.add(("deployments", "d"), 3, 3)
    second.add(("version",), 7, 1)
    second.add(("stack",), 8, 1)
    second.add(("deployments", "d"), 9, 3)
    second.add(("deployments", "d", "size"), 10, 5)
    merged = Locations.merged([first.done(), second.done()])
    assert merged.get("version") == Location("one.yaml", 1, 1)
    assert merged.get("stack") == Location("two.yaml", 8, 1)
    assert merged.get("deployments.d") == Location("one.yaml", 3, 3)
    assert merged.get("deployments.d.size") == Location("two.yaml", 10, 5)
    assert sorted(merged) == ["deployments.d", "deployments.d.size", "stack", "version"]


def test_resources_written_alike_share_their_field_names():
    text = "deployments:\n" + "".join(f"  d{i}: {{model: m, node_type: L4}}\n" for i in range(50))
    got = load_bytes("c.yaml", text.encode(), {}).locations
    shapes = {id(parts[0].shape) for key, parts in got._groups.items() if key.startswith("deployments.")}
    assert len(shapes) == 1
    assert got.get("deployments.d49.node_type") == Location("c.yaml", 51, 19)


def test_a_large_configuration_full_of_errors_names_each_file_line_and_field(tmp_path):
    """3,000 deployments in two files, each with one error at a line known beforehand."""
    expected: dict[str, tuple[str, int, int]] = {}
    for part, name in enumerate(("a.yaml", "b.yaml")):
        lines = ["version: 1", "stack: s", "deployments:"] if part == 0 else ["version: 1", "deployments:"]
        for i in range(1500):
            key = f"d{part}-{i}"
            lines += [
                f"  {key}:",
                "    model: meta/llama-3.1-8b-instruct:fp8",
                "    endpoints: [{public: true}]",
            ]
            if i % 3 == 0:
                lines.append("    node_type: 12")  # a number where a string is expected
                expected[f"deployments.{key}.node_type"] = (name, len(lines), 5)
            elif i % 3 == 1:
                lines += ["    node_type: L4", "    sise: 2"]  # an unknown key
                expected[f"deployments.{key}.sise"] = (name, len(lines), 5)
            else:
                lines += ["    node_type: L4", "    size: '${UNSET_SIZE}'"]  # an unset variable
                expected[f"deployments.{key}.size"] = (name, len(lines), 11)
        write(tmp_path / name, "\n".join(lines) + "\n")
    # defined in a.yaml already
    write(
        tmp_path / "c.yaml",
        "version: 1\ndeployments:\n  d0-7: {model: x/y, node_type: L4, endpoints: [{public: true}]}\n",
    )
    result = load_config([str(tmp_path / n) for n in ("a.yaml", "b.yaml", "c.yaml")], {})
    got = {f.field: f for f in result.findings if f.severity == "error"}
    for field, (name, line, column) in expected.items():
        where = got[field].location
        assert (where.file, where.line, where.column) == (str(tmp_path / name), line, column), field
    duplicate = got["deployments.d0-7"]
    assert duplicate.location == Location(str(tmp_path / "c.yaml"), 3, 3)
    first = expected["deployments.d0-7.sise"][1] - 4  # the key's line in a.yaml
    assert f"(first defined at {tmp_path / 'a.yaml'}:{first}:3)" in duplicate.message
    assert len(got) == len(expected) + 1
