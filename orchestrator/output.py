"""What a run prints and logs.

Contract (all methods thread-safe; one lock orders every write to the terminal):
- ``stream`` mode: each line of a module's output is printed at once, prefixed ``[<module>] ``
  (unless ``prefix=False``, for a single module);
  lines are whole (process.run_streaming hands over whole lines) and never interleave mid-line.
- ``grouped`` mode: a module's lines are printed as one block when the module finishes.
- Every module's full output goes to ``<log_dir>/<module path with / as __>.log``, unprefixed, as
  far as it can be written: a log failure is one warning with the path, never a module failure.
- ``live`` (a TTY with colour, not CI): a status line (queued / waiting / running / succeeded / failed
  / ... counts, the running modules with their own elapsed time, the run's elapsed time) is redrawn under
  the output; otherwise status changes are plain ``[tgo]`` lines (``queued`` and ``waiting`` unprinted).
  States: ``waiting`` = dependencies not finished; ``queued`` = ready, held by ``--parallelism``.
Nothing here knows terraform. argv and env are never printed; every line of a child's output is
passed through the console's redactor (the credentials tgo handed out) before it is printed,
logged or kept for the report.
"""

from __future__ import annotations

import contextlib
import threading
from collections import Counter, deque
from collections.abc import Callable
from pathlib import Path
from typing import IO, Literal

from orchestrator.runtime import Console

OutputMode = Literal["stream", "grouped"]
TAIL_LINES = 20
_CLEAR = "\r\x1b[K"


def log_name(display: str) -> str:
    return (display.strip("/").replace("/", "__") or "root") + ".log"


class RunOutput:
    """The terminal and log files of one run."""

    def __init__(
        self,
        console: Console,
        log_dir: Path,
        *,
        mode: OutputMode = "stream",
        live: bool = False,
        monotonic: Callable[[], float] | None = None,
        prefix: bool = True,
    ) -> None:
        self.console = console
        self.prefix = prefix
        self.log_dir = log_dir
        self.mode = mode
        self.live = live
        self._lock = threading.Lock()
        self._states: dict[str, str] = {}
        self._started: dict[str, float] = {}
        self._monotonic = monotonic
        self._t0 = monotonic() if monotonic else 0.0
        self._status_shown = False

    def module(self, display: str) -> ModuleOutput:
        """The output of one module. Never raises: a log that cannot be written (full disk, read-only
        run directory) is a warning naming its path, and the output still reaches the console."""
        return ModuleOutput(self, display, self.log_dir / log_name(display))

    def emit(self, lines: list[str], *, own: bool = False) -> None:
        """Print whole lines as one uninterrupted block. ``own`` marks tgo's own lines: without a
        prefix (a single module) they go to stderr, so stdout carries only terraform's output."""
        if not lines:
            return
        text = self.console.redact("\n".join(lines) + "\n")
        with self._lock:
            if own and not self.prefix:
                self.console.error(text)
            elif self.live:
                out = self.console.out
                out.write(_CLEAR + text + self._status_text())
                out.flush()
                self._status_shown = True
            else:
                self.console.print(text)

    def status(self, display: str, state: str, detail: str = "") -> None:
        """Record a module's state (waiting/queued/running/succeeded/failed/skipped/...)."""
        with self._lock:
            self._states[display] = state
            if state == "running" and self._monotonic:
                self._started[display] = self._monotonic()
            if self.live:
                self.console.out.write(_CLEAR + self._status_text())
                self.console.out.flush()
                self._status_shown = True
                return
        if state not in {"queued", "waiting"}:
            self.emit([f"[tgo] {display}: {state}{f' ({detail})' if detail else ''}"], own=True)

    def _status_text(self) -> str:
        counts = Counter(self._states.values())
        now = self._monotonic() if self._monotonic else None
        running = [
            f"{d} {now - self._started[d]:.0f}s" if now is not None and d in self._started else d
            for d, s in self._states.items()
            if s == "running"
        ]
        elapsed = f" {now - self._t0:.0f}s" if now is not None else ""
        states = ("queued", "waiting", "running", "succeeded", "failed", "skipped", "interrupted")
        parts = [f"{counts[s]} {s}" for s in states if counts[s]]
        shown = ", ".join(running[:3]) + (", ..." if len(running) > 3 else "")
        return f"[tgo{elapsed}] {' | '.join(parts)}" + (f" | {shown}" if shown else "")

    def close(self) -> None:
        with self._lock:
            if self.live and self._status_shown:
                self.console.out.write(_CLEAR)
                self.console.out.flush()
                self._status_shown = False


class ModuleOutput:
    """One module's output: prefixed to the terminal (or grouped), full to its log file.

    The log is best effort: when it cannot be opened or written (``OSError``: no space, read-only, ...)
    one warning names the path and the reason, logging stops, and every line still goes to the console.
    A module's result never depends on its log."""

    def __init__(self, run: RunOutput, display: str, log_file: Path) -> None:
        self.run = run
        self.display = display
        self.log_file = log_file
        self._lock = threading.Lock()
        self._log: IO[str] | None = None
        self.log_failed: str | None = None
        """Why the log could not be written (None while it works)."""
        self._block: list[str] = []
        self._stderr_tail: deque[str] = deque(maxlen=TAIL_LINES)
        self._closed = False
        try:
            log_file.parent.mkdir(parents=True, exist_ok=True)
            self._log = log_file.open("a", encoding="utf-8")
        except OSError as err:
            self._warn(self._log_failed(err))

    def _log_failed(self, err: OSError) -> str:
        """Stop logging (under ``_lock`` or before any other thread sees this object); the warning."""
        log, self._log = self._log, None
        if log is not None:
            with contextlib.suppress(OSError):
                log.close()
        self.log_failed = err.strerror or str(err)
        return f"[tgo] warning: cannot write the log {self.log_file}: {self.log_failed}; output goes on to the console"

    def _warn(self, warning: str) -> None:
        self.run.emit([f"[{self.display}] {warning}" if self.run.prefix else warning], own=True)

    def line(self, stream: str, text: str) -> None:
        """One whole line of a child's ``stdout`` or ``stderr`` (secrets masked before anything else)."""
        text = self.run.console.redact(text)
        warning = None
        with self._lock:
            if self._closed:
                return
            if self._log is not None:
                try:
                    self._log.write(text + "\n")
                except OSError as err:
                    warning = self._log_failed(err)
            if stream == "stderr" and text.strip():
                self._stderr_tail.append(text)
            prefixed = f"[{self.display}] {text}" if self.run.prefix else text
            if self.run.mode == "grouped":
                self._block.append(prefixed)
                prefixed = ""
        if warning is not None:
            self._warn(warning)
        if prefixed:
            self.run.emit([prefixed], own=stream == "tgo")

    def note(self, text: str) -> None:
        """A line of tgo's own about this module (logged and shown like output)."""
        self.line("tgo", f"[tgo] {text}")

    def stderr_tail(self) -> list[str]:
        with self._lock:
            return list(self._stderr_tail)

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
            warning = None
            if self._log is not None:
                try:
                    self._log.close()  # a full disk shows here: the last buffered lines do not fit
                except OSError as err:
                    warning = self._log_failed(err)
            block, self._block = self._block, []
        if warning is not None:
            self._warn(warning)
        self.run.emit(block)
