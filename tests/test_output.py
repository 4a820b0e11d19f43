"""All user-facing output: secrets redacted whatever prints them, colour only when asked or on a TTY."""

from __future__ import annotations

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
