"""What the Dask client and its workers share, importable without Dask installed: the event topic,
the per-run plugin name, the run's :class:`WorkerSetup`, and the rule for a module whose worker was
lost (rescheduled when read-only, a failure with the lock warning when it writes state). Pure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from orchestrator.aws.supply import CredentialMode
from orchestrator.execution.git_source import GitSource
from orchestrator.execution.task import ModuleTask, TaskResult

EVENT_TOPIC = "tgo-module-events"
PLUGIN_NAME = "tgo"
WRITES_STATE = frozenset({"apply", "destroy", "import", "refresh", "taint", "untaint", "state", "force-unlock"})
LOST_DURING_APPLY = "worker lost during apply: the state lock may be held"


def plugin_name(run_id: str) -> str:
    return f"{PLUGIN_NAME}-{run_id}"


@dataclass(frozen=True)
class WorkerSetup:
    """What a worker needs to know about a run (no credential): ``terraform`` (the client's binary)
    and its ``terraform_version``, the client's repository root and the worker's (None: the same
    path), how terraform gets credentials, and ``max_per_account`` (None: no cap). ``git`` (with
    ``--worker-git``): the commit each worker checks out; its checkout then replaces
    ``git.client_root`` (the client's repository root), instead of ``worker_root``."""

    run_id: str
    client_root: str
    terraform: str | None = None
    terraform_version: str | None = None
    worker_root: str | None = None
    mode: CredentialMode = "broker"
    max_per_account: int | None = None
    git: GitSource | None = None


def _now() -> datetime:
    return datetime.now(UTC)


def writes_state(task: ModuleTask) -> bool:
    return task.kind == "command" and task.command.name in WRITES_STATE


def lost_during_apply(task: ModuleTask, started: datetime, lock_id: str | None, worker: str = "") -> TaskResult:
    """The result of an apply/destroy whose worker died: failed, never run again."""
    now = _now()
    where = f" (on {worker})" if worker else ""
    lock = f"; lock id {lock_id}" if lock_id else ""
    return TaskResult(
        task.module,
        "failed",
        started,
        now,
        (now - started).total_seconds(),
        reason=f"{LOST_DURING_APPLY}{lock}{where}; check the state and release the lock before running it again",
        lock_maybe_left=True,
        lock_id=lock_id,
        attempts=1,
    )
