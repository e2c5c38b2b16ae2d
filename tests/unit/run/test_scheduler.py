"""The generic DAG executor, with plain functions."""

from __future__ import annotations

import threading
import time

import pytest

from orchestrator.scheduler import Status, run_dag

DIAMOND = {"a": [], "b": ["a"], "c": ["a"], "d": ["b", "c"], "e": []}


class Recorder:
    def __init__(self, fail: set[str] = frozenset(), raise_on: set[str] = frozenset(), pause: float = 0.0):
        self.fail, self.raise_on, self.pause = fail, raise_on, pause
        self.lock = threading.Lock()
        self.events: list[tuple[str, str]] = []
        self.running = 0
        self.max_running = 0

    def __call__(self, node: str) -> bool:
        with self.lock:
            self.events.append(("start", node))
            self.running += 1
            self.max_running = max(self.max_running, self.running)
        time.sleep(self.pause)
        with self.lock:
            self.running -= 1
            self.events.append(("end", node))
        if node in self.raise_on:
            raise RuntimeError(f"boom in {node}")
        return node not in self.fail

    def index(self, kind: str, node: str) -> int:
        return self.events.index((kind, node))


@pytest.mark.parametrize("parallelism", [1, 2, 8])
def test_each_node_starts_after_its_dependencies_ended(parallelism: int) -> None:
    rec = Recorder(pause=0.01)
    out = run_dag(DIAMOND, rec, parallelism=parallelism, is_failure=lambda ok: not ok)
    assert {n: o.status for n, o in out.items()} == dict.fromkeys(DIAMOND, Status.SUCCEEDED)
    for node, deps in DIAMOND.items():
        for dep in deps:
            assert rec.index("end", dep) < rec.index("start", node)


@pytest.mark.parametrize("parallelism", [1, 3])
def test_parallelism_bound_is_respected_and_reached(parallelism: int) -> None:
    cond = threading.Condition()
    running = peak = 0

    def fn(_node: str) -> None:
        nonlocal running, peak
        with cond:
            running += 1
            peak = max(peak, running)
            cond.notify_all()
            # Hold the slot until the bound is reached (or a generous timeout), so the peak does not
            # depend on thread timing; a scheduler that over-starts would show peak > parallelism.
            cond.wait_for(lambda: running >= parallelism, timeout=5)
        time.sleep(0.01)
        with cond:
            running -= 1

    run_dag({str(i): [] for i in range(9)}, fn, parallelism=parallelism)
    assert peak == parallelism


def test_failure_skips_exactly_the_transitive_dependents() -> None:
    dag = {"a": [], "b": ["a"], "c": ["b"], "d": [], "e": ["d"], "f": ["a", "d"]}
    rec = Recorder(fail={"a"})
    out = run_dag(dag, rec, parallelism=2, is_failure=lambda ok: not ok)
    assert out["a"].status is Status.FAILED and out["a"].value is False
    for node in ("b", "c", "f"):
        assert out[node].status is Status.SKIPPED
        assert out[node].skipped_because == "a"
    assert out["d"].status is out["e"].status is Status.SUCCEEDED
    assert {n for _, n in rec.events} == {"a", "d", "e"}


def test_fail_fast_starts_nothing_after_a_failure() -> None:
    dag = {"a": [], "b": [], "c": [], "d": ["a"]}
    rec = Recorder(fail={"a"})
    out = run_dag(
        dag, rec, parallelism=1, fail_fast=True, is_failure=lambda ok: not ok, weight=lambda n: 2 if n == "a" else 1
    )
    assert [n for k, n in rec.events if k == "start"] == ["a"]
    assert out["a"].status is Status.FAILED
    assert all(out[n].status is Status.SKIPPED and out[n].skipped_because == "a" for n in "bcd")


def test_worker_exception_is_a_failed_outcome_marked_as_bug() -> None:
    out = run_dag({"a": [], "b": ["a"], "c": []}, Recorder(raise_on={"a"}), parallelism=2)
    assert out["a"].status is Status.FAILED and out["a"].bug
    assert isinstance(out["a"].error, RuntimeError)
    assert out["b"].status is Status.SKIPPED
    assert out["c"].status is Status.SUCCEEDED and not out["c"].bug


def test_cancel_stops_new_starts_and_marks_the_rest_interrupted() -> None:
    cancel = threading.Event()
    started: list[str] = []

    def fn(node: str) -> bool:
        started.append(node)
        if node == "a":
            cancel.set()
            return False  # the interrupted terraform fails
        return True

    out = run_dag(
        {"a": [], "b": ["a"], "c": [], "d": []},
        fn,
        parallelism=1,
        cancel=cancel,
        is_failure=lambda ok: not ok,
        weight=lambda n: 5 if n == "a" else 1,
    )
    assert started == ["a"]
    assert all(o.status is Status.INTERRUPTED for o in out.values())


def test_events_report_start_finish_and_skip() -> None:
    seen: list[tuple[str, str]] = []
    run_dag(
        {"a": [], "b": ["a"]},
        lambda n: n != "a",
        parallelism=1,
        is_failure=lambda ok: not ok,
        on_event=lambda kind, node, _o: seen.append((kind, node)),
    )
    assert seen == [("start", "a"), ("skip", "b"), ("finish", "a")]


def test_critical_path_first() -> None:
    order: list[str] = []
    dag = {"short": [], "long1": [], "long2": ["long1"], "long3": ["long2"]}
    run_dag(dag, order.append, parallelism=1)
    assert order[0] == "long1"


def test_bad_graphs_are_value_errors() -> None:
    with pytest.raises(ValueError, match="not nodes"):
        run_dag({"a": ["zz"]}, lambda n: n, parallelism=1)
    with pytest.raises(ValueError, match="cycle"):
        run_dag({"a": ["b"], "b": ["a"]}, lambda n: n, parallelism=1)
    with pytest.raises(ValueError, match="parallelism"):
        run_dag({"a": []}, lambda n: n, parallelism=0)
