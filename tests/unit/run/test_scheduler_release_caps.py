"""run_dag's early release (dependents start while a node still finishes) and per-group caps."""

from __future__ import annotations

import threading
import time
from collections import defaultdict

import pytest

from orchestrator.scheduler import Releaser, Status, run_dag


def test_a_released_node_lets_its_dependent_start_before_it_returns() -> None:
    releaser: Releaser[str] = Releaser()
    b_started = threading.Event()

    def fn(node: str) -> bool:
        if node == "a":
            releaser.release("a")
            # Only returns once its dependent runs: without the release this would time out.
            return b_started.wait(timeout=10)
        b_started.set()
        return True

    outcomes = run_dag({"a": [], "b": ["a"]}, fn, parallelism=2, releaser=releaser, is_failure=lambda ok: not ok)
    assert outcomes["a"].status is Status.SUCCEEDED and outcomes["b"].status is Status.SUCCEEDED


def test_without_a_release_dependents_wait_for_the_node_to_return() -> None:
    order: list[str] = []
    lock = threading.Lock()

    def fn(node: str) -> None:
        with lock:
            order.append(f"start {node}")
        time.sleep(0.05)
        with lock:
            order.append(f"end {node}")

    run_dag({"a": [], "b": ["a"]}, fn, parallelism=2, releaser=Releaser())
    assert order == ["start a", "end a", "start b", "end b"]


def test_a_node_failing_after_its_release_does_not_skip_dependents_already_started() -> None:
    releaser: Releaser[str] = Releaser()
    c_done = threading.Event()

    def fn(node: str) -> bool:
        if node == "a":
            releaser.release("a")
            c_done.wait(timeout=10)
            return False  # e.g. the plan could not be read after it was made
        if node == "c":
            c_done.set()
        return True

    outcomes = run_dag({"a": [], "c": ["a"]}, fn, parallelism=2, releaser=releaser, is_failure=lambda ok: not ok)
    assert outcomes["a"].status is Status.FAILED
    assert outcomes["c"].status is Status.SUCCEEDED


def test_a_failure_without_release_still_skips_dependents() -> None:
    outcomes = run_dag(
        {"a": [], "b": ["a"]}, lambda n: n != "a", parallelism=2, releaser=Releaser(), is_failure=lambda ok: not ok
    )
    assert outcomes["b"].status is Status.SKIPPED and outcomes["b"].skipped_because == "a"


@pytest.mark.parametrize("cap", [1, 2])
def test_group_cap_bounds_nodes_of_one_group_running_at_once(cap: int) -> None:
    nodes = {f"{g}{i}": [] for g in "xyz" for i in range(4)}
    lock = threading.Lock()
    running: dict[str, int] = defaultdict(int)
    peak: dict[str, int] = defaultdict(int)
    total_peak = [0]

    def fn(node: str) -> None:
        with lock:
            running[node[0]] += 1
            peak[node[0]] = max(peak[node[0]], running[node[0]])
            total_peak[0] = max(total_peak[0], sum(running.values()))
        time.sleep(0.03)
        with lock:
            running[node[0]] -= 1

    outcomes = run_dag(nodes, fn, parallelism=8, group_of=lambda n: n[0], group_cap=cap)
    assert all(o.status is Status.SUCCEEDED for o in outcomes.values())
    assert max(peak.values()) <= cap
    assert total_peak[0] > cap  # other groups still ran alongside: the cap is per group


def test_nodes_without_a_group_are_not_capped() -> None:
    lock = threading.Lock()
    state = {"running": 0, "peak": 0}

    def fn(_node: str) -> None:
        with lock:
            state["running"] += 1
            state["peak"] = max(state["peak"], state["running"])
        time.sleep(0.05)
        with lock:
            state["running"] -= 1

    run_dag({str(i): [] for i in range(4)}, fn, parallelism=4, group_of=lambda _n: None, group_cap=1)
    assert state["peak"] > 1


def test_a_group_cap_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="cap"):
        run_dag({"a": []}, lambda _n: None, parallelism=1, group_of=lambda n: n, group_cap=0)
