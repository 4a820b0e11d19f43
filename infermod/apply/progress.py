"""Progress while applying: a live status line on a TTY, timestamped lines in CI."""

from __future__ import annotations

import datetime as dt
import sys
import threading
import time

from infermod import output


class Progress:
    def __init__(self, live: bool | None = None) -> None:
        self.live = sys.stdout.isatty() if live is None else live
        self.lock = threading.Lock()
        self.started: dict[str, float] = {}
        self.state: dict[str, str] = {}
        self._ticker: threading.Thread | None = None
        self._stop = threading.Event()

    def __enter__(self) -> Progress:
        if self.live:
            self._ticker = threading.Thread(target=self._tick, daemon=True)
            self._ticker.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        if self._ticker:
            self._ticker.join()
            self._clear()

    def start(self, address: str, what: str) -> None:
        with self.lock:
            self.started[address] = time.monotonic()
            self.state[address] = what
        self._line(f"{address}: {what}...")

    def status(self, address: str, status: str) -> None:
        with self.lock:
            changed = self.state.get(address) != status
            self.state[address] = status
        if changed and not self.live:
            self._line(f"{address}: {status} ({self.elapsed(address)})")

    def done(self, address: str, message: str, ok: bool = True) -> None:
        with self.lock:
            self.state.pop(address, None)
        color = "green" if ok else "red"
        self._line(output.style(f"{address}: {message} after {self.elapsed(address)}", color))

    def elapsed(self, address: str) -> str:
        seconds = time.monotonic() - self.started.get(address, time.monotonic())
        return f"{seconds:.0f}s" if seconds < 60 else f"{int(seconds // 60)}m{int(seconds % 60):02d}s"

    def _line(self, text: str) -> None:
        with self.lock:
            if self.live:
                self._clear()
                output.out(text)
            else:
                stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
                output.out(f"{stamp} {text}")

    def _clear(self) -> None:
        sys.stdout.write("\r\033[K")

    def _tick(self) -> None:
        while not self._stop.wait(1.0):
            with self.lock:
                items = [f"{a} {s} {self.elapsed(a)}" for a, s in sorted(self.state.items())]
                if items:
                    text = "Still working: " + ", ".join(items)
                    sys.stdout.write("\r\033[K" + output.redact(text[:200]))
                    sys.stdout.flush()
