"""The Dask executor (client side): ready modules run as tasks on a Dask cluster.

:func:`make_dask_executor` connects to ``dask://HOST:PORT`` or starts ``dask-local[:N]`` (a
``LocalCluster`` of N worker processes on 127.0.0.1, dashboard off, owned and closed by this
executor), registers the worker plugin (:mod:`orchestrator.execution.dask_worker`: per-worker
credential cache, terraform check, root mapping) and returns a :class:`DaskExecutor`.

Contract:
- A task crosses the wire as a :class:`ModuleTask` (no credential in it) and comes back as a
  :class:`TaskResult`; the task function is the importable :func:`dask_worker.run_module`.
- Placement (account affinity): a module goes to a worker that already ran its account's modules
  when that worker has a free thread, else to the worker with the most free threads, which then
  joins the account's workers. Each worker assumes a role once (its own cache), so STS calls stay
  at most roles x workers and near roles. The placement is a preference
  (``allow_other_workers=True``): a lost worker never strands a module.
- Live status: workers publish ``started`` / ``retried`` / ``released`` on the topic
  :data:`dask_worker.EVENT_TOPIC`; they reach ``on_event`` as :class:`ModuleEvent` values from the
  client's event thread. Terraform's lines do not travel live: they come back gzipped in the result,
  and ``finished`` is said by the client when the result arrives.
- Messages: tasks queued within :data:`BATCH_WINDOW_S` leave as one ``Client.map`` per target
  worker (the submitter thread); the results of tasks that ended meanwhile are fetched with one
  ``gather`` (the collector thread). Per module, the scheduler sees one task, its ``started`` (and
  ``released``) events and one share of a gather.
- Faults are results, never exceptions in the future: a worker lost during a read-only command is
  rescheduled once (by Dask; the worker side counts attempts), during apply/destroy it is a
  ``failed`` result "worker lost during apply: the state lock may be held"; a scheduler lost
  mid-run makes every running and later module ``interrupted`` and sets :attr:`DaskExecutor.lost`.
- Raises ToolError (exit 3, one line) when the scheduler cannot be reached at start, no worker
  joins, or a worker's terraform differs from the client's.
- Thread-safe: ``submit`` may be called from several threads; ``close`` is idempotent.
"""

from __future__ import annotations

import contextlib
import gzip
import itertools
import logging
import queue
import threading
import time
import warnings
from collections.abc import Mapping
from concurrent.futures import CancelledError, Future
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from orchestrator.aws.supply import CredentialMode
from orchestrator.errors import ToolError
from orchestrator.execution.base import EventSink
from orchestrator.execution.dask_common import EVENT_TOPIC, WorkerSetup, lost_during_apply, plugin_name, writes_state
from orchestrator.execution.dask_placement import Placement
from orchestrator.execution.dask_spec import DEFAULT_LOCAL_THREADS, DaskSpec, parse_dask_spec, require_dask
from orchestrator.execution.git_source import GitSource
from orchestrator.execution.task import ModuleEvent, ModuleTask, TaskResult
from orchestrator.terraform.binary import check_terraform, resolve_terraform

CONNECT_TIMEOUT_S = 10.0
ALLOWED_FAILURES = 1
"""A local cluster's scheduler reruns a task at most once after its worker died (then KilledWorker)."""
REFRESH_S = 5.0
"""How old the client's list of workers may get before a submit re-reads it."""
BATCH_WINDOW_S = 0.005
"""How long the submitter waits after a module is queued for others to join it in one message to the
scheduler: results come back in batches, and the modules that take their slots are queued together."""
_LOGGERS = ("distributed", "dask", "tornado")


@dataclass
class _Pending:
    task: ModuleTask
    on_event: EventSink
    future: Future[TaskResult]
    worker: str | None
    started: datetime
    starts: int = 0
    """``started`` events seen: more than one means Dask ran it again after its worker died."""
    dask_future: Any = None
    """Held so Dask keeps the task: a released Dask future cancels it."""


