"""The run's one deadline: what is left, what a call may take, and the grace after it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from infermod.scw import deadline


@pytest.fixture(autouse=True)
def no_clock() -> Iterator[None]:
    deadline.start(None)
    yield
    deadline.start(None)  # the clock is global: no other test inherits it


def test_without_a_limit_nothing_is_capped_or_expired():
    assert deadline.remaining() is None and not deadline.expired()
    assert deadline.cap(90.0) == 90.0
    deadline.check()  # does not raise
    assert deadline.describe() == "the time limit (the limit, --timeout) passed"


def test_a_running_clock_caps_each_call_by_what_is_left():
    deadline.start(30.0)
    left = deadline.remaining()
    assert left is not None and 29.0 < left <= 30.0
    assert deadline.cap(10.0) == 10.0  # shorter than what is left: unchanged
    assert 29.0 < deadline.cap(90.0) <= 30.0
    assert not deadline.expired()


def test_a_passed_deadline_refuses_every_further_call_and_says_which_limit():
    deadline.start(0.0)
    assert deadline.remaining() == 0.0 and deadline.expired() and deadline.cap(5.0) == 0.0
    with pytest.raises(deadline.DeadlineExceeded, match=r"the time limit \(0s, --timeout\) passed"):
        deadline.check()


def test_grace_lends_time_after_the_deadline_then_restores_it():
    deadline.start(0.0)
    with deadline.grace(5.0):
        left = deadline.remaining()
        assert left is not None and 4.0 < left <= 5.0 and not deadline.expired()
    assert deadline.expired()  # the grace was only lent


def test_grace_never_shortens_a_longer_deadline_and_lends_nothing_without_one():
    deadline.start(60.0)
    with deadline.grace(1.0):
        left = deadline.remaining()
        assert left is not None and left > 59.0
    deadline.start(None)
    with deadline.grace(1.0):
        assert deadline.remaining() is None
