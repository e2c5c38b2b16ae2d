"""The run report built from the modules' results (values, never callbacks into the executor): one
module's result, the excluded and read-only entries, the state locks that forcibly stopped terraform
processes may have left, and writing the report file. Pure apart from :func:`write_report` and the two
small files :func:`~orchestrator.terraform.state_lock.left_lock` reads."""

from __future__ import annotations

import shlex
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Literal

from orchestrator.app.run_select import Selection
from orchestrator.config.models import ModuleConfig
from orchestrator.execution.task import TaskResult
from orchestrator.report.run_model import ModuleResult, PlanChanges, RunReport, StateLock
from orchestrator.scheduler import Outcome, Status
from orchestrator.terraform.commands import TfCommand
from orchestrator.terraform.state_lock import LOCK_ID_PLACEHOLDER, left_lock, takes_lock


@dataclass(frozen=True)
class ModuleDone:
    """One module's result with its timing on the client, from its config's evaluation to its result
    (the scheduler's value, from which the report is built)."""

    run: TaskResult
    started_at: datetime
    finished_at: datetime
    duration_s: float
    used_mock_outputs: bool = False
    log_file: str | None = None
    config: ModuleConfig | None = None


@dataclass(frozen=True)
class Ended:
    """How the scheduling ended: every module's outcome, the stop signal if one came, the binaries used."""

    outcomes: Mapping[Path, Outcome[Path, ModuleDone]]
    signum: int | None
    binaries: Mapping[Path, str]


def locks_left(selection: Selection, command: TfCommand, ended: Ended) -> list[StateLock]:
    """The state locks terraform processes that tgo had to kill may have left, from the modules' results."""
    if not takes_lock(command.name, command.args):
        return []
    found: list[StateLock] = []
    for path, outcome in sorted(ended.outcomes.items()):
        run = outcome.value.run if outcome.value is not None else None
        if run is None or not run.lock_maybe_left or run.working_dir is None:
            continue
        tf = ended.binaries.get(path, "terraform")
        lock = left_lock(Path(run.working_dir), tf, run.lock_id)
        if lock is None:
            continue
        unlock_id = shlex.quote(lock.lock_id) if lock.lock_id else LOCK_ID_PLACEHOLDER
        found.append(
            StateLock(
                module=selection.display(path),
                backend=lock.backend,
                lock_table=lock.lock_table,
                lock_key=lock.lock_key,
                lock_id=lock.lock_id,
                working_dir=str(run.working_dir),
                force_unlock=lock.force_unlock,
                tgo_force_unlock=f"tgo run force-unlock -force {unlock_id} --working-dir {shlex.quote(str(path))}",
                where_is_the_id=lock.where_is_the_id,
            )
        )
    return found


def save_report(
    report: RunReport,
    path: Path,
    fallback_dir: Path,
    say: Callable[[str], None],
    *,
    redact: Callable[[str], str] = str,
) -> Path | None:
    """Write ``report`` to ``path``; when that fails (``OSError``: read-only, full disk, a directory in
    the way), to ``fallback_dir/report.json``, and when that fails too, print it to ``say`` (stderr).
    Each fallback is announced with the reason. Returns where it was written (None: printed). Never
    raises: a report that cannot be written must not turn a finished run into a crash. ``redact``
    masks the credentials tgo handed out (``say`` must mask them itself, as the console does)."""
    try:
        write_report(report, path, redact=redact)
        return path
    except OSError as err:
        problem = f"cannot write the report to {path}: {err.strerror or err}"
    fallback = fallback_dir / "report.json"
    if fallback != path:
        try:
            write_report(report, fallback, redact=redact)
            say(f"[tgo] warning: {problem}; wrote it to {fallback}")
            return fallback
        except OSError as err:
            problem += f"; nor to {fallback}: {err.strerror or err}"
    say(f"[tgo] warning: {problem}; here it is:")
    say(report.model_dump_json(indent=2))
    return None


def write_report(report: RunReport, path: Path, *, redact: Callable[[str], str] = str) -> None:
    """Write ``report`` as JSON; ``redact`` masks the credentials tgo handed out (a module's stderr
    tail, a reason quoting a command's output)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(redact(report.model_dump_json(indent=2) + "\n"))


def _placed(selection: Selection, cfg: ModuleConfig | None) -> dict[str, str | None]:
    """The report's iam_role/account_id: what the module really ran under, overrides included."""
    role, account = selection.placement(cfg) if cfg is not None else (None, None)
    return {"iam_role": role, "account_id": account}


def static_result(
    selection: Selection,
    path: Path,
    status: Literal["excluded", "skipped"],
    reason: str,
    role: Literal["run", "read"] = "run",
) -> ModuleResult:
    cfg = selection.configs.get(path)
    return ModuleResult(
        path=selection.display(path),
        status=status,
        reason=reason,
        role=role,
        **_placed(selection, cfg),
    )


def module_result(selection: Selection, path: Path, outcome: Outcome[Path, ModuleDone]) -> ModuleResult:
    cfg = selection.configs[path]
    base = ModuleResult(
        path=selection.display(path),
        status=outcome.status.value,
        **_placed(selection, cfg),
        bug=outcome.bug,
    )
    if outcome.status is Status.SKIPPED:
        failed = outcome.skipped_because
        cause = selection.display(failed) if failed is not None else "?"
        related = selection.graph.transitive_dependencies([path]) | selection.graph.transitive_dependents([path])
        reason = (
            f"skipped: dependency {cause} failed" if failed in related else f"skipped: --fail-fast after {cause} failed"
        )
        return base.model_copy(update={"reason": reason, "skipped_because": cause})
    done = outcome.value
    if done is None:
        reason = f"internal error in tgo: {outcome.error!r}" if outcome.error else "interrupted before start"
        return base.model_copy(update={"reason": reason})
    run = done.run
    used_cfg = done.config or cfg
    changes = None
    if run.plan is not None:
        p = run.plan
        changes = PlanChanges(
            add=p.add, change=p.change, destroy=p.destroy, has_changes=run.has_changes, addresses=list(p.addresses)
        )
    elif run.has_changes:
        changes = PlanChanges(has_changes=True)
    return base.model_copy(
        update={
            "reason": run.reason,
            "started_at": done.started_at,
            "finished_at": done.finished_at,
            "duration_s": round(done.duration_s, 3),
            "exit_code": run.exit_code,
            "attempts": run.attempts,
            "used_mock_outputs": done.used_mock_outputs,
            "changes": changes,
            **_placed(selection, used_cfg),
            "working_dir": run.working_dir,
            "plan_file": run.plan_file,
            "log_file": done.log_file,
            "stderr_tail": list(run.stderr_tail),
            "forced_stop": run.forced_stop,
        }
    )