class DaskExecutor:
    """Runs tasks on a Dask cluster; see the module doc."""

    def __init__(self, client: Any, *, cluster: Any = None, run_id: str, description: str) -> None:
        self._client = client
        self._cluster = cluster
        self._run_id = run_id
        self.description = description
        self._lock = threading.Lock()
        self._pending: dict[str, _Pending] = {}
        self._counter = itertools.count()
        self._closed = False
        self._closed_at: float | None = None
        self._interrupted = False
        self.lost: str | None = None
        """Why the scheduler was lost mid-run (None while it is reachable)."""
        from orchestrator.execution import dask_worker  # imports distributed: only with the extra installed

        self._worker = dask_worker
        self._calls: dict[str, int] = {}
        self._placement = Placement(self._worker_threads())
        self._refreshed = time.monotonic()
        self._wake = threading.Condition()  # guards _queue; wakes the submitter
        self._queue: list[tuple[str, _Pending]] = []
        self._finished: queue.SimpleQueue[Any] = queue.SimpleQueue()  # Dask futures that ended; None: stop
        self._submitter = threading.Thread(target=self._submit_loop, name="tgo-dask-submit", daemon=True)
        self._collector = threading.Thread(target=self._collect, name="tgo-dask-results", daemon=True)
        self._submitter.start()
        self._collector.start()
        client.subscribe_topic(EVENT_TOPIC, self._on_topic)

    def _worker_threads(self) -> dict[str, int]:
        info = self._client.scheduler_info(n_workers=-1)
        return {addr: int(w.get("nthreads", 1)) for addr, w in info.get("workers", {}).items()}

    def refresh_workers(self, wait_for: int = 0, timeout: float = CONNECT_TIMEOUT_S) -> None:
        """Re-read the cluster's workers (after some left or joined); with ``wait_for``, first wait
        until that many are up. Placement only prefers workers that are up."""
        if wait_for:
            self._client.wait_for_workers(wait_for, timeout=timeout)
        threads = self._worker_threads()
        with self._lock:
            for gone in set(self._placement.threads) - set(threads):
                self._placement.forget(gone)
            self._placement.threads.update(threads)
            self._refreshed = time.monotonic()

    def _maybe_refresh(self) -> None:
        if time.monotonic() - self._refreshed > REFRESH_S:
            try:
                self.refresh_workers()
            except Exception:  # a scheduler that stopped answering shows up in the results
                self._refreshed = time.monotonic()

    @property
    def scheduler_address(self) -> str:
        return str(self._client.scheduler.address)

    @property
    def slots(self) -> int:
        """Threads over all workers known at start (at least 1)."""
        return max(1, sum(self._placement.threads.values()))

    def submit(self, task: ModuleTask, on_event: EventSink) -> Future[TaskResult]:
        """Queue ``task`` for the submitter thread, which sends what queued up meanwhile as one graph
        per worker (one message to the scheduler, not one per module)."""
        future: Future[TaskResult] = Future()
        key = f"tgo-{self._run_id}-{next(self._counter)}-{task.module}"
        self._maybe_refresh()
        with self._lock:
            if self.lost is not None:
                future.set_result(_interrupted(task, datetime.now(UTC), self.lost))
                return future
            worker = self._placement.take(task.account_id)
            pending = _Pending(task, on_event, future, worker, datetime.now(UTC))
            self._pending[key] = pending
        with self._wake:
            self._queue.append((key, pending))
            if len(self._queue) == 1:  # the submitter waits for the first; later ones join its batch
                self._wake.notify()
        return future

    def _submit_loop(self) -> None:
        """The submitter thread: everything queued since its last send goes out together."""
        while True:
            with self._wake:
                while not self._queue and not self._closed:
                    self._wake.wait()
                if not self._queue:
                    return
                if not self._closed:  # the modules whose slots freed with this one are submitted just after it
                    self._wake.wait(BATCH_WINDOW_S)
                batch, self._queue = self._queue, []
            try:
                self._send(batch)
            except Exception as err:  # a client that cannot send: these modules end, the run goes on
                for key, pending in batch:
                    if pending.dask_future is None:
                        self._resolve(key, _failed(pending.task, pending.started, f"the Dask client: {err}"))

    def _send(self, batch: list[tuple[str, _Pending]]) -> None:
        """One ``Client.map`` per target worker (a worker is a preference: ``allow_other_workers``)."""
        if self._interrupted or self.lost is not None:
            for key, pending in batch:
                self._resolve(key, _interrupted(pending.task, pending.started, self.lost or "interrupted"))
            return
        groups: dict[str | None, list[tuple[str, _Pending]]] = {}
        for item in batch:
            groups.setdefault(item[1].worker, []).append(item)
        for worker, items in groups.items():
            futures = self._client.map(
                self._worker.run_module,
                [replace(p.task, keep_log=True) for _k, p in items],  # lines do not travel live: the log comes back
                key=[k for k, _p in items],
                run_id=self._run_id,
                workers=[worker] if worker else None,
                allow_other_workers=bool(worker),  # Dask refuses the flag without workers
                pure=False,
            )
            for (_key, pending), dask_future in zip(items, futures, strict=True):
                pending.dask_future = dask_future
                dask_future.add_done_callback(self._finished.put)

    def _resolve(self, key: str, result: TaskResult) -> None:
        """End a module that never reached Dask."""
        with self._lock:
            pending = self._pending.pop(key, None)
            if pending is not None:
                self._placement.give_back(pending.worker)
        if pending is not None:
            pending.on_event(ModuleEvent(pending.task.module, "finished", stream="tgo", text=result.status))
            pending.future.set_result(result)

    def _on_topic(self, event: Any) -> None:
        """Called on the client's event loop with ``(timestamp, message)``; must not block."""
        try:
            _stamp, msg = event
            with self._lock:
                pending = self._pending.get(str(msg.get("key")))
            if pending is None or msg["kind"] == "finished":  # _done says "finished", after the log: in order
                return
            worker = str(msg.get("worker", ""))
            if msg["kind"] == "started":
                pending.starts += 1
                if pending.starts > 1:
                    text = f"worker lost; running it again on {worker}"
                    pending.on_event(ModuleEvent(pending.task.module, "retried", "tgo", text, worker))
            pending.on_event(ModuleEvent(pending.task.module, msg["kind"], "tgo", str(msg.get("text", "")), worker))
        except Exception:  # a bad event must not stop the client's event loop
            logging.getLogger(__name__).debug("ignored a malformed event", exc_info=True)

    def _collect(self) -> None:
        """The collector thread: the futures that ended since its last round, their results fetched
        in one ``gather`` (one request to the scheduler, not one per module). Stops at close, once
        no module is pending (or after close's wait)."""
        stopping = False
        while True:
            try:
                first = self._finished.get(timeout=0.2 if stopping else None)
            except queue.Empty:
                first = None
            batch = [first] if first is not None else []
            while True:
                try:
                    batch.append(self._finished.get_nowait())
                except queue.Empty:
                    break
            stopping = stopping or None in batch or self._closed
            ended = [f for f in batch if f is not None]
            for dask_future, value in self._values(ended):
                try:
                    self._done(str(dask_future.key), dask_future, value)
                except Exception:  # one module's bookkeeping must not stop the others'
                    logging.getLogger(__name__).exception("tgo: a result could not be handed back")
            if stopping and (not self._pending or self._closed_for(10.0)):
                return

    def _closed_for(self, seconds: float) -> bool:
        return self._closed_at is not None and time.monotonic() - self._closed_at > seconds

    def _values(self, ended: list[Any]) -> list[tuple[Any, Any]]:
        """Each ended Dask future with its result, or the exception it ended with."""
        done = [f for f in ended if f.status == "finished"]
        out: list[tuple[Any, Any]] = []
        if done:
            try:
                out += zip(done, self._client.gather(done), strict=True)
            except Exception:  # one of them went away meanwhile: one by one, each its own outcome
                out += [(f, _outcome(f)) for f in done]
        out += [(f, _outcome(f)) for f in ended if f.status != "finished"]
        return out

    def _done(self, key: str, dask_future: Any, value: Any) -> None:
        """Called by the collector when the task ended, one way or another (``value``: its result or
        exception)."""
        with self._lock:
            pending = self._pending.pop(key, None)
            if pending is not None:
                self._placement.give_back(pending.worker)
        if pending is None:
            return
        result = self._result_of(pending, dask_future, value)
        if result.worker:
            with self._lock:  # a worker's counter only grows: its latest value is its total so far
                self._calls[result.worker] = max(self._calls.get(result.worker, 0), result.sts_calls)
        for line in _log_lines(result):  # the module's log lands in the client's run directory
            pending.on_event(ModuleEvent(pending.task.module, "line", "stdout", line, result.worker))
        pending.on_event(ModuleEvent(pending.task.module, "finished", stream="tgo", text=result.status))
        pending.future.set_result(result)

    def _result_of(self, pending: _Pending, dask_future: Any, value: Any) -> TaskResult:
        task = pending.task
        if isinstance(value, TaskResult):  # a rerun after a lost worker counts as an attempt
            return replace(value, attempts=value.attempts + max(0, pending.starts - 1))
        if dask_future.status == "cancelled" or type(value).__name__ in {"CancelledError", "FutureCancelledError"}:
            if self._interrupted:
                return _interrupted(task, pending.started, "interrupted")
            reason = "lost the connection to the Dask scheduler"
            with self._lock:
                self.lost = self.lost or reason
            return _interrupted(task, pending.started, reason)
        problem = value
        if type(problem).__name__ == "KilledWorker":
            if writes_state(task):
                return lost_during_apply(task, pending.started, None)
            return _failed(task, pending.started, f"worker lost {pending.starts or 'several'} times while running it")
        return _failed(task, pending.started, f"the Dask task failed: {type(problem).__name__}: {problem}")

    def assume_role_calls(self) -> dict[str, int]:
        """AssumeRole calls each worker (by address) reported so far, for this executor's run."""
        with self._lock:
            return dict(self._calls)

    def summary(self) -> str:
        """One line for the end of a run: the cluster and the STS calls per worker."""
        calls = self.assume_role_calls()
        per = ", ".join(f"{w} {n}" for w, n in sorted(calls.items())) or "none"
        return f"ran on {self.description}; AssumeRole calls per worker: {per} ({sum(calls.values())} in all)"

    def watch(self, cancel: threading.Event) -> None:
        """Call :meth:`interrupt` once ``cancel`` is set (until :meth:`close`)."""

        def wait() -> None:
            while not self._closed:
                if cancel.wait(0.5):
                    self.interrupt()
                    return

        threading.Thread(target=wait, name="tgo-dask-cancel", daemon=True).start()

    def interrupt(self) -> None:
        """Forward an interrupt to the run's terraform processes on every worker (SIGINT: they release
        their locks) and cancel what has not started."""
        with self._lock:
            self._interrupted = True
            futures = [p.dask_future for p in self._pending.values() if p.dask_future is not None]
        try:
            self._client.run(self._worker.interrupt_run, self._run_id, wait=False)
            self._client.cancel(futures)
        except Exception:  # a lost scheduler: the running tasks are reported interrupted anyway
            pass

    def close(self) -> None:
        """Close the client (and the local cluster this executor started). Idempotent."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
        self._closed_at = time.monotonic()
        with self._wake:
            self._wake.notify_all()
        self._finished.put(None)
        self._submitter.join(timeout=10)
        self._collector.join(timeout=11)
        if self.lost is None:
            try:
                self._client.unsubscribe_topic(EVENT_TOPIC)
                self._client.unregister_worker_plugin(plugin_name(self._run_id))  # its teardown stops the broker
            except Exception:  # the scheduler may be gone already
                pass
        try:
            self._client.close(timeout=5)
        finally:
            if self._cluster is not None:
                self._cluster.close(timeout=10)


def _outcome(dask_future: Any) -> Any:
    """A Dask future's result or exception (its cancellation when it was cancelled)."""
    if dask_future.status == "cancelled":
        return CancelledError()
    try:
        return dask_future.result(timeout=CONNECT_TIMEOUT_S)
    except Exception as err:  # the task's exception, a lost connection, a timeout: the result says which
        return err


