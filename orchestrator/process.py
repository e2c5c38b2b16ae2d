"""The only module that starts subprocesses.

Contract:
- Every child gets an explicit environment (never ``os.environ`` implicitly) and an argv list, never
  a shell string, so secrets handed over in the environment never appear in any argv.
- :func:`run_capture` runs a short command to completion and returns its output; it raises
  :class:`~orchestrator.errors.ToolError` only when the program cannot be started at all.
- :func:`run_streaming` runs a long command (terraform, hooks), handing each whole output line to a
  callback; :class:`ProcessGroup` tracks the running children of one run so Ctrl-C can be forwarded
  (:func:`forward_interrupts`).
- All functions here are thread-safe; the only shared state is a ProcessGroup, which locks.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from orchestrator.errors import ToolError


@dataclass(frozen=True, slots=True)
class Captured:
    """The result of a finished command."""

    argv: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str


def run_capture(
    argv: Sequence[str],
    *,
    cwd: Path,
    env: Mapping[str, str],
    timeout: float | None = None,
    stdin: str | None = None,
) -> Captured:
    """Run ``argv`` in ``cwd`` with exactly ``env``; capture stdout and stderr as text.

    Raises ToolError when the executable is missing or not executable. A non-zero exit is a value.
    """
    try:
        proc = subprocess.run(  # argv list, never a shell
            list(argv),
            cwd=cwd,
            env=dict(env),
            input=stdin,
            capture_output=True,
            text=True,
            errors="replace",  # a program printing bytes that are not UTF-8 is a value, not a crash
            timeout=timeout,
            check=False,
        )
    except FileNotFoundError as exc:
        raise ToolError(f"cannot run {argv[0]!r}: not found", hint="install it or put it on PATH") from exc
    except PermissionError as exc:
        raise ToolError(f"cannot run {argv[0]!r}: permission denied", hint="make it executable") from exc
    except subprocess.TimeoutExpired as exc:
        raise ToolError(f"{argv[0]!r} did not finish within {timeout} s") from exc
    return Captured(tuple(argv), proc.returncode, proc.stdout, proc.stderr)


class ProcessGroup:
    """The long-running children of one run, for signal forwarding. Thread-safe.

    Each child starts in its own session (its own process group), so a Ctrl-C at the terminal
    reaches tgo only; tgo forwards it with :meth:`interrupt` (SIGINT, terraform releases its state
    lock and stops) and, on a second Ctrl-C, :meth:`kill` (SIGKILL). After :meth:`interrupt`,
    :func:`run_streaming` starts nothing new.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._procs: set[subprocess.Popen[bytes]] = set()
        self._interrupted = False

    @property
    def interrupted(self) -> bool:
        return self._interrupted

    def _add(self, proc: subprocess.Popen[bytes]) -> bool:
        with self._lock:
            if self._interrupted:
                return False
            self._procs.add(proc)
            return True

    def _remove(self, proc: subprocess.Popen[bytes]) -> None:
        with self._lock:
            self._procs.discard(proc)

    def _signal(self, sig: int) -> None:
        with self._lock:
            procs = list(self._procs)
        for proc in procs:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, sig)

    def interrupt(self) -> None:
        """Forward SIGINT to every running child; refuse new starts from now on."""
        with self._lock:
            self._interrupted = True
        self._signal(signal.SIGINT)

    def kill(self) -> None:
        """SIGKILL every running child's process group."""
        with self._lock:
            self._interrupted = True
        self._signal(signal.SIGKILL)


LineHandler = Callable[[str, str], None]
"""Called as ``on_line(stream, line)`` with ``stream`` ``"stdout"`` or ``"stderr"`` and one whole
line without its newline."""

EXIT_NOT_STARTED = 130
"""What :func:`run_streaming` returns when the group was interrupted before the child started."""


def run_streaming(
    argv: Sequence[str],
    *,
    cwd: Path,
    env: Mapping[str, str],
    on_line: LineHandler,
    group: ProcessGroup | None = None,
    interactive: bool = False,
) -> int:
    """Run ``argv`` in ``cwd`` with exactly ``env``, calling ``on_line`` for each whole output line
    (stdout and stderr read by two threads, so ``on_line`` must be thread-safe). Returns the exit
    code (negative: killed by that signal; :data:`EXIT_NOT_STARTED` when ``group`` was already
    interrupted). ``interactive`` gives the child tgo's stdin (else it reads /dev/null).

    Raises ToolError when the program cannot be started.
    """
    if group is not None and group.interrupted:
        return EXIT_NOT_STARTED
    try:
        proc = subprocess.Popen(  # argv list, never a shell
            list(argv),
            cwd=cwd,
            env=dict(env),
            stdin=None if interactive else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=not interactive,
        )
    except FileNotFoundError as exc:
        raise ToolError(f"cannot run {argv[0]!r}: not found", hint="install it or put it on PATH") from exc
    except PermissionError as exc:
        raise ToolError(f"cannot run {argv[0]!r}: permission denied", hint="make it executable") from exc
    if group is not None and not group._add(proc):
        # Interrupted between the caller's check and the start: stop the child at once.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        return EXIT_NOT_STARTED
    try:
        readers = [
            threading.Thread(target=_pump, args=(stream, name, on_line), daemon=True)
            for stream, name in ((proc.stdout, "stdout"), (proc.stderr, "stderr"))
        ]
        for reader in readers:
            reader.start()
        for reader in readers:
            reader.join()
        return proc.wait()
    finally:
        if group is not None:
            group._remove(proc)


def _pump(stream: IO[bytes] | None, name: str, on_line: LineHandler) -> None:
    if stream is None:
        return
    with stream:
        for raw in stream:
            on_line(name, raw.decode("utf-8", errors="replace").rstrip("\r\n"))


@contextlib.contextmanager
def forward_interrupts(group: ProcessGroup, on_first: Callable[[], None]) -> Iterator[None]:
    """While active (main thread only), the first SIGINT calls ``on_first`` and forwards SIGINT to
    ``group``; the second kills the group. Elsewhere than the main thread it does nothing."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    count = 0

    def handler(_signum: int, _frame: object) -> None:
        nonlocal count
        count += 1
        if count == 1:
            on_first()
            group.interrupt()
        else:
            group.kill()

    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
