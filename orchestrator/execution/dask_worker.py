"""The Dask worker side: the worker plugin and the task function.

:class:`TgoWorkerPlugin` (one per tgo run, named :func:`plugin_name`) sets a worker up once: it checks
that the worker's terraform reports the client's version (a difference fails the plugin's
registration, so the run stops before its first task with one message), builds the worker's own
:class:`~orchestrator.execution.worker_credentials.WorkerCredentials` from the worker's environment
and the :class:`~orchestrator.execution.run_task.WorkerServices` every task of the run shares.

:func:`run_module` is what the client submits (an importable function; its argument is a
:class:`ModuleTask`, which holds no credential). It
- for a command that writes state (apply, destroy, import, ...) counts its starts in the scheduler's
  metadata: Dask reruns a task whose worker died, and a second start is not run but a ``failed``
  result, "worker lost during apply: the state lock may be held". A read-only command is simply run
  again (the client sees the second ``started`` and reports a retry); how often is the scheduler's
  ``distributed.scheduler.allowed-failures`` (tgo's local cluster: 1, so once);
- maps the client's repository root to the worker's (``WorkerSetup.worker_root``), or, with
  ``--worker-git`` (``WorkerSetup.git``), to the worker's checkout of the client's commit, made by the
  plugin's setup (:func:`~orchestrator.execution.git_checkout.ensure_checkout`: once per commit
  and worker host, reused by later runs);
- holds the account's cluster-wide ``Semaphore`` with ``--max-per-account``;
- publishes ``started`` / ``retried`` / ``released`` on :data:`EVENT_TOPIC` (``finished`` only for a
  module it refuses to run; the client says ``finished`` when the result arrives).

Only importable on a machine with Dask installed. Thread-safe: tasks of a run run concurrently on
one plugin's services.
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path, PurePath
from typing import Any

from distributed import Semaphore, get_client, get_worker
from distributed.diagnostics.plugin import WorkerPlugin

from orchestrator.config.models import ModuleConfig
from orchestrator.errors import ToolError
from orchestrator.execution.dask_common import (
    EVENT_TOPIC,
    LOST_DURING_APPLY,
    WorkerSetup,
    lost_during_apply,
    plugin_name,
    writes_state,
)
from orchestrator.execution.git_checkout import cache_dir, ensure_checkout
from orchestrator.execution.run_task import WorkerServices, run_task
from orchestrator.execution.task import ModuleEvent, ModuleTask, TaskResult
from orchestrator.execution.worker_credentials import WorkerCredentials
from orchestrator.redaction import Redactor
from orchestrator.runtime import SystemClock
from orchestrator.terraform.binary import check_terraform

LIVE_KINDS = frozenset({"started", "retried", "released"})
"""Events that travel live; terraform's lines come back in the result instead, and the client says
``finished`` itself when the result arrives (an event for it would be one more message per module
through the scheduler)."""


class TgoWorkerPlugin(WorkerPlugin):
    """Per-worker services of one run; see the module doc."""

    def __init__(self, config: WorkerSetup) -> None:
        self.config = config
        self.name = plugin_name(config.run_id)
        self.services: WorkerServices | None = None
        self.credentials: WorkerCredentials | None = None

    async def setup(self, worker: Any) -> None:
        """Raises ToolError when the worker cannot check out the run's commit (``--worker-git``) or
        its terraform is not the client's version. The checkout runs in a thread: a long fetch must
        not stop the worker's event loop (its heartbeats)."""
        environ = dict(os.environ)
        git = self.config.git
        if git is not None:
            try:
                checkout = await asyncio.to_thread(ensure_checkout, git.url, git.commit, cache_dir(environ), environ)
            except ToolError as err:
                raise ToolError(f"Dask worker {worker.address}: {err.format()}") from None
            self.config = replace(self.config, client_root=git.client_root, worker_root=str(checkout))
        self._prepare(worker, environ)

    def _prepare(self, worker: Any, environ: dict[str, str]) -> None:
        """The terraform check and the run's services (see :meth:`setup`)."""
        config = self.config
        if config.terraform is not None and config.terraform_version is not None:
            binary = self.map_path(config.terraform)
            try:
                version = check_terraform(binary, environ, Path.cwd())
            except ToolError as err:
                raise ToolError(f"Dask worker {worker.address}: {err.format()}") from None
            if version != config.terraform_version:
                raise ToolError(
                    f"Dask worker {worker.address} has terraform {version} at {binary}, the client "
                    f"{config.terraform_version}: install the same terraform on every worker"
                )
        redactor = Redactor()
        redactor.add_environment(environ)
        clock = SystemClock()
        self.credentials = WorkerCredentials(environ, clock, mode=config.mode, run_id=config.run_id, redactor=redactor)
        self.services = WorkerServices(
            base_env=environ,
            clock=clock,
            worker=str(worker.address),
            redact=redactor.redact,
            sts_calls=self.credentials.assume_role_calls,
            terraform_for=self.map_path,
        )

    def teardown(self, worker: Any) -> None:
        if self.services is not None:
            self.services.cancel.set()
            self.services.group.interrupt()  # a run that ended (or its client left): terraform stops cleanly
        if self.credentials is not None:
            self.credentials.close()

    def map_path(self, path: str) -> str:
        """``path`` under the client's root, moved under the worker's root (others unchanged)."""
        return rebase_path(path, self.config.client_root, self.config.worker_root)

    def localise(self, task: ModuleTask) -> ModuleTask:
        """``task`` with its config's paths (and plan file) under the worker's root."""
        old, new = self.config.client_root, self.config.worker_root
        if new is None or new == old:
            return task
        data = rebase_value(task.config.model_dump(), old, new)
        return replace(
            task,
            root=rebase_path(task.root, old, new),  # the run's root may be below the repository's
            config=ModuleConfig.model_validate(data),
            plan_file=rebase_path(task.plan_file, old, new) if task.plan_file else None,
        )


