"""All user-facing output: secrets redacted whatever prints them, colour only when asked or on a TTY."""

from __future__ import annotations

import io
import sys

import pytest

from infermod import output
from infermod.secrets import Secret


@pytest.fixture(autouse=True)
def clean(monkeypatch):
    monkeypatch.setattr(output, "_secrets", [])
    output.set_color(None)
    yield
    output.set_color(None)


def test_registered_secrets_never_reach_either_stream(capsys):
    output.register_secrets([Secret("hf_abcdef123456", "env:HF_TOKEN"), Secret("", "literal")])
    output.out("token hf_abcdef123456 rejected")
    output.error("bad hf_abcdef123456")
    captured = capsys.readouterr()
    assert "hf_abcdef" not in captured.out + captured.err
    assert "token (sensitive) rejected" in captured.out and "Error: bad (sensitive)" in captured.err


def test_colour_off_a_tty_and_with_no_color(capsys, monkeypatch):
    assert output.style("x", "red") == "x"  # capsys is not a TTY
    output.set_color(True)
    assert output.style("x", "red") == "\033[31mx\033[0m"
    output.set_color(None)
    monkeypatch.setenv("NO_COLOR", "1")
    assert output.style("x", "green") == "x"


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def streams(monkeypatch: pytest.MonkeyPatch) -> tuple[io.StringIO, io.StringIO]:
    """A terminal on stdout, a file on stderr (`infermod plan 2> log`). Set in the test itself:
    pytest puts its own capture back on sys.stdout between a fixture and the test."""
    out, err = Tty(), io.StringIO()
    monkeypatch.setattr(sys, "stdout", out)
    monkeypatch.setattr(sys, "stderr", err)
    monkeypatch.delenv("NO_COLOR", raising=False)
    return out, err


def test_colour_follows_the_stream_it_is_written_to(monkeypatch):
    out, err = streams(monkeypatch)
    assert output.style("x", "red") == "\033[31mx\033[0m"  # stdout is a terminal
    assert output.style("x", "red", err=True) == "x"  # stderr is not
    output.error("bad")
    assert (out.getvalue(), err.getvalue()) == ("", "Error: bad\n")
    assert output.use_color(object()) is False  # a stream that cannot say is not a terminal


def test_no_color_wins_over_a_terminal(monkeypatch):
    streams(monkeypatch)
    monkeypatch.setenv("NO_COLOR", "1")
    assert output.style("x", "red") == "x"


def test_out_writes_one_line_or_a_piece_of_one(monkeypatch):
    out, err = streams(monkeypatch)
    output.out("a")
    output.out("b", nl=False)
    output.out("c", err=True)
    assert (out.getvalue(), err.getvalue()) == ("a\nb", "c\n")


def test_under_json_events_text_goes_to_stderr(monkeypatch):
    out, err = streams(monkeypatch)
    monkeypatch.setattr(output, "_events", False)  # put back after the test
    output.set_events(True)
    output.out("said")
    assert (out.getvalue(), err.getvalue()) == ("", "said\n")
