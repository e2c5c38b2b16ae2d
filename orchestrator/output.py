"""What a run prints and logs.

Contract (all methods thread-safe; one lock orders every write to the terminal):
- Module output (``mode``): ``stream`` prints each line of a module's output at once, prefixed
  ``[<module>] `` (unless ``prefix=False``, for a single module), whole lines that never interleave
  mid-line; ``grouped`` prints a module's lines as one block when it finishes; ``logs`` prints none
  (the run directory's logs hold them).
- Every module's full output goes to ``<log_dir>/<module path with / as __>.log``, unprefixed, as
  far as it can be written: a log failure is one warning with the path, never a module failure.
- Progress (``progress``): ``tty`` draws the live board (orchestrator.console.board) under the output,
  redrawn in place every second and on resize, with one line per finished module scrolling above it,
  and erased by :meth:`RunOutput.close`; ``plain`` prints ``[tgo]`` lines for modules starting and
  finishing (``queued`` and ``waiting`` unprinted) and a heartbeat every ``heartbeat_s`` seconds;
  ``json`` writes one event per line to stdout (orchestrator.console.events) and nothing else;
  ``quiet`` prints nothing live. A single module (``prefix=False``) always gets ``plain`` progress
  on stderr, so stdout carries only terraform's output.
  States: ``waiting`` = dependencies not finished; ``queued`` = ready, held by ``--parallelism``.
- The run engine calls, from any thread: :meth:`RunOutput.module` (then ``line``/``note``/``retry``
  and ``close`` on the module), :meth:`RunOutput.status` for state changes and
  :meth:`RunOutput.finished` when a module ends. :meth:`RunOutput.close` once at the end.
Nothing here knows terraform. argv and env are never printed; every line of a child's output is
passed through the console's redactor (the credentials tgo handed out) before it is printed,
logged or kept for the report.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Literal, TextIO

from orchestrator.console.board import Board, Finished, finished_line
from orchestrator.console.events import ModuleRetried, ModuleSkipped, ModuleStarted, event_line, finished_event
from orchestrator.console.live import LiveTerminal, Size, on_resize, terminal_size
from orchestrator.console.text import human_duration
from orchestrator.runtime import Console

OutputMode = Literal["stream", "grouped", "logs"]
ProgressMode = Literal["tty", "plain", "json", "quiet"]
TAIL_LINES = 20
RECENT_LINES = 400
TERMINAL = frozenset({"succeeded", "failed", "interrupted", "excluded"})
__all__ = ["Finished", "ModuleOutput", "OutputMode", "ProgressMode", "RunOutput", "log_name"]


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
        progress: ProgressMode | None = None,
        wall: Callable[[], datetime] | None = None,
        durations: Mapping[str, float] | None = None,
        parallelism: int = 1,
        size: Size | None = None,
        ticker: bool = False,
        heartbeat_s: float = 30.0,
    ) -> None:
        """``live`` is the older spelling of ``progress="tty"``. ``durations``: each module's duration
        in an earlier run (the board's ETA). ``ticker``: a thread refreshes the board every second
        (and on SIGWINCH) and prints the ``plain`` heartbeat; without it, :meth:`tick` does."""
        self.console = console
        self.prefix = prefix
        self.log_dir = log_dir
        chosen: ProgressMode = progress or ("tty" if live else "plain")
        self.progress: ProgressMode = chosen if prefix else "plain"
        self.mode: OutputMode = mode if self.progress in {"tty", "plain"} or not prefix else "logs"
        self.live = self.progress == "tty"
        self._lock = threading.Lock()
        self._monotonic = monotonic or time.monotonic
        self._wall = wall or (lambda: datetime.now(UTC))
        self._t0 = self._monotonic()
        self.board = Board(self._t0, durations=durations, parallelism=parallelism)
        self.heartbeat_s = heartbeat_s
        self._last_beat = self._t0
        self._term = LiveTerminal(console.out, size or terminal_size(console.out)) if self.live else None
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._exit = contextlib.ExitStack()
        self._thread: threading.Thread | None = None
        if self._term is not None:
            console.set_overlay(self._write_above)
            self._exit.callback(console.set_overlay, None)
        if ticker and self.progress in {"tty", "plain"}:
            if self._term is not None:
                self._exit.enter_context(on_resize(self._wake.set))
            self._thread = threading.Thread(target=self._tick_loop, name="tgo-board", daemon=True)
            self._thread.start()

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
        if own and not self.prefix:
            self.console.error(text)
        elif self._term is not None:
            with self._lock:
                self._redraw(above=text)
        elif self.progress == "json":
            self.console.error(text)  # stdout carries only the events
        else:
            self.console.print(text)

    def status(self, display: str, state: str, detail: str = "") -> None:
        """Record a module's state (waiting/queued/running/succeeded/failed/skipped/...). An ending
        state (succeeded, failed, ...) is the same as :meth:`finished` with ``detail`` shown."""
        if state in TERMINAL:
            self.finished(display, Finished(state), detail=detail)
            return
        with self._lock:
            now = self._monotonic()
            self.board.set_state(display, state, now)
            if self._term is not None:
                if state not in {"waiting", "queued"}:  # those show at the next tick (300 at the start)
                    self._redraw()
                return
            event: ModuleStarted | ModuleSkipped | None = None
            if self.progress == "json" and state in {"running", "skipped"}:
                stamp, elapsed = self._wall(), round(now - self._t0, 3)
                event = (
                    ModuleStarted(module=display, time=stamp, elapsed_s=elapsed)
                    if state == "running"
                    else ModuleSkipped(module=display, reason=detail, time=stamp, elapsed_s=elapsed)
                )
        if event is not None:
            self._event(event_line(event))
        elif self.progress == "plain" and state not in {"queued", "waiting"}:
            self.emit([f"[tgo] {display}: {state}{f' ({detail})' if detail else ''}"], own=True)

    def finished(self, display: str, done: Finished, *, detail: str = "") -> None:
        """A module ended: its one line (outcome, change counts, duration) or its event."""
        with self._lock:
            now = self._monotonic()
            self.board.set_state(display, done.status, now)
            line = finished_line(display, done) + (f" ({detail})" if detail and done.duration_s is None else "")
            if self._term is not None:
                self._redraw(above=self.console.redact(line + "\n"))
                return
            event = finished_event(display, done, self._wall(), now - self._t0) if self.progress == "json" else None
        if event is not None:
            self._event(event_line(event))
        elif self.progress == "plain":
            self.emit([line], own=True)

    def retried(self, display: str, attempt: int, delay_s: float, reason: str = "") -> None:
        """A module's command is run again (``attempt`` about to start) after ``delay_s`` seconds."""
        if self.progress != "json":
            return
        now = self._monotonic()
        event = ModuleRetried(
            module=display, attempt=attempt, delay_s=delay_s, reason=reason, time=self._wall(), elapsed_s=now - self._t0
        )
        self._event(event_line(event))

    def event_line(self, line: str) -> None:
        """Write one event line (``json`` progress) to stdout, e.g. the run's last one."""
        self._event(line)

    def _event(self, line: str) -> None:
        with self._lock:
            self.console.out.write(self.console.redact(line) + "\n")
            self.console.out.flush()

    def saw_line(self, display: str, text: str) -> None:
        """A module printed ``text``: the board shows it on the module's row at the next redraw."""
        if self._term is not None:
            with self._lock:
                self.board.line(display, self.console.redact(text))

    def tick(self) -> None:
        """Once a second: redraw the board (elapsed times move even when nothing finishes); in
        ``plain`` progress, the heartbeat when it is due."""
        beat: str | None = None
        with self._lock:
            now = self._monotonic()
            if self._term is not None:
                self._redraw()
            elif self.progress == "plain" and now - self._last_beat >= self.heartbeat_s:
                self._last_beat = now
                beat = self._heartbeat(now)
        if beat is not None:
            self.emit([beat], own=True)

    def _heartbeat(self, now: float) -> str:
        board = self.board
        running = sorted(
            (d for d, s in board.states.items() if s == "running"), key=lambda d: board.started.get(d, now)
        )
        longest = ", ".join(f"{d} {human_duration(now - board.started.get(d, now))}" for d in running[:3])
        more = f", +{len(running) - 3} more" if len(running) > 3 else ""
        return board.counter_line(now, 10_000) + (f" | longest: {longest}{more}" if longest else "")

    def _tick_loop(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(1.0)
            self._wake.clear()
            if self._stop.is_set():
                return
            self.tick()

    def _redraw(self, above: str = "") -> None:
        """Under ``_lock``: ``above`` scrolls above the board, then the board is drawn again."""
        term = self._term
        assert term is not None
        _, height = term.size()
        term.draw(self.board.render(self._monotonic(), term.width(), height), above)

    def _write_above(self, stream: TextIO, text: str) -> None:
        """The console's overlay while the board is up: tgo's other lines (stderr notices) go above it."""
        with self._lock:
            if self._term is None:
                stream.write(text)
                stream.flush()
                return
            self._term.clear()
            stream.write(text)
            stream.flush()
            self._redraw()

    def close(self) -> None:
        """Stop the refresh, erase the board (nothing of it stays on the screen). Idempotent."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=5)
        self._exit.close()
        with self._lock:
            if self._term is not None:
                self._term.clear()


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
        self._recent: deque[str] = deque(maxlen=RECENT_LINES)
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
            if stream == "stderr":
                self._recent.append(text)
                if text.strip():
                    self._stderr_tail.append(text)
            prefixed = f"[{self.display}] {text}" if self.run.prefix else text
            if self.run.mode == "grouped":
                self._block.append(prefixed)
                prefixed = ""
            elif self.run.mode == "logs":
                prefixed = ""
        if warning is not None:
            self._warn(warning)
        if stream != "tgo":
            self.run.saw_line(self.display, text)
        if prefixed:
            self.run.emit([prefixed], own=stream == "tgo")

    def note(self, text: str) -> None:
        """A line of tgo's own about this module (logged and shown like output)."""
        self.line("tgo", f"[tgo] {text}")

    def notice(self, text: str) -> None:
        """A line of tgo's own that the user should see even when module output goes only to the logs
        (``--output logs``, the board): logged, and shown unless the progress is ``quiet``."""
        line = f"[tgo] {text}"
        if self.run.mode != "logs":
            self.line("tgo", line)
            return
        self.line("tgo", line)  # the log
        if self.run.progress != "quiet":
            self.run.emit([f"[{self.display}] {line}" if self.run.prefix else line], own=True)

    def retry(self, attempt: int, delay_s: float, reason: str = "") -> None:
        """The command failed with a retryable error; ``attempt`` starts in ``delay_s`` seconds."""
        self.note(f"retryable error; attempt {attempt} in {delay_s:g} s")
        self.run.retried(self.display, attempt, delay_s, reason)

    def recent_stderr(self) -> list[str]:
        """The last stderr lines, blank ones included (where terraform's error blocks are)."""
        with self._lock:
            return list(self._recent)

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
