"""`--parallelism` write slots: at most N calls at once, a slot back however a call ends."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from infermod.apply.slots import WriteSlots


def test_write_slots_bound_concurrent_calls_only():
    slots = WriteSlots(3)
    with ThreadPoolExecutor(max_workers=12) as pool:
        list(pool.map(lambda _: slots.run(lambda: time.sleep(0.05)), range(12)))
    assert slots.peak == 3 and slots.busy == 0


def test_a_call_returns_its_value_and_a_failing_call_gives_its_slot_back():
    slots = WriteSlots(1)

    def boom() -> None:
        raise RuntimeError("409 conflict")

    for _ in range(3):  # with one slot, a slot lost to a failure would block the next call forever
        with pytest.raises(RuntimeError):
            slots.run(boom)
    assert slots.run(lambda: 42) == 42 and slots.busy == 0


def test_calls_beyond_the_bound_wait_for_a_slot_instead_of_running():
    slots = WriteSlots(2)
    release = threading.Event()
    started: list[int] = []
    with ThreadPoolExecutor(max_workers=5) as pool:
        futures = [pool.submit(slots.run, lambda i=i: started.append(i) or release.wait(5)) for i in range(5)]
        time.sleep(0.1)
        assert len(started) == 2 and slots.busy == 2  # three are waiting, not running
        release.set()
        assert all(f.result(timeout=5) for f in futures)
    assert sorted(started) == list(range(5)) and slots.peak == 2