def _log_lines(result: TaskResult) -> list[str]:
    if not result.log_gz:
        return []
    try:
        return gzip.decompress(result.log_gz).decode("utf-8", "replace").splitlines()
    except (OSError, EOFError):
        return ["[tgo] the module's log came back unreadable"]


def _failed(task: ModuleTask, started: datetime, reason: str) -> TaskResult:
    now = datetime.now(UTC)
    return TaskResult(task.module, "failed", started, now, (now - started).total_seconds(), reason=reason)


def _interrupted(task: ModuleTask, started: datetime, reason: str) -> TaskResult:
    now = datetime.now(UTC)
    return TaskResult(task.module, "interrupted", started, now, (now - started).total_seconds(), reason=reason)


def quiet_dask_logs() -> None:
    """Dask logs reconnect attempts and worker restarts with tracebacks on stderr; tgo reports
    these as results, so only critical records get through."""
    for name in _LOGGERS:
        logging.getLogger(name).setLevel(logging.CRITICAL)


def make_dask_executor(
    value: str,
    *,
    run_id: str,
    environ: Mapping[str, str],
    root: Path,
    terraform: str | None = None,
    mode: CredentialMode = "broker",
    worker_root: str | None = None,
    git: GitSource | None = None,
    max_per_account: int | None = None,
    threads: int | None = None,
    cancel: threading.Event | None = None,
    connect_timeout: float = CONNECT_TIMEOUT_S,
) -> DaskExecutor:
    """The executor for an ``--executor`` value naming Dask (``dask://HOST:PORT``, ``dask-local[:N]``).

    ``environ``: the client's environment; a local cluster's workers get it as theirs (their base
    identity, as a local terraform would), remote workers keep their own. ``root``: the client's
    repository root, which ``worker_root`` replaces on the workers. ``git``: the commit each worker
    checks out (``--worker-git``; its checkout replaces the client's repository root). ``terraform``: the client's
    binary (default: ``TG_TF_PATH`` / ``PATH``); every worker must report its version. ``threads``:
    threads per local worker. ``cancel``: when set (Ctrl-C), the run's terraform processes on the
    workers get SIGINT. Raises UsageError for a malformed value or without Dask installed, ToolError
    (exit 3, one line) when the scheduler is unreachable, no worker joins within ``connect_timeout``,
    or a worker's terraform differs.
    """
    require_dask()
    spec = parse_dask_spec(value, threads=threads or DEFAULT_LOCAL_THREADS)
    binary = terraform or _default_terraform(environ, root)
    version = check_terraform(binary, environ, root) if binary else None
    setup = WorkerSetup(
        run_id=run_id,
        client_root=str(root),
        terraform=binary,
        terraform_version=version,
        worker_root=worker_root,
        mode=mode,
        max_per_account=max_per_account,
        git=git,
    )
    executor = connect(spec, run_id=run_id, environ=environ, setup=setup, connect_timeout=connect_timeout)
    if cancel is not None:
        executor.watch(cancel)
    return executor


