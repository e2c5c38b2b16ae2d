"""The prefetch of dependency outputs starts once, at the first task event after ``started``; never
after the run is over."""

from __future__ import annotations

from orchestrator.app.run_exec import PrefetchGate


def test_the_first_open_starts_the_prefetch_once() -> None:
    calls: list[int] = []
    gate = PrefetchGate(lambda: calls.append(1))
    assert calls == []  # not at construction: the first modules start first
    gate.open()
    gate.open()
    gate.close()
    assert calls == [1]


def test_a_closed_gate_never_starts() -> None:
    calls: list[int] = []
    gate = PrefetchGate(lambda: calls.append(1))
    gate.close()
    gate.open()
    assert calls == []
    idle = PrefetchGate(None)  # nothing to prefetch
    idle.open()
    idle.close()
