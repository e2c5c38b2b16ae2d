"""Running one :class:`ModuleTask` to its :class:`TaskResult`, on whichever side holds the task.

Contract:
- :func:`run_task` never raises for a failing module: a failed terraform, hook, role that cannot be
  assumed or bad config is a ``failed`` result with a ``reason``; after an interrupt it is
  ``interrupted``. Only a bug in tgo raises.
- Credentials come from ``services.credentials_env`` (the runner's own cache), terraform runs through
  :mod:`orchestrator.process`; ``terraform show -json`` runs at most once per saved plan, after the
  ``released`` event (dependents need not wait for it).
- Events (``started``, ``line``, ``retried``, ``released``, ``finished``) go to ``on_event`` from
  the calling thread, ``finished`` last. Lines are masked with ``services.redact`` first. A
  ``retried`` event stands for its note too: the receiver writes it (``ModuleOutput.retry``).
- Thread-safety: one :class:`WorkerServices` serves concurrent tasks (its callables must be
  thread-safe); each call has its own state.
"""

from __future__ import annotations

import gzip
import threading
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from orchestrator.config.models import ModuleConfig
from orchestrator.drift.classify import Classified, classify_plan
from orchestrator.errors import TgoError
from orchestrator.execution.base import EventSink
from orchestrator.execution.task import ModuleEvent, ModuleTask, TaskResult
from orchestrator.printable import printable
from orchestrator.process import ProcessGroup
from orchestrator.runtime import Clock
from orchestrator.terraform.binary import TerraformVersions
from orchestrator.terraform.executor import (
    CredentialsEnv,
    ExecRequest,
    ModuleExecutor,
    ModuleRun,
    no_credentials,
)
from orchestrator.terraform.lines import ModuleLines
from orchestrator.terraform.plugin_cache import cache_env

TAIL_LINES = 20
RECENT_LINES = 400
LOG_CAP_BYTES = 4 * 1024 * 1024
"""The most of a module's log a result carries (the end of it: where the errors are)."""

OutputsReader = Callable[[ModuleConfig, ModuleExecutor, ModuleLines], tuple[Mapping[str, Any] | None, str]]
"""Reads a module's outputs for its dependents: (values or None when there are none, which path
produced them). The one place dependency outputs are read on the running side."""


def terraform_outputs(
    cfg: ModuleConfig, executor: ModuleExecutor, lines: ModuleLines
) -> tuple[Mapping[str, Any] | None, str]:
    """``terraform output -json`` in the module (initialising it when needed)."""
    return executor.read_outputs(cfg, lines), "terraform"


def _no_sts() -> int:
    return 0


LOCAL_WORKER = "local"
"""The ``worker`` of tasks run by this process (its STS calls are in its own cache's counters)."""


@dataclass
class WorkerServices:
    """What a side that runs tasks holds: the base environment, the credentials (its own cache), its
    process group and cancel event, its clock. ``sts_calls`` counts this side's AssumeRole calls so far."""

    base_env: Mapping[str, str]
    clock: Clock
    credentials_env: CredentialsEnv = no_credentials
    group: ProcessGroup = field(default_factory=ProcessGroup)
    cancel: threading.Event = field(default_factory=threading.Event)
    worker: str = LOCAL_WORKER
    redact: Callable[[str], str] = str
    sts_calls: Callable[[], int] = _no_sts
    read_outputs: OutputsReader = terraform_outputs
    terraform_for: Callable[[str], str] = str
    """Maps the client's terraform binary to this side's (identity locally)."""
    versions: TerraformVersions | None = None
    """Each binary's version: a working copy another version initialised is initialised again."""


