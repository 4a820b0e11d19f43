"""Progress while applying: live lines on a terminal, sparse timestamped lines in CI.

The display only receives events — `start(address, what)`, `status(address, status)`,
`done(address, message, ok)` — and keeps each resource's start time itself, so it does not
matter who polls the API or how often (one poller per resource, or one per region).

On a terminal, each resource in flight has one line (what, status, elapsed) redrawn in place
once a second, cut to the terminal's width so that it never wraps (a wrapped line would
leave residue when redrawn); when a resource ends, its live line gives way to one final
line. Without a terminal (CI logs), a resource writes a line when it starts, when its status
changes, at most every HEARTBEAT seconds while nothing changes, and when it ends.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import sys
import threading
import time
from collections.abc import Callable
from typing import NamedTuple, TextIO

from infermod import output

HEARTBEAT = 30.0  # seconds between "still ..." lines in CI logs
TICK = 1.0  # seconds between redraws on a terminal
# Statuses not worth a CI line of their own: the final line follows at once and says more.
QUIET_STATUSES = {"ready"}


class Flight(NamedTuple):
    """A resource in flight, as the display knows it."""

    what: str  # creating, updating, destroying...
    status: str  # the last status the API reported
    started: float
    logged: float  # when its last CI line was written
    logged_status: str  # the status that line named


class Progress:
    def __init__(
        self,
        stream: TextIO | None = None,
        live: bool | None = None,
        *,
        heartbeat: float = HEARTBEAT,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.stream = stream if stream is not None else sys.stdout
        self.live = is_terminal(self.stream) if live is None else live
        self.heartbeat = heartbeat
        self.clock = clock
        self.lock = threading.RLock()
        self.flights: dict[str, Flight] = {}
        self.started: dict[str, float] = {}
        self.drawn = 0  # live lines currently under the permanent output
        self._stop = threading.Event()
        self._ticker: threading.Thread | None = None

    def __enter__(self) -> Progress:
        self._ticker = threading.Thread(target=self._run_ticker, daemon=True)
        self._ticker.start()
        if self.live:
            self._write("\033[?25l")  # hide the cursor while lines are redrawn
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        if self._ticker:
            self._ticker.join()
        if self.live:
            with self.lock:
                self._write((f"\033[{self.drawn}A\r\033[J" if self.drawn else "") + "\033[?25h")
                self.drawn = 0

    # ---- events ------------------------------------------------------------------------------
    def start(self, address: str, what: str) -> None:
        with self.lock:
            now = self.clock()
            self.started[address] = now
            self.flights[address] = Flight(what, "", now, now, "")
            if self.live:
                self._paint([])
            else:
                self._log(f"{address}: {what}...")

    def status(self, address: str, status: str) -> None:
        with self.lock:
            flight = self.flights.get(address)
            if flight is None or flight.status == status:
                return
            self.flights[address] = flight = flight._replace(status=status)
            if self.live:
                self._paint([])
            elif status != flight.logged_status and status not in QUIET_STATUSES and status != flight.what:
                self._log(f"{address}: {status} ({self.elapsed(address)})")
                self.flights[address] = flight._replace(logged=self.clock(), logged_status=status)

    def done(self, address: str, message: str, ok: bool = True) -> None:
        with self.lock:
            self.flights.pop(address, None)
            line = output.style(
                f"{address}: {message} after {self.elapsed(address)}", "green" if ok else "red"
            )
            if self.live:
                self._paint([line])
            else:
                self._log(line)

    def elapsed(self, address: str) -> str:
        now = self.clock()
        return duration_text(now - self.started.get(address, now))

    # ---- drawing -----------------------------------------------------------------------------
    def tick(self) -> None:
        """Redraw the live lines (elapsed times), or write CI heartbeats that are due."""
        with self.lock:
            if self.live:
                if self.flights:
                    self._paint([])
                return
            now = self.clock()
            for address, flight in sorted(self.flights.items()):
                if now - flight.logged >= self.heartbeat:
                    doing = flight.status or flight.what
                    self._log(f"{address}: still {doing} ({self.elapsed(address)}){_api_silence()}")
                    self.flights[address] = flight._replace(logged=now)

    def _run_ticker(self) -> None:
        while not self._stop.wait(TICK):
            self.tick()

    def _paint(self, permanent: list[str]) -> None:
        """Move up over the live lines, write new permanent lines, redraw the live ones."""
        columns, rows = terminal_size(self.stream)
        now = self.clock()
        lines = live_lines(self.flights, now, columns, max(1, rows - 3))
        if lines and _api_silence():
            lines.append(fit(_api_silence().removeprefix("; "), columns - 1))
        parts = [f"\033[{self.drawn}A\r"] if self.drawn else []
        parts += [f"\033[K{output.redact(p)}\n" for p in permanent]
        parts += [f"\033[K{output.redact(line)}\n" for line in lines]
        self._write("".join(parts) + "\033[J")
        self.drawn = len(lines)

    def _log(self, text: str) -> None:
        stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        self._write(f"{stamp} {output.redact(text)}\n")

    def _write(self, text: str) -> None:
        self.stream.write(text)
        self.stream.flush()


def live_lines(flights: dict[str, Flight], now: float, columns: int, rows: int) -> list[str]:
    """One line per resource in flight, each shorter than `columns`, at most `rows` lines."""
    items = sorted(flights.items(), key=lambda kv: (kv[1].started, kv[0]))
    lines = []
    for address, f in items:
        shown = f.status and f.status != f.what and f.status not in QUIET_STATUSES
        lines.append(
            live_line(address, f.what, f.status if shown else "", duration_text(now - f.started), columns - 1)
        )
    if len(lines) > rows:  # more than the screen can hold: redrawing would scroll away
        hidden = len(lines) - rows + 1
        lines = [*lines[: rows - 1], fit(f"... and {hidden} more in flight", columns - 1)]
    return lines


def live_line(address: str, what: str, status: str, elapsed: str, width: int) -> str:
    """`address: what - status [elapsed]` in `width` columns. When it does not fit, the status
    is what is kept: first the verb goes (the status says more), then the address loses its
    beginning (its key is at the end), and only then is the line cut."""
    tail = f" [{elapsed}]"
    line = f"{address}: {what}{' - ' + status if status else ''}{tail}"
    if len(line) <= width:
        return line
    doing = status or what
    line = f"{address}: {doing}{tail}"
    if len(line) <= width:
        return line
    room = width - len(f": {doing}{tail}")
    if room >= 8:
        return f"...{address[-(room - 3) :]}: {doing}{tail}"
    return fit(line, width)


def fit(text: str, width: int) -> str:
    """`text` cut to `width` characters, keeping its end (the elapsed time) visible."""
    if len(text) <= width:
        return text
    if width < 12:
        return text[: max(width, 0)]
    tail = text[text.rfind(" [") :] if " [" in text else ""
    if width - len(tail) < 8:
        return text[:width]
    return text[: width - len(tail) - 3] + "..." + tail


def duration_text(seconds: float) -> str:
    seconds = int(max(seconds, 0))
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"


def terminal_size(stream: TextIO) -> tuple[int, int]:
    try:
        size = os.get_terminal_size(stream.fileno())
    except (AttributeError, OSError, ValueError):
        size = shutil.get_terminal_size()
    return max(size.columns, 20), max(size.lines, 3)


def is_terminal(stream: TextIO) -> bool:
    """Live lines need a real terminal, and stderr must not be interleaving a debug log."""
    if not (hasattr(stream, "isatty") and stream.isatty()) or os.environ.get("TERM") == "dumb":
        return False
    logging_here = os.environ.get("INFERMOD_LOG", "").strip().lower() not in ("", "off")
    return not (logging_here and not os.environ.get("INFERMOD_LOG_PATH"))


class JsonProgress(Progress):
    """`--json`: each event of the run as a JSON line (apply_start, apply_progress when the
    status changes and every HEARTBEAT seconds while it does not, apply_complete or
    apply_errored), never a terminal line."""

    def __init__(self, *, heartbeat: float = HEARTBEAT, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(sys.stderr, live=False, heartbeat=heartbeat, clock=clock)

    def start(self, address: str, what: str) -> None:
        from infermod import events

        with self.lock:
            now = self.clock()
            self.started[address] = now
            self.flights[address] = Flight(what, "", now, now, "")
            events.emit("apply_start", f"{address}: {what}...", address=address, action=what)

    def status(self, address: str, status: str) -> None:
        with self.lock:
            flight = self.flights.get(address)
            if flight is None or flight.status == status:
                return
            self.flights[address] = flight._replace(status=status, logged=self.clock())
            self._progress(address, status)

    def done(self, address: str, message: str, ok: bool = True) -> None:
        from infermod import events

        with self.lock:
            self.flights.pop(address, None)
            events.emit(
                "apply_complete" if ok else "apply_errored",
                f"{address}: {message} after {self.elapsed(address)}",
                address=address,
                result=message,
                elapsed_seconds=self._seconds(address),
            )

    def tick(self) -> None:
        with self.lock:
            now = self.clock()
            for address, flight in sorted(self.flights.items()):
                if now - flight.logged >= self.heartbeat:
                    self._progress(address, flight.status or flight.what)
                    self.flights[address] = flight._replace(logged=now)

    def _progress(self, address: str, status: str) -> None:
        from infermod import events

        events.emit(
            "apply_progress",
            f"{address}: {status} ({self.elapsed(address)})",
            address=address,
            status=status,
            elapsed_seconds=self._seconds(address),
        )

    def _seconds(self, address: str) -> int:
        now = self.clock()
        return int(max(now - self.started.get(address, now), 0))


API_SILENCE_SHOWN = 30.0  # seconds without an answer before the progress lines say so


def _api_silence() -> str:
    """`; no answer from the API for 2m (retrying)` once calls have failed that long."""
    from infermod.scw import transport

    quiet = transport.silence()
    if quiet is None or quiet < API_SILENCE_SHOWN:
        return ""
    return f"; no answer from the API for {duration_text(quiet)} (retrying)"
