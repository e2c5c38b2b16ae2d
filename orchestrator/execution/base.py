"""The executor protocol: where a ready module's task runs.

Contract for every implementation:
- :meth:`Executor.submit` returns at once with a future of the task's :class:`TaskResult`. The future
  never holds an exception for a failing module (that is a ``failed`` result); an exception in it is
  a fault of the executor itself (the caller reports it as an internal error).
- ``on_event`` receives the task's :class:`ModuleEvent` values, in order, from any thread; the
  ``finished`` event comes before the future completes. A ``released`` event lets the scheduler start
  the module's dependents early.
- ``slots``: how many tasks it runs at once; the scheduler keeps at most that many in flight.
- :meth:`Executor.close` waits for running tasks and frees the executor's resources (idempotent).
- Thread-safe: ``submit`` may be called from several threads at once.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future
from typing import Protocol

from orchestrator.execution.task import ModuleEvent, ModuleTask, TaskResult

EventSink = Callable[[ModuleEvent], None]


class Executor(Protocol):
    @property
    def slots(self) -> int: ...

    def submit(self, task: ModuleTask, on_event: EventSink) -> Future[TaskResult]: ...

    def close(self) -> None: ...