class TaskLines:
    """A task's output as events, with the stderr tail and (``keep``) the log for the result. Thread-safe."""

    def __init__(self, task: ModuleTask, on_event: EventSink, services: WorkerServices) -> None:
        self._module = task.module
        self._emit = on_event
        self._redact = services.redact
        self._worker = services.worker
        self._keep = task.keep_log
        self._lock = threading.Lock()
        self._tail: deque[str] = deque(maxlen=TAIL_LINES)
        self._recent: deque[str] = deque(maxlen=RECENT_LINES)
        self._log: deque[str] = deque()
        self._log_bytes = 0

    def line(self, stream: str, text: str) -> None:
        text = self._redact(text)
        with self._lock:
            if stream == "stderr":
                self._recent.append(text)
                if text.strip():
                    self._tail.append(text)
            if self._keep:
                self._log.append(text)
                self._log_bytes += len(text) + 1
                while self._log_bytes > LOG_CAP_BYTES and self._log:
                    self._log_bytes -= len(self._log.popleft()) + 1
        self._emit(ModuleEvent(self._module, "line", stream, text, self._worker))

    def note(self, text: str) -> None:
        self.line("tgo", f"[tgo] {text}")

    def notice(self, text: str) -> None:
        """A ``line`` event on the ``notice`` stream: the receiver shows it even under the board."""
        self.line("notice", f"[tgo] {text}")

    def retry(self, attempt: int, delay_s: float, reason: str = "") -> None:
        """A ``retried`` event only: the receiver writes the note (``ModuleOutput.retry``)."""
        self._emit(ModuleEvent(self._module, "retried", "tgo", reason, self._worker, attempt, delay_s))

    def recent_stderr(self) -> list[str]:
        with self._lock:
            return list(self._recent)

    def stderr_tail(self) -> list[str]:
        with self._lock:
            return list(self._tail)

    def log_gz(self) -> bytes | None:
        if not self._keep:
            return None
        with self._lock:
            text = "".join(f"{ln}\n" for ln in self._log)
        return gzip.compress(text.encode("utf-8", "replace"))


def run_task(task: ModuleTask, services: WorkerServices, on_event: EventSink = lambda _e: None) -> TaskResult:
    """Run ``task``; see the module doc."""
    clock = services.clock
    t0, started = clock.monotonic(), clock.now()
    lines = TaskLines(task, on_event, services)
    on_event(ModuleEvent(task.module, "started", worker=services.worker))
    executor = ModuleExecutor(
        terraform_for=lambda _cfg: services.terraform_for(task.terraform),
        base_env={**services.base_env, **cache_env(services.base_env)},  # one provider plugin cache per machine
        group=services.group,
        credentials_env=services.credentials_env,
        sleep=clock.sleep,
        cancel=services.cancel,
        versions=services.versions,
    )
    fields: dict[str, Any]
    try:
        if task.kind == "outputs":
            values, source = services.read_outputs(task.config, executor, lines)
            fields = {"status": "succeeded", "outputs": values, "outputs_source": source}
        else:
            fields = _command(task, executor, lines, lambda: on_event(_event(task, "released", services)))
    except TgoError as err:
        reason = printable(err.format())
        lines.note(f"error: {reason}")
        fields = {"status": "failed", "reason": reason}
    result = TaskResult(
        module=task.module,
        started_at=started,
        finished_at=clock.now(),
        duration_s=clock.monotonic() - t0,
        stderr_tail=tuple(lines.stderr_tail()),
        log_gz=lines.log_gz(),
        worker=services.worker,
        sts_calls=services.sts_calls(),
        **fields,
    )
    on_event(ModuleEvent(task.module, "finished", text=result.status, worker=services.worker))
    return result


def _event(task: ModuleTask, kind: str, services: WorkerServices) -> ModuleEvent:
    return ModuleEvent(task.module, kind, worker=services.worker)  # type: ignore[arg-type]


def _command(
    task: ModuleTask, executor: ModuleExecutor, lines: TaskLines, released: Callable[[], None]
) -> dict[str, Any]:
    plan_out = Path(task.plan_file) if task.plan_file else None
    req = ExecRequest(task.command, task.multi, plan_out, task.interactive, task.color)
    run = executor.run(task.config, req, lines, released)
    return {
        "status": run.status,
        "exit_code": run.exit_code,
        "attempts": run.attempts,
        "reason": run.reason,
        "working_dir": str(run.working_dir) if run.working_dir else None,
        "plan_file": str(run.plan_file) if run.plan_file else None,
        "plan": run.plan,
        "has_changes": run.has_changes,
        "drift": _drift(task, run),
        "forced_stop": run.forced_stop,
        "lock_maybe_left": run.lock_maybe_left,
        "lock_id": run.lock_id,
    }


def _drift(task: ModuleTask, run: ModuleRun) -> Classified | None:
    """Drift's reading of the plan: from the one ``show -json``; an exit code 0 of
    ``-detailed-exitcode`` is clean without reading anything. None: no plan to read."""
    if task.drift_mode is None or run.status != "succeeded":
        return None
    if run.exit_code == 0:
        return Classified(resources=[], outputs=[])
    if run.plan_json is None:
        return None
    return classify_plan(run.plan_json, task.drift_mode, task.module)
