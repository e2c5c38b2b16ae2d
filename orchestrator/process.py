"""The only module that starts subprocesses.

Contract:
- Every child gets an explicit environment (never ``os.environ`` implicitly) and an argv list, never
  a shell string, so secrets handed over in the environment never appear in any argv.
- :func:`run_capture` runs a short command to completion and returns its output; it raises
  :class:`~orchestrator.errors.ToolError` only when the program cannot be started at all.
- :func:`run_streaming` runs a long command (terraform, hooks), handing each whole output line to a
  callback (:func:`run_supervised` also says whether tgo forced it to stop); :class:`ProcessGroup`
  tracks the running children of one run so Ctrl-C, SIGTERM and SIGHUP can be forwarded and, after
  the shutdown timeout, escalated (:func:`forward_interrupts`).
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


@dataclass(frozen=True, slots=True)
class Finished:
    """How a streamed child ended: its exit code (negative: killed by that signal) and whether tgo
    forced it to stop (SIGTERM / SIGKILL after the shutdown timeout or a second signal): a forced
    terraform may have left its state lock behind."""

    code: int
    forced: bool = False


class ProcessGroup:
    """The long-running children of one run, for signal forwarding. Thread-safe.

    Each child starts in its own session (its own process group), so a Ctrl-C at the terminal
    reaches tgo only; tgo forwards it with :meth:`interrupt` (SIGINT, terraform releases its state
    lock and stops) and, after a second signal or the shutdown timeout, :meth:`terminate` (SIGTERM)
    and :meth:`kill` (SIGKILL). Those two signal the child's whole process group, so what it started
    (terraform's provider plugins, a hook's children) dies with it. An ``interactive`` child shares
    tgo's process group (it owns the terminal): only the child itself is signalled, and a SIGINT is
    not forwarded to it (the terminal already sent it one). After :meth:`interrupt`,
    :func:`run_streaming` starts nothing new.
    """

    def __init__(self) -> None:
        # Re-entrant: the signal handler runs on the main thread, maybe while it holds the lock.
        self._lock = threading.RLock()
        self._procs: dict[subprocess.Popen[bytes], bool] = {}  # child -> has its own process group
        self._forced: set[int] = set()
        self._interrupted = False
        self._idle = threading.Condition(self._lock)

    @property
    def interrupted(self) -> bool:
        return self._interrupted

    def _add(self, proc: subprocess.Popen[bytes], *, own_group: bool) -> bool:
        with self._lock:
            if self._interrupted:
                return False
            self._procs[proc] = own_group
            return True

    def _remove(self, proc: subprocess.Popen[bytes]) -> bool:
        """Forget ``proc``; True when it was forced to stop."""
        with self._lock:
            self._procs.pop(proc, None)
            forced = proc.pid in self._forced
            self._forced.discard(proc.pid)
            if not self._procs:
                self._idle.notify_all()
            return forced

    def _signal(self, sig: int, *, forced: bool) -> None:
        with self._lock:
            procs = list(self._procs.items())
            if forced:
                self._forced.update(proc.pid for proc, _ in procs)
        for proc, own_group in procs:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                if own_group:
                    os.killpg(proc.pid, sig)
                elif sig != signal.SIGINT:
                    proc.send_signal(sig)

    def interrupt(self) -> None:
        """Forward SIGINT to every running child; refuse new starts from now on."""
        with self._lock:
            self._interrupted = True
        self._signal(signal.SIGINT, forced=False)

    def terminate(self) -> None:
        """SIGTERM every running child's process group (terraform stops at once, locks held)."""
        with self._lock:
            self._interrupted = True
        self._signal(signal.SIGTERM, forced=True)

    def kill(self) -> None:
        """SIGKILL every running child's process group."""
        with self._lock:
            self._interrupted = True
        self._signal(signal.SIGKILL, forced=True)

    def wait_idle(self, timeout: float) -> bool:
        """Wait until no child runs (True) or ``timeout`` seconds passed (False)."""
        with self._idle:
            return self._idle.wait_for(lambda: not self._procs, timeout)


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
    return run_supervised(argv, cwd=cwd, env=env, on_line=on_line, group=group, interactive=interactive).code


def run_attached(argv: Sequence[str], *, cwd: Path, env: Mapping[str, str], group: ProcessGroup | None = None) -> int:
    """Run ``argv`` on tgo's own terminal (stdin, stdout and stderr inherited, tgo's process group:
    a Ctrl-C reaches it directly); its exit code. For a child whose console is the point (the demo
    shows tgo's live board). Raises ToolError when the program cannot be started."""
    if group is not None and group.interrupted:
        return EXIT_NOT_STARTED
    try:
        proc = subprocess.Popen(list(argv), cwd=cwd, env=dict(env))  # argv list, never a shell
    except OSError as exc:
        raise ToolError(f"cannot run {argv[0]!r}: {exc.strerror or exc}") from exc
    if group is not None and not group._add(proc, own_group=False):
        proc.kill()
        proc.wait()
        return EXIT_NOT_STARTED
    try:
        return proc.wait()
    finally:
        if group is not None:
            group._remove(proc)