def rebase_path(path: str, old: str, new: str | None) -> str:
    if new is None:
        return path
    pure, base = PurePath(path), PurePath(old)
    if pure == base or base in pure.parents:
        return str(PurePath(new) / pure.relative_to(base))
    return path


def rebase_value(value: Any, old: str, new: str) -> Any:
    """Every path (and string that is one) under ``old`` in a nested value, moved under ``new``."""
    if isinstance(value, PurePath):
        return Path(rebase_path(str(value), old, new))
    if isinstance(value, str):
        return rebase_path(value, old, new) if value.startswith(old) else value
    if isinstance(value, dict):
        return {k: rebase_value(v, old, new) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(rebase_value(v, old, new) for v in value)
    return value


def _attempt(key: str, run_id: str) -> tuple[int, str]:
    """This start's number for ``key`` (1 the first time) and the worker of the previous start,
    counted in the scheduler's metadata so that it survives the worker."""
    client = get_client()
    name = ["tgo", run_id, key]
    previous = client.get_metadata(name, None) or {}  # type: ignore[no-untyped-call]
    count = int(previous.get("starts", 0)) + 1
    client.set_metadata(name, {"starts": count, "worker": get_worker().address})  # type: ignore[no-untyped-call]
    return count, str(previous.get("worker", ""))


@contextmanager
def _account_slot(task: ModuleTask, cap: int | None) -> Iterator[None]:
    """One of ``cap`` cluster-wide leases for the task's account (nothing without a cap or account)."""
    if cap is None or not task.account_id:
        yield
        return
    sem = Semaphore(max_leases=cap, name=f"tgo-account-{task.account_id}-max{cap}")  # type: ignore[no-untyped-call]
    with sem:
        yield


def run_module(task: ModuleTask, run_id: str) -> TaskResult:
    """The Dask task: run ``task`` with the services of the executor's run ``run_id`` on this worker;
    see the module doc. Never raises for a module."""
    worker = get_worker()
    started = datetime.now(UTC)
    key = str(worker.get_current_task())
    address = str(worker.address)

    def emit(kind: str, text: str = "") -> None:
        worker.log_event(EVENT_TOPIC, {"key": key, "kind": kind, "text": text, "worker": address})

    plugin = worker.plugins.get(plugin_name(run_id))
    if not isinstance(plugin, TgoWorkerPlugin) or plugin.services is None or plugin.credentials is None:
        now = datetime.now(UTC)
        reason = f"Dask worker {address} was not set up for this run (it joined after the start, or its setup failed)"
        emit("finished", reason)
        return TaskResult(task.module, "failed", started, now, 0.0, reason=reason, worker=address)
    if writes_state(task):  # never run twice: a second start means the first one's worker died
        starts, before = _attempt(key, run_id)
        if starts > 1:
            emit("finished", LOST_DURING_APPLY)
            return replace(lost_during_apply(task, started, None, before), worker=address)
    credentials = plugin.credentials
    local = plugin.localise(task)
    services = replace(plugin.services, credentials_env=lambda cfg: credentials.overlay(local.role, cfg))

    def on_event(event: ModuleEvent) -> None:
        if event.kind in LIVE_KINDS:
            emit(event.kind, event.text)

    with _account_slot(task, plugin.config.max_per_account):
        result = run_task(local, services, on_event)
    return result


def interrupt_run(run_id: str, dask_worker: Any = None) -> bool:
    """For ``Client.run``: stop the run's terraform processes on this worker (SIGINT, as locally)."""
    worker = dask_worker if dask_worker is not None else get_worker()
    plugin = worker.plugins.get(plugin_name(run_id))
    if isinstance(plugin, TgoWorkerPlugin) and plugin.services is not None:
        plugin.services.cancel.set()
        threading.Thread(target=plugin.services.group.interrupt, daemon=True).start()
        return True
    return False
