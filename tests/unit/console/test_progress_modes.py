"""--progress plain (heartbeat), json (events), quiet, auto; the ETA from the previous report; SIGWINCH."""

from __future__ import annotations

import io
import json
import os
import signal
from datetime import UTC, datetime
from pathlib import Path

import pytest

from orchestrator.console.board import Board, Finished
from orchestrator.console.eta import previous_durations
from orchestrator.console.live import on_resize
from orchestrator.console.progress import choose_progress, parse_progress
from orchestrator.errors import UsageError
from orchestrator.output import RunOutput
from orchestrator.runtime import Console

T0 = datetime(2026, 1, 1, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_plain_prints_a_heartbeat_every_30_seconds(tmp_path: Path) -> None:
    out, clock = io.StringIO(), Clock()
    run = RunOutput(Console(out=out, err=out, color=False), tmp_path, progress="plain", monotonic=clock)
    run.status("slow", "running")
    for second in range(1, 95):
        clock.now = float(second)
        run.tick()
    beats = [line for line in out.getvalue().splitlines() if line.startswith("[tgo ")]
    assert len(beats) == 3
    assert (
        beats[0] == "[tgo 30s] 0/1 done | 1 running | 0 queued | 0 waiting | 0 failed | 0 skipped | longest: slow 30s"
    )
    assert beats[2].startswith("[tgo 1m30s] ")


def test_json_writes_only_events_on_stdout(tmp_path: Path) -> None:
    out, err, clock = io.StringIO(), io.StringIO(), Clock()
    run = RunOutput(Console(out=out, err=err, color=False), tmp_path, progress="json", monotonic=clock, wall=lambda: T0)
    run.status("a", "waiting")
    run.status("a", "running")
    mod = run.module("a")
    mod.line("stdout", "terraform says hi")
    clock.now = 3.0
    mod.retry(2, 5.0, "throttled")
    run.finished("a", Finished("failed", 3.0, reason="Error: boom\n\ndetail"))
    run.status("b", "skipped", "dependency a failed")
    run.tick()
    mod.close()
    run.close()
    events = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [e["event"] for e in events] == ["module_started", "module_retried", "module_finished", "module_skipped"]
    assert events[1] == {
        "schema_version": 1,
        "time": "2026-01-01T00:00:00Z",
        "elapsed_s": 3.0,
        "event": "module_retried",
        "module": "a",
        "attempt": 2,
        "delay_s": 5.0,
        "reason": "throttled",
    }
    assert events[2]["reason"] == "Error: boom\n\ndetail" and events[3]["reason"] == "dependency a failed"
    assert "terraform says hi" not in out.getvalue() + err.getvalue()
    assert (tmp_path / "a.log").read_text().startswith("terraform says hi\n")


def test_quiet_prints_nothing(tmp_path: Path) -> None:
    out = io.StringIO()
    run = RunOutput(Console(out=out, err=out, color=False), tmp_path, progress="quiet")
    run.status("a", "running")
    run.module("a").line("stdout", "x")
    run.finished("a", Finished("succeeded", 1.0))
    run.tick()
    run.close()
    assert out.getvalue() == ""


@pytest.mark.parametrize(
    ("choice", "tty", "env", "mode"),
    [
        ("auto", True, {}, "tty"),
        ("auto", False, {}, "plain"),
        ("auto", True, {"CI": "true"}, "plain"),
        ("auto", True, {"GITHUB_ACTIONS": "true"}, "plain"),
        ("auto", True, {"TERM": "dumb"}, "plain"),
        ("json", True, {}, "json"),
        ("tty", False, {}, "tty"),
    ],
)
def test_auto_picks_tty_on_a_terminal_and_plain_elsewhere(
    choice: str, tty: bool, env: dict[str, str], mode: str
) -> None:
    assert choose_progress(parse_progress(choice), tty, env) == mode


def test_a_bad_progress_value_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="--progress must be one of auto, tty, plain, json, quiet"):
        parse_progress("fancy")


def test_eta_comes_from_the_newest_report_of_the_same_command(tmp_path: Path) -> None:
    def report(name: str, command: str, durations: dict[str, float]) -> None:
        (tmp_path / name).mkdir()
        modules = [{"path": p, "status": "succeeded", "duration_s": d} for p, d in durations.items()]
        (tmp_path / name / "report.json").write_text(json.dumps({"command": command, "modules": modules}))

    report("20260101T000000Z", "plan", {"a": 10.0, "b": 20.0})
    report("20260102T000000Z", "plan", {"a": 40.0, "b": 60.0})
    report("20260103T000000Z", "apply", {"a": 99.0})
    (tmp_path / "20260104T000000Z").mkdir()  # this run: no report yet
    durations = previous_durations(tmp_path, "plan", exclude=tmp_path / "20260104T000000Z")
    assert durations == {"a": 40.0, "b": 60.0}
    board = Board(0.0, durations=durations, parallelism=2)
    for name in ("a", "b", "c"):
        board.set_state(name, "queued", 0.0)
    board.set_state("a", "running", 0.0)
    assert board.eta(10.0) == pytest.approx((30.0 + 60.0 + 50.0) / 2)  # c: the median of the known
    assert "| ETA 1m10s" in board.counter_line(10.0, 200)
    assert previous_durations(tmp_path / "missing", "plan") == {}


def test_sigwinch_calls_back_while_the_board_is_up() -> None:
    seen: list[int] = []
    with on_resize(lambda: seen.append(1)):
        os.kill(os.getpid(), signal.SIGWINCH)
    os.kill(os.getpid(), signal.SIGWINCH)  # restored: no more callbacks
    assert seen == [1]


def test_a_notice_is_shown_even_when_output_goes_only_to_the_logs(tmp_path: Path) -> None:
    out = io.StringIO()
    run = RunOutput(Console(out=out, err=out, color=False), tmp_path, mode="logs", progress="plain")
    mod = run.module("web")
    mod.note("terraform init")
    mod.notice("terraform 1.0.3 initialised this working copy, 1.5.7 runs now: init -reconfigure -upgrade")
    mod.close()
    assert out.getvalue().splitlines() == [
        "[web] [tgo] terraform 1.0.3 initialised this working copy, 1.5.7 runs now: init -reconfigure -upgrade"
    ]
    assert (tmp_path / "web.log").read_text().count("[tgo] ") == 2
