"""The live board on a terminal emulator (pyte): cut to the width, redrawn in place with no stale
row after many updates, following resizes, erased on exit. A fake clock drives the elapsed times."""

from __future__ import annotations

from pathlib import Path

import pytest

from orchestrator.console.board import Finished, finished_line
from orchestrator.output import RunOutput
from orchestrator.runtime import Console
from tests.unit.console.screen import ScreenOut, reference

HEIGHT = 24
LONG = "prod/us-east-1/services/a-rather-long-component-name-that-goes-on-and-on"


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def board_run(out: ScreenOut, tmp_path: Path, clock: FakeClock) -> RunOutput:
    return RunOutput(
        Console(out=out, err=out, color=True),
        tmp_path / "logs",
        mode="logs",
        progress="tty",
        monotonic=clock,
        size=out.size,
    )


def drive(run: RunOutput, clock: FakeClock, updates: int) -> list[str]:
    """``updates`` changes of every kind on 12 modules with long names; the lines printed above."""
    names = [f"{LONG}-{i}" for i in range(12)]
    above: list[str] = []
    for name in names:
        run.status(name, "waiting")
    step = 0
    while step < updates:
        i = step % len(names)
        name = names[i]
        state = run.board.states[name]
        clock.now += 1.5
        if state == "waiting":
            run.status(name, "queued")
        elif state == "queued":
            run.status(name, "running")
        elif state == "running" and step % 3:
            run.module(name).line("stdout", f"aws_instance.web[{i}]: Still creating... [{step}s elapsed] " + "x" * 90)
            run.tick()
        elif state == "running":
            status = "failed" if i == 5 else "succeeded"
            done = Finished(status, 12.5 + i, 1, 0, i, reason="Error: boom\n\n  on main.tf line 1")
            run.finished(name, done)
            above.append(finished_line(name, done))
        step += 1
    return above


@pytest.mark.parametrize("width", [40, 80, 160])
def test_fifty_updates_leave_exactly_the_lines_above_and_the_board(tmp_path: Path, width: int) -> None:
    out, clock = ScreenOut(width, HEIGHT), FakeClock()
    run = board_run(out, tmp_path, clock)
    above = drive(run, clock, 50)
    board = run.board.render(clock.now, width - 1, HEIGHT)
    assert out.rows() == reference(width, HEIGHT, above, board)
    assert all(len(line) <= width - 1 for line in board)
    assert len(board) > 2, "some modules are still running"
    assert board[0].startswith("[") and "/12 " in board[0]


@pytest.mark.parametrize("width", [40, 80, 160])
def test_the_board_is_erased_on_exit(tmp_path: Path, width: int) -> None:
    out, clock = ScreenOut(width, HEIGHT), FakeClock()
    run = board_run(out, tmp_path, clock)
    above = drive(run, clock, 50)
    run.close()
    assert out.rows() == reference(width, HEIGHT, above, [])
    assert (out.screen.cursor.x, out.screen.cursor.y) == (0, min(HEIGHT - 1, _rows(above, width)))
    run.close()  # idempotent: nothing more is written
    assert out.rows() == reference(width, HEIGHT, above, [])


def _rows(lines: list[str], width: int) -> int:
    return sum(max(1, -(-len(line) // width)) for line in lines)


def test_a_small_screen_gets_a_board_that_fits(tmp_path: Path) -> None:
    out, clock = ScreenOut(40, 5), FakeClock()
    run = board_run(out, tmp_path, clock)
    for i in range(8):
        run.status(f"m{i}", "running")
    rows = out.text()
    assert len(rows) == 4 and rows[0].startswith("[") and rows[-1] == "  ... and 6 more running"


def test_elapsed_times_move_every_tick_even_when_nothing_finishes(tmp_path: Path) -> None:
    out, clock = ScreenOut(80, HEIGHT), FakeClock()
    run = board_run(out, tmp_path, clock)
    run.status("app", "running")
    run.module("app").line("stdout", "\x1b[1maws_instance.web: Still creating... [10s elapsed]\x1b[0m")
    clock.now += 70
    run.tick()
    assert out.text() == [
        "[tgo 1m10s] 0/1 done | 1 running | 0 queued | 0 waiting | 0 failed | 0 skipped",
        "  app   1m10s  aws_instance.web: Still creating... [10s elapsed]",
    ]


@pytest.mark.parametrize(("before", "after"), [(160, 60), (60, 160), (80, 40)])
def test_a_resize_leaves_no_stale_board_row(tmp_path: Path, before: int, after: int) -> None:
    out, clock = ScreenOut(before, HEIGHT), FakeClock()
    run = board_run(out, tmp_path, clock)
    drive(run, clock, 30)
    out.screen.resize(HEIGHT, after)
    run.tick()  # what SIGWINCH triggers
    rows = out.text()
    board = run.board.render(clock.now, after - 1, HEIGHT)
    top = len(rows) - len(board)
    assert rows[top:] == board, rows
    assert all(not row.startswith("  ") and "/12 " not in row for row in rows[:top]), "a row of an older board is left"


def test_other_console_lines_go_above_the_board(tmp_path: Path) -> None:
    out, clock = ScreenOut(80, HEIGHT), FakeClock()
    run = board_run(out, tmp_path, clock)
    run.status("app", "running")
    run.console.error("[tgo] interrupt: stopping (Ctrl-C again to force)")
    rows = out.text()
    assert rows[0] == "[tgo] interrupt: stopping (Ctrl-C again to force)"
    assert rows[1].startswith("[tgo 0s] 0/1 done") and len(rows) == 3
    run.close()
    assert out.text() == ["[tgo] interrupt: stopping (Ctrl-C again to force)"]
