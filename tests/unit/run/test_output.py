"""Run output: prefixed whole lines, grouped blocks, log files, the no-TTY confirmation rule."""

from __future__ import annotations

import io
import threading
from pathlib import Path

import pytest

from orchestrator.cli.run_argv import split_run_argv
from orchestrator.cli.run_cmds import make_confirm
from orchestrator.errors import UsageError
from orchestrator.output import RunOutput
from orchestrator.runtime import Console


def test_stream_mode_prefixes_whole_lines_from_many_threads(tmp_path: Path) -> None:
    buf = io.StringIO()
    run = RunOutput(Console(out=buf, err=buf, color=False), tmp_path)
    mods = [run.module(f"mod{i}") for i in range(4)]

    def spam(i: int) -> None:
        for n in range(200):
            mods[i].line("stdout", f"line {n} " + "x" * 50)

    threads = [threading.Thread(target=spam, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for mod in mods:
        mod.close()
    lines = buf.getvalue().splitlines()
    assert len(lines) == 800
    assert all(line.startswith("[mod") and line.endswith("x" * 50) for line in lines)
    assert (tmp_path / "mod0.log").read_text().splitlines()[0] == "line 0 " + "x" * 50


def test_grouped_mode_prints_each_module_as_one_block(tmp_path: Path) -> None:
    buf = io.StringIO()
    run = RunOutput(Console(out=buf, err=buf, color=False), tmp_path / "logs", mode="grouped")
    a, b = run.module("a"), run.module("b/c")
    a.line("stdout", "a1")
    b.line("stderr", "b1")
    a.line("stdout", "a2")
    assert buf.getvalue() == ""
    b.close()
    a.close()
    assert buf.getvalue().splitlines() == ["[b/c] b1", "[a] a1", "[a] a2"]
    assert b.stderr_tail() == ["b1"]
    assert (tmp_path / "logs" / "b__c.log").read_text() == "b1\n"


def test_confirmation_without_a_terminal_needs_yes() -> None:
    confirm = make_confirm(split_run_argv(["apply"]), stdin_tty=False)
    with pytest.raises(UsageError, match="--yes") as info:
        confirm(["a"])
    assert info.value.exit_code == 64
    assert make_confirm(split_run_argv(["apply", "--yes"]), stdin_tty=False) is None
    assert make_confirm(split_run_argv(["--non-interactive", "apply"]), stdin_tty=False) is None


class FakeTty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_live_status_line_is_redrawn_under_output_and_cleared(tmp_path: Path) -> None:
    tty = FakeTty()
    run = RunOutput(
        Console(out=tty, err=tty, color=True), tmp_path, live=True, monotonic=lambda: 5.0, size=lambda: (100, 24)
    )
    run.status("b", "queued")
    run.status("a", "running")
    mod = run.module("a")
    mod.line("stdout", "hello")
    run.status("a", "succeeded")
    run.close()
    text = tty.getvalue()
    counter = "[tgo 0s] 0/2 done | 1 running | 1 queued | 0 waiting | 0 failed | 0 skipped"
    assert f"\r\x1b[1A\x1b[J[a] hello\n{counter}\n  a      0s  hello" in text
    assert text.endswith(
        "[tgo] a: succeeded\n[tgo 0s] 1/2 done | 0 running | 1 queued | 0 waiting | 0 failed | 0 skipped\r\x1b[J"
    )


def test_single_module_mode_keeps_stdout_for_terraform(tmp_path: Path) -> None:
    out, err = io.StringIO(), io.StringIO()
    run = RunOutput(Console(out=out, err=err, color=False), tmp_path, prefix=False)
    mod = run.module(".")
    mod.line("stdout", '{"v": 1}')
    mod.note("terraform init")
    run.status(".", "succeeded")
    mod.close()
    assert out.getvalue() == '{"v": 1}\n'
    assert "[tgo] terraform init" in err.getvalue() and "[tgo] .: succeeded" in err.getvalue()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["run-all"], "missing terraform command"),
        (["run-all", "plan", "--output", "fancy"], "--output must be stream, grouped or logs"),
        (["run-all", "plan", "--parallelism", "many"], "--parallelism expects a number"),
        (["run-all", "plan", "--parallelism"], "--parallelism needs a value"),
    ],
)
def test_usage_errors_exit_64_with_a_message(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from orchestrator.cli import main

    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 64
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
