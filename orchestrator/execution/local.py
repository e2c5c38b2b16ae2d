"""The local executor: tasks run on a thread pool of this process (today's behaviour; the default).

Contract: see :mod:`orchestrator.execution.base`. ``run_task`` runs on the pool's threads with the
services given here (this process's credential cache, process group and cancel event), so an
interrupt of the run reaches every running terraform. Thread-safe.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor

from orchestrator.execution.base import EventSink
from orchestrator.execution.run_task import WorkerServices, run_task
from orchestrator.execution.task import ModuleTask, TaskResult


class LocalExecutor:
    def __init__(self, services: WorkerServices, slots: int) -> None:
        if slots < 1:
            raise ValueError("an executor needs at least one slot")
        self.services = services
        self._slots = slots
        self._pool = ThreadPoolExecutor(max_workers=slots, thread_name_prefix="tgo-task")

    @property
    def slots(self) -> int:
        return self._slots

    def submit(self, task: ModuleTask, on_event: EventSink) -> Future[TaskResult]:
        return self._pool.submit(run_task, task, self.services, on_event)

    def close(self) -> None:
        self._pool.shutdown(wait=True)
