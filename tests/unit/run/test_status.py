"""Live status states: "waiting" (dependencies not finished) versus "queued" (ready, held by
--parallelism), from the scheduler's on_ready through run_all to the status line."""

from __future__ import annotations

import io
import threading
from pathlib import Path

import pytest

from orchestrator.app.run import RunServices, run_all
from orchestrator.output import Finished, RunOutput
from orchestrator.runtime import Console
from orchestrator.scheduler import run_dag
from orchestrator.terraform.commands import TfCommand
from tests.unit.run.test_app_run import options, runtime
from tests.unit.run.test_output import FakeTty
from tests.unit.run.test_selection import tree


def test_on_ready_reports_roots_first_then_each_node_when_its_dependencies_succeeded() -> None:
    seen: list[tuple[str, str]] = []
    lock = threading.Lock()

    def record(kind: str, node: str) -> None:
        with lock:
            seen.append((kind, node))

    run_dag(
        {"a": [], "b": ["a"], "c": ["a", "b"], "solo": []},
        lambda n: record("ran", n),
        parallelism=1,
        weight=lambda n: 5 if n == "a" else 1,
        on_event=lambda kind, node, _o: record(kind, node) if kind == "start" else None,
        on_ready=lambda node: record("ready", node),
    )
    assert sorted(seen[:2]) == [("ready", "a"), ("ready", "solo")]
    for node, deps in {"b": ["a"], "c": ["a", "b"]}.items():
        ready = seen.index(("ready", node))
        assert all(seen.index(("ran", d)) < ready for d in deps)
        assert ready < seen.index(("start", node))
    assert [e for e in seen if e[0] == "ready"].count(("ready", "c")) == 1


def test_a_failed_dependency_never_makes_its_dependents_ready() -> None:
    ready: list[str] = []
    run_dag(
        {"a": [], "b": ["a"]},
        lambda n: n != "a",
        parallelism=2,
        is_failure=lambda ok: not ok,
        on_ready=ready.append,
    )
    assert ready == ["a"]


def states_during_run(tmp_path: Path, modules: dict[str, dict[str, object]]) -> list[tuple[str, str]]:
    loader = tree(tmp_path / "live", modules)
    seen: list[tuple[str, str]] = []
    lock = threading.Lock()
    original, original_finished = RunOutput.status, RunOutput.finished

    def spy(self: RunOutput, display: str, state: str, detail: str = "") -> None:
        with lock:
            seen.append((display, state))
        original(self, display, state, detail)

    def spy_finished(self: RunOutput, display: str, done: Finished, *, detail: str = "") -> None:
        with lock:
            seen.append((display, done.status))
        original_finished(self, display, done, detail=detail)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(RunOutput, "status", spy)
        mp.setattr(RunOutput, "finished", spy_finished)
        run_all(runtime(tmp_path), options(tmp_path, TfCommand("plan"), parallelism=1), RunServices(loader))
    return seen


def test_run_all_reports_waiting_then_queued_then_running(tmp_path: Path) -> None:
    seen = states_during_run(tmp_path, {"a": {}, "b": {"deps": ["a"]}, "bad": {}, "after-bad": {"deps": ["bad"]}})
    per = {m: [s for d, s in seen if d == m] for m in ("a", "b", "bad", "after-bad")}
    assert per["a"] == ["waiting", "queued", "running", "succeeded"]
    assert per["b"] == ["waiting", "queued", "running", "succeeded"]
    assert per["after-bad"] == ["waiting", "skipped"]
    assert seen.index(("a", "succeeded")) < seen.index(("b", "queued")), "b waits on a, not on parallelism"
    assert seen.index(("bad", "queued")) < seen.index(("a", "running")), "roots are queued at once"


def test_live_line_counts_waiting_and_queued_and_times_each_running_module(tmp_path: Path) -> None:
    now = [100.0]
    tty = FakeTty()
    run = RunOutput(
        Console(out=tty, err=tty, color=True), tmp_path, live=True, monotonic=lambda: now[0], size=lambda: (80, 24)
    )
    for m in ("a", "b", "c"):
        run.status(m, "waiting")
    run.status("a", "queued")
    run.status("b", "queued")
    run.status("a", "running")
    now[0] = 112.0
    run.status("b", "running")
    now[0] = 115.0
    run.module("a").line("stdout", "hi")
    counter = "[tgo 15s] 0/3 done | 2 running | 0 queued | 1 waiting | 0 failed | 0 skipped"
    assert tty.getvalue().endswith(f"[a] hi\n{counter}\n  a     15s  hi\n  b      3s")
    run.status("a", "failed")
    counter = "[tgo 15s] 0/3 done | 1 running | 0 queued | 1 waiting | 1 failed | 0 skipped"
    assert tty.getvalue().endswith(f"[tgo] a: failed\n{counter}\n  b      3s")


def test_plain_output_prints_no_waiting_or_queued_lines(tmp_path: Path) -> None:
    out = io.StringIO()
    run = RunOutput(Console(out=out, err=out, color=False), tmp_path)
    run.status("a", "waiting")
    run.status("a", "queued")
    run.status("a", "running")
    assert out.getvalue() == "[tgo] a: running\n"
