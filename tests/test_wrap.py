"""wrap.py: long lines wrap under their text, colour kept per piece, field lines and
over-long words whole, and the width is the terminal's, COLUMNS, or 80."""

from __future__ import annotations

from infermod.wrap import width, wrap

LONG = "deployment.chat failed: " + "the API refused the request because " * 4


def test_an_outcome_line_wraps_under_its_address():
    first, *rest = wrap(["!! " + LONG.strip()], 60)
    assert first.startswith("!! deployment.chat failed:") and len(first) <= 60
    assert rest and all(line.startswith("   ") and not line.startswith("    ") for line in rest)
    assert all(len(line) <= 60 for line in rest)


def test_colour_is_kept_on_every_piece_and_never_counted():
    lines = wrap(["\033[33m    ! " + LONG.strip() + "\033[0m"], 50)
    assert len(lines) > 1 and all(line.startswith("\033[33m") and line.endswith("\033[0m") for line in lines)
    assert all(len(line) - len("\033[33m\033[0m") <= 50 for line in lines)


def test_field_lines_and_long_words_stay_whole():
    field = '      ~ node_type     = "' + "x" * 80 + '" -> "L40S"  # forces replacement'
    url = "https://" + "a" * 100
    assert wrap([field], 80) == [field]
    assert wrap([url], 80) == [url]


def test_width_off_a_terminal_is_columns_or_80(monkeypatch):
    monkeypatch.delenv("COLUMNS")
    assert width() == 80
    monkeypatch.setenv("COLUMNS", "120")
    assert width() == 120
    monkeypatch.setenv("COLUMNS", "nonsense")
    assert width() == 80


def test_a_quoted_command_is_never_broken_so_it_can_be_pasted():
    hint = "hint: to import it again with the current secret: `infermod apply --replace model.bot --sandbox -f rp.yaml`"
    for columns in (20, 40, 60, 80):
        lines = wrap([hint, f"Error: run `infermod plan --sandbox -f to.yaml` first ({columns})"], columns)
        text = "\n".join(lines)
        assert "`infermod apply --replace model.bot --sandbox -f rp.yaml`" in text, lines
        assert "`infermod plan --sandbox -f to.yaml`" in text, lines
        assert all(len(line) <= columns or "`" in line for line in lines), lines
    # the spaces of a quoted span are given back as they were: two stay two
    assert wrap(["a " * 30 + "`x  y`"], 20)[-1].endswith("`x  y`")