def run_supervised(
    argv: Sequence[str],
    *,
    cwd: Path,
    env: Mapping[str, str],
    on_line: LineHandler,
    group: ProcessGroup | None = None,
    interactive: bool = False,
) -> Finished:
    """:func:`run_streaming`, also saying whether ``group`` forced the child to stop. Raises ToolError."""
    if group is not None and group.interrupted:
        return Finished(EXIT_NOT_STARTED)
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
    if group is not None and not group._add(proc, own_group=not interactive):
        # Interrupted between the caller's check and the start: stop the child at once.
        with contextlib.suppress(ProcessLookupError):
            if interactive:
                proc.kill()
            else:
                os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        return Finished(EXIT_NOT_STARTED)
    try:
        readers = [
            threading.Thread(target=_pump, args=(stream, name, on_line), daemon=True)
            for stream, name in ((proc.stdout, "stdout"), (proc.stderr, "stderr"))
        ]
        for reader in readers:
            reader.start()
        for reader in readers:
            reader.join()
        code = proc.wait()
    finally:
        forced = group._remove(proc) if group is not None else False
        if forced and not interactive:
            # What the child left in its group (a provider plugin that survived SIGTERM) dies with it.
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)
    return Finished(code, forced)


def _pump(stream: IO[bytes] | None, name: str, on_line: LineHandler) -> None:
    if stream is None:
        return
    with stream:
        for raw in stream:
            on_line(name, raw.decode("utf-8", errors="replace").rstrip("\r\n"))


STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
KILL_GRACE_S = 5.0
"""After SIGTERM, how long children get before SIGKILL."""


class Shutdown:
    """What :func:`forward_interrupts` saw: the first stop signal (``signum``, None when none came)
    and whether the children were forced to stop. Thread-safe (set from the main thread, read after)."""

    def __init__(self) -> None:
        self.signum: int | None = None
        self.forced = False
        self.done = threading.Event()


@contextlib.contextmanager
def forward_interrupts(
    group: ProcessGroup,
    on_first: Callable[[], None],
    *,
    shutdown_timeout: float = 60.0,
    kill_grace: float = KILL_GRACE_S,
    notify: Callable[[str], None] | None = None,
) -> Iterator[Shutdown]:
    """While active (main thread only), the first SIGINT, SIGTERM or SIGHUP calls ``on_first`` and
    forwards SIGINT to ``group`` (terraform stops and releases its state lock); if children still run
    ``shutdown_timeout`` seconds later they get SIGTERM, and ``kill_grace`` seconds after that SIGKILL.
    A second signal kills the group at once. ``notify`` gets one line per step, always from another
    thread than the handler (the handler may have interrupted a holder of the console's lock). Yields
    the :class:`Shutdown` record. Elsewhere than the main thread it only yields."""
    shutdown = Shutdown()
    if threading.current_thread() is not threading.main_thread():
        yield shutdown
        return

    def say(text: str) -> None:
        if notify is not None:
            notify(text)

    def escalate(name: str) -> None:
        say(
            f"{name} received: SIGINT sent to running terraform so it can release its state lock, nothing new "
            f"starts; waiting up to {shutdown_timeout:g} s (a second Ctrl-C kills them now)"
        )
        if group.wait_idle(shutdown_timeout) or shutdown.done.is_set():
            return
        shutdown.forced = True
        say(f"still running after {shutdown_timeout:g} s (--shutdown-timeout): sending SIGTERM, then SIGKILL")
        group.terminate()
        if not group.wait_idle(kill_grace):
            group.kill()

    def handler(signum: int, _frame: object) -> None:
        if shutdown.signum is None:
            shutdown.signum = signum
            on_first()
            group.interrupt()
            name = signal.Signals(signum).name
            threading.Thread(target=escalate, args=(name,), name="tgo-shutdown", daemon=True).start()
        else:
            shutdown.forced = True
            group.kill()
            threading.Thread(target=say, args=("second signal: running terraform killed",), daemon=True).start()

    previous = {sig: signal.signal(sig, handler) for sig in STOP_SIGNALS}
    try:
        yield shutdown
    finally:
        shutdown.done.set()
        for sig, old in previous.items():
            signal.signal(sig, old)