def _default_terraform(environ: Mapping[str, str], root: Path) -> str | None:
    try:
        return resolve_terraform(None, None, environ, root)
    except ToolError:
        return None  # the run resolves it per module and says so; the workers then check nothing


def connect(
    spec: DaskSpec,
    *,
    run_id: str,
    environ: Mapping[str, str],
    setup: WorkerSetup,
    connect_timeout: float = CONNECT_TIMEOUT_S,
) -> DaskExecutor:
    """Connect to (or start) the cluster ``spec`` names and register the run's worker plugin.
    Raises ToolError as :func:`make_dask_executor` does."""
    quiet_dask_logs()
    from distributed import Client, LocalCluster

    cluster: Any = None
    if spec.address is None:
        import dask

        # The scheduler's small HTTP server (health routes; no dashboard) binds 127.0.0.1 and moves to
        # another port when 8787 is taken, with a warning nobody needs to read.
        with dask.config.set({"distributed.scheduler.allowed-failures": ALLOWED_FAILURES}), warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            cluster = LocalCluster(  # type: ignore[no-untyped-call]
                n_workers=spec.workers,
                threads_per_worker=spec.threads,
                processes=True,
                host="127.0.0.1",
                dashboard_address=None,
                silence_logs=logging.CRITICAL,
                env=dict(environ),
            )
        address = cluster.scheduler_address
    else:
        address = spec.address
    try:
        client: Any = Client(address, timeout=connect_timeout, set_as_default=False)  # type: ignore[no-untyped-call]
    except (OSError, TimeoutError) as err:
        if cluster is not None:
            cluster.close()
        raise ToolError(
            f"cannot reach the Dask scheduler at {address}: {_first_line(err)}",
            hint="start it (`dask scheduler`) or check --executor",
        ) from None
    try:
        client.wait_for_workers(1, timeout=connect_timeout)
        client.register_plugin(_plugin(setup), name=plugin_name(run_id))
    except Exception as err:  # every failure here means the cluster cannot run modules
        with contextlib.suppress(Exception):  # a plugin that failed must not set up workers joining later
            client.unregister_worker_plugin(plugin_name(run_id))
        client.close(timeout=5)
        if cluster is not None:
            cluster.close()
        message = str(err) if isinstance(err, ToolError) else f"the Dask cluster at {address}: {_first_line(err)}"
        raise ToolError(message.splitlines()[0] if message else repr(err)) from None
    description = spec.describe() + (f", workers on {setup.git.describe()}" if setup.git else "")
    return DaskExecutor(client, cluster=cluster, run_id=run_id, description=description)


def _plugin(setup: WorkerSetup) -> Any:
    from orchestrator.execution.dask_worker import TgoWorkerPlugin

    return TgoWorkerPlugin(setup)


def _first_line(err: BaseException) -> str:
    text = str(err).strip().splitlines()
    return text[0] if text else type(err).__name__
