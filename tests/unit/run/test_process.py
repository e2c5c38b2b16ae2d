"""process.run_streaming and ProcessGroup with tiny real programs (sh)."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from orchestrator.errors import ToolError
from orchestrator.process import EXIT_NOT_STARTED, ProcessGroup, run_streaming

ENV = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}


def test_lines_from_both_streams_are_whole(tmp_path: Path) -> None:
    got: list[tuple[str, str]] = []
    code = run_streaming(
        ["sh", "-c", "echo out1; echo err1 >&2; printf 'no newline'; exit 3"],
        cwd=tmp_path,
        env=ENV,
        on_line=lambda s, line: got.append((s, line)),
    )
    assert code == 3
    assert sorted(got) == [("stderr", "err1"), ("stdout", "no newline"), ("stdout", "out1")]


def test_env_is_exactly_what_is_given(tmp_path: Path) -> None:
    got: list[str] = []
    run_streaming(
        ["sh", "-c", "echo ${ONLY:-unset} ${HOME:-nohome}"],
        cwd=tmp_path,
        env={**ENV, "ONLY": "x"},
        on_line=lambda _s, line: got.append(line),
    )
    assert got == ["x nohome"]


@pytest.fixture(autouse=True)
def interactive_sigint() -> Iterator[None]:
    """SIGINT handled as in an interactive tgo: a process started with SIGINT ignored (a background
    job of a non-interactive shell, some test runners' workers) hands that to its children, and
    ``sleep`` would then not die of the forwarded SIGINT."""
    before = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, before)


def test_interrupt_reaches_the_child_and_blocks_new_starts(tmp_path: Path) -> None:
    group = ProcessGroup()
    codes: list[int] = []
    t = threading.Thread(
        target=lambda: codes.append(
            run_streaming(["sleep", "30"], cwd=tmp_path, env=ENV, on_line=lambda _s, _l: None, group=group)
        )
    )
    t.start()
    deadline = time.monotonic() + 10
    while not group._procs and time.monotonic() < deadline:  # wait for the child to start
        time.sleep(0.01)
    group.interrupt()
    t.join(10)
    assert codes and codes[0] < 0, "sleep died of SIGINT"
    assert run_streaming(["true"], cwd=tmp_path, env=ENV, on_line=lambda _s, _l: None, group=group) == EXIT_NOT_STARTED


def test_missing_program_is_a_tool_error(tmp_path: Path) -> None:
    with pytest.raises(ToolError, match="not found"):
        run_streaming(["/nonexistent/tf"], cwd=tmp_path, env=ENV, on_line=lambda _s, _l: None)


def test_first_ctrl_c_forwards_sigint_second_kills(tmp_path: Path) -> None:
    import signal

    from orchestrator.process import forward_interrupts

    group = ProcessGroup()
    cancelled = threading.Event()
    codes: list[int] = []
    # The child ignores SIGINT, so only the second Ctrl-C (SIGKILL) stops it.
    argv = ["sh", "-c", 'trap "" INT; sleep 30']
    with forward_interrupts(group, cancelled.set):
        t = threading.Thread(
            target=lambda: codes.append(
                run_streaming(argv, cwd=tmp_path, env=ENV, on_line=lambda _s, _l: None, group=group)
            )
        )
        t.start()
        deadline = time.monotonic() + 10
        while not group._procs and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.2)  # let sh install its trap
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(0.3)
        assert cancelled.is_set() and group.interrupted
        assert not codes, "SIGINT was forwarded but the child ignores it"
        os.kill(os.getpid(), signal.SIGINT)
        t.join(10)
    assert codes == [-signal.SIGKILL]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler, "the handler is restored"
