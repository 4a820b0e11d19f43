"""YAML syntax errors through the real CLI: the line that is wrong, its source line with a
caret under the column, and a hint for the usual mistakes; the loader's limits named with the
setting that raises them."""

from __future__ import annotations

import pytest

from infermod.config.yamlerrors import snippet
from tests.conftest import write

HEAD = "version: 1\nstack: s\n"


@pytest.mark.parametrize(
    ("body", "where", "message", "source", "caret", "hint"),
    [
        # the parser notices a missing colon on the next line; the mistake is on line 6
        (
            "deployments:\n  bot:\n    model: m\n    node_type L4\n    size: 1\n",
            "6:5",
            "missing `:` after the key `node_type`",
            "6 |     node_type L4",
            "  |     ^",
            "a colon and a space after the key",
        ),
        # the last line of the file, where the parser reports the (empty) line after it
        (
            "deployments:\n  bot:\n    model: m\n    node_type L4\n",
            "6:5",
            "missing `:` after the key `node_type`",
            "6 |     node_type L4",
            "  |     ^",
            "a colon and a space",
        ),
        # the first key of a mapping: YAML reads `node_type L4 size` as one value
        (
            "deployments:\n  bot:\n    node_type L4\n    size: 1\n",
            "5:5",
            "missing `:` after the key `node_type`",
            "5 |     node_type L4",
            "  |     ^",
            "a colon and a space",
        ),
        # a catalog model's name has a colon of its own (`:fp8`), which is not the key's
        (
            "deployments:\n  bot:\n    model meta/llama-3.1-8b-instruct:fp8\n    node_type: L4\n",
            "5:5",
            "missing `:` after the key `model`",
            "5 |     model meta/llama-3.1-8b-instruct:fp8",
            "  |     ^",
            "a colon and a space",
        ),
        (
            "deployments:\n  bot:\n\tmodel: m\n",
            "5:1",
            "a tab character in the indentation",
            "5 | →model: m",
            "  | ^",
            "spaces only",
        ),
        # an unclosed `{` is reported where it opens, not at the end of the file
        (
            "defaults: {region: fr-par\ndeployments:\n  bot:\n    model: m\n",
            "3:11",
            "`{` is never closed",
            "3 | defaults: {region: fr-par",
            "  |           ^",
            "close it with `}`",
        ),
        (
            "defaults:\n  tags: [a, b\ndeployments: {}\n",
            "4:9",
            "`[` is never closed",
            "4 |   tags: [a, b",
            "  |         ^",
            "close it with `]`",
        ),
        (
            "deployments:\n  bot:\n    model: m\n   size: 1\n",
            "6:4",
            "this line's indentation matches no enclosing key",
            "6 |    size: 1",
            "  |    ^",
            "like the other keys of its mapping",
        ),
        (
            "deployments:\n  bot:\n    model: m\n      size: 1\n",
            "6:11",
            "a `:` where no key can start",
            "6 |       size: 1",
            "  |           ^",
            "indented more than the key above it",
        ),
        (
            'deployments:\n  bot:\n    model: "m\n',
            "5:12",
            'the quote `"` is never closed',
            '5 |     model: "m',
            "  |            ^",
            'end the value with `"`',
        ),
    ],
)
def test_a_syntax_error_shows_the_wrong_line_a_caret_and_a_hint(
    cli, tmp_path, body, where, message, source, caret, hint
):
    path = write(tmp_path / "typo.yaml", HEAD + body)
    result = cli("validate", "-f", path)
    assert result.code == 1
    lines = result.out.splitlines()
    head = next(i for i, line in enumerate(lines) if "yaml-syntax" in line)
    assert lines[head].startswith(f"{path}:{where}: error: invalid YAML: {message}"), result.out
    assert lines[head + 1] == "    " + source and lines[head + 2] == "    " + caret, result.out
    assert lines[head + 3].startswith("    hint: ") and hint in lines[head + 3], result.out


def test_the_json_form_keeps_the_location_and_hint(cli, tmp_path):
    path = write(tmp_path / "typo.yaml", HEAD + "deployments:\n  bot:\n    node_type L4\n    size: 1\n")
    import json

    (finding,) = json.loads(cli("validate", "-f", path, "--format", "json").out)["findings"]
    assert finding["location"] == {"file": path, "line": 5, "column": 5}
    assert "a colon" in finding["hint"]


def test_a_broken_secret_line_never_shows_its_value(cli, tmp_path):
    token = "hf_abcdefghijklmnopqrstuvwx"
    path = write(tmp_path / "c.yaml", HEAD + f"models:\n  m:\n    secret: [{token}\n    type: chat\n")
    result = cli("plan", "-f", path)
    assert result.code == 1 and "`[` is never closed" in result.err
    assert token not in result.out + result.err and "secret: (sensitive)" in result.err


def test_a_long_line_is_cut_around_the_caret_and_control_characters_are_not_echoed():
    line = "k: " + "x" * 200 + " \x1b[31m: y"
    shown = snippet([line], 0, 205)
    assert shown is not None and "\x1b" not in shown
    source, caret = shown.split("\n")
    assert source.startswith("1 | ...") and len(source) <= 4 + 60
    assert source[caret.index("^")] == "[" and source[caret.index("^") - 1] == "\ufffd"


def test_a_large_plain_file_names_its_limit_and_setting_not_aliases(cli, tmp_path, monkeypatch):
    items = "".join(f"  - t{i}\n" for i in range(200_001))
    path = write(tmp_path / "big.yaml", HEAD + "defaults:\n  tags:\n" + items)
    err = cli("plan", "-f", path).err
    assert "document has more than 200,000 values" in err and "alias" not in err, err
    assert "INFERMOD_MAX_CONFIG_VALUES=N" in err
    monkeypatch.setenv("INFERMOD_MAX_CONFIG_VALUES", "300000")
    assert "more than 200,000 values" not in cli("validate", "-f", path).out


def test_aliases_that_multiply_the_document_are_named(cli, tmp_path):
    text = HEAD + "a: &a [" + ", ".join(["x"] * 100) + "]\n"
    text += "b: &b [" + ", ".join(["*a"] * 100) + "]\n" + "c: [" + ", ".join(["*b"] * 100) + "]\n"
    err = cli("validate", "-f", write(tmp_path / "bomb.yaml", text)).out
    assert "values once its aliases (*name) are expanded" in err, err


def test_the_file_size_limit_names_its_setting(cli, tmp_path, monkeypatch):
    path = write(tmp_path / "huge.yaml", HEAD + "# " + "x" * (5 * 1024 * 1024) + "\n")
    out = cli("validate", "-f", path).out
    assert "file is larger than 5 MB" in out and "INFERMOD_MAX_CONFIG_MB=MB" in out, out
    monkeypatch.setenv("INFERMOD_MAX_CONFIG_MB", "6")
    assert "larger than" not in cli("validate", "-f", path).out
