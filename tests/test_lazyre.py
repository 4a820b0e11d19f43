"""infermod/lazyre.py: a pattern compiled at its first match answers as re.compile's would."""

from __future__ import annotations

import re

import pytest

from infermod.lazyre import lazy

TEXTS = ["", "a1 b22 c333", "no digits", "x9\ny8", "1,500.50 EUR"]


def span(found: re.Match[str] | None) -> tuple[int, int] | None:
    return found.span() if found else None


@pytest.mark.parametrize("pattern,flags", [(r"(\w)(\d+)", 0), (r"^\w\d$", re.MULTILINE), (r"[, ]", 0)])
def test_every_method_answers_as_the_compiled_pattern(pattern, flags):
    eager, late = re.compile(pattern, flags), lazy(pattern, flags)
    for text in TEXTS:
        for method in ("match", "fullmatch", "search"):
            assert span(getattr(late, method)(text)) == span(getattr(eager, method)(text))
        assert late.findall(text) == eager.findall(text)
        assert [m.span() for m in late.finditer(text)] == [m.span() for m in eager.finditer(text)]
        assert late.split(text) == eager.split(text) and late.split(text, 1) == eager.split(text, 1)
        assert late.sub("-", text) == eager.sub("-", text)
        assert late.subn(lambda m: m.group(0).upper(), text, 1) == eager.subn(
            lambda m: m.group(0).upper(), text, 1
        )
        assert span(late.search(text, 2, 6)) == span(eager.search(text, 2, 6))
    assert late.compiled is late.compiled  # compiled once


def test_a_pattern_is_compiled_at_its_first_match_not_before():
    broken = lazy("(unclosed")  # re.compile would raise here
    with pytest.raises(re.error):
        broken.search("text")


@pytest.mark.parametrize("method", ["match", "fullmatch", "search", "findall", "finditer", "split"])
def test_each_method_answers_as_the_compiled_pattern_when_it_is_the_first_called(method):
    """The first call compiles the pattern (the class's method); later calls go to the compiled
    pattern's own method, bound to the instance: both answer alike."""
    eager, late = re.compile(r"(\w)(\d+)"), lazy(r"(\w)(\d+)")

    def answer(pattern: object, text: str) -> object:
        found = getattr(pattern, method)(text)
        if method == "finditer":
            return [m.span() for m in found]
        return span(found) if method in ("match", "fullmatch", "search") else found

    assert "_compiled" in vars(late) and method not in vars(late)
    for text in TEXTS:  # the first call, then the same method again
        assert answer(late, text) == answer(eager, text)
    assert vars(late)[method] == getattr(late.compiled, method)
    assert late.sub("-", "a1") == eager.sub("-", "a1") and late.subn("-", "a1") == eager.subn("-", "a1")
