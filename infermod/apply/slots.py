"""`--parallelism` bounds concurrent write calls, nothing else.

A deployment waiting to become ready holds no slot (the region's poller watches it), so a
hundred creations take about as long as one instead of coming in waves.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


class WriteSlots:
    def __init__(self, parallelism: int) -> None:
        self._slots = threading.BoundedSemaphore(parallelism)
        self._lock = threading.Lock()
        self.busy = 0
        self.peak = 0  # the most write calls seen at once, for tests and benchmarks

    def run(self, call: Callable[[], T]) -> T:
        with self._slots:
            with self._lock:
                self.busy += 1
                self.peak = max(self.peak, self.busy)
            try:
                return call()
            finally:
                with self._lock:
                    self.busy -= 1
