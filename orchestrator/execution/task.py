"""The values that cross the execution seam. Pure: no I/O.

Everything here is a frozen dataclass of plain values (and pydantic models), so it pickles: a task
can be sent to another process or machine, and its result sent back. No field ever holds a
credential: :class:`RoleSession` says which role to assume, the side that runs the task obtains the
credentials itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from orchestrator.config.models import ModuleConfig
from orchestrator.drift.classify import Classified
from orchestrator.report.drift_model import Mode
from orchestrator.terraform.commands import TfCommand
from orchestrator.terraform.parsing import PlanSummary

TaskKind = Literal["command", "outputs"]
TaskStatus = Literal["succeeded", "failed", "interrupted"]
EventKind = Literal["started", "line", "retried", "released", "finished"]


@dataclass(frozen=True)
class RoleSession:
    """The role a module runs under: what STS needs, never the credentials it returns."""

    role_arn: str
    session_name: str | None = None
    duration: int | None = None
    external_id: str | None = None


@dataclass(frozen=True)
class ModuleTask:
    """One module to run.

    ``module`` is the module's path relative to ``root`` (the client's repository root), POSIX, as the
    report shows it. ``kind`` is ``command`` (run ``command``) or ``outputs`` (read the module's
    outputs for a dependent). ``config`` is the evaluated config (dependency outputs already in it).
    ``terraform`` is the binary the client resolved (a worker may map it). ``role`` is None when the
    module runs under the base identity. ``drift_mode`` set: the plan is drift's, and the result
    carries the classified drift. ``keep_log``: the result carries the whole log, gzipped (capped),
    for a client that does not see the task's line events.
    """

    run_id: str
    module: str
    root: str
    config: ModuleConfig
    terraform: str
    kind: TaskKind = "command"
    command: TfCommand = field(default_factory=lambda: TfCommand("output"))
    plan_file: str | None = None
    color: bool = False
    multi: bool = True
    interactive: bool = False
    role: RoleSession | None = None
    account_id: str | None = None
    drift_mode: Mode | None = None
    keep_log: bool = False


@dataclass(frozen=True)
class ModuleEvent:
    """Live status of a running task (never the source of a report).

    ``started``: terraform work began; ``line``: one line of output (``stream`` is ``stdout``,
    ``stderr``, ``tgo``, or ``notice``: tgo's own line to show even when output goes only to logs);
    ``retried``: a retryable error, another attempt follows (the receiver writes its note);
    ``released``: the command succeeded and only reading its plan is left, so dependents may start;
    ``finished``: the result is ready."""

    module: str
    kind: EventKind
    stream: str = ""
    text: str = ""
    worker: str = ""
    attempt: int = 0
    """``retried``: the attempt about to start, after ``delay_s`` seconds (``text``: why)."""
    delay_s: float = 0.0


@dataclass(frozen=True)
class TaskResult:
    """What happened to one task. ``plan`` / ``has_changes`` come from the one ``show -json`` of the
    saved plan; ``drift`` is set for drift's plans (``ModuleTask.drift_mode``); ``outputs`` and
    ``outputs_source`` (``state`` or ``terraform``) for kind ``outputs``. ``working_dir`` and
    ``plan_file`` are paths on the side that ran the task."""

    module: str
    status: TaskStatus
    started_at: datetime
    finished_at: datetime
    duration_s: float
    exit_code: int | None = None
    attempts: int = 0
    reason: str | None = None
    working_dir: str | None = None
    plan_file: str | None = None
    plan: PlanSummary | None = None
    has_changes: bool = False
    drift: Classified | None = None
    outputs: Mapping[str, Any] | None = None
    outputs_source: str | None = None
    stderr_tail: tuple[str, ...] = ()
    log_gz: bytes | None = field(default=None, repr=False)
    forced_stop: bool = False
    lock_maybe_left: bool = False
    lock_id: str | None = None
    worker: str = ""
    sts_calls: int = 0

    @property
    def retries(self) -> int:
        return max(0, self.attempts - 1)
