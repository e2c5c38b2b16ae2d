"""``--progress json``: one JSON object per line on stdout, for other tools. The events' schema is
``schemas/progress-events.schema.json`` (generated from :class:`ProgressEvent`).

Kinds: ``module_started``, ``module_retried``, ``module_finished`` (every started module finishes
exactly once), ``module_skipped`` (never started: a dependency failed, or the run stopped), and
``run_finished`` last, with the exit code and the counts. ``time`` is UTC; ``elapsed_s`` counts from
the start of the run. Pure: building an event; the writing is RunOutput's.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Annotated, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, RootModel

from orchestrator.console.board import Finished
from orchestrator.report.run_model import RunReport

SCHEMA_VERSION: Final = 1


class _Event(BaseModel):
    model_config = ConfigDict(extra="forbid")
    schema_version: Literal[1] = SCHEMA_VERSION
    time: datetime
    elapsed_s: float = Field(description="Seconds since the run started.")


class ModuleStarted(_Event):
    event: Literal["module_started"] = "module_started"
    module: str


class ModuleRetried(_Event):
    event: Literal["module_retried"] = "module_retried"
    module: str
    attempt: int = Field(description="The attempt about to start (2 for the first retry).")
    delay_s: float
    reason: str = ""


class ModuleFinished(_Event):
    event: Literal["module_finished"] = "module_finished"
    module: str
    status: str
    duration_s: float | None = None
    add: int | None = None
    change: int | None = None
    destroy: int | None = None
    outputs_only: bool = False
    reason: str | None = None


class ModuleSkipped(_Event):
    event: Literal["module_skipped"] = "module_skipped"
    module: str
    reason: str = ""


class RunFinished(_Event):
    event: Literal["run_finished"] = "run_finished"
    command: str
    exit_code: int
    counts: dict[str, int] = Field(description="Modules per status (succeeded, failed, skipped, ...).")
    changed: int = Field(description="Modules whose plan has changes.")
    run_dir: str | None = None


class ProgressEvent(
    RootModel[
        Annotated[
            ModuleStarted | ModuleRetried | ModuleFinished | ModuleSkipped | RunFinished, Field(discriminator="event")
        ]
    ]
):
    """One line of ``tgo run-all ... --progress json``."""


def finished_event(module: str, done: Finished, time: datetime, elapsed_s: float) -> ModuleFinished:
    return ModuleFinished(
        module=module,
        status=done.status,
        duration_s=done.duration_s,
        add=done.add,
        change=done.change,
        destroy=done.destroy,
        outputs_only=done.outputs_only,
        reason=done.reason,
        time=time,
        elapsed_s=round(elapsed_s, 3),
    )


def run_finished_event(report: RunReport, elapsed_s: float) -> RunFinished:
    counts = Counter(m.status for m in report.modules)
    changed = sum(1 for m in report.modules if m.changes is not None and m.changes.has_changes)
    return RunFinished(
        command=report.command,
        exit_code=report.exit_code,
        counts=dict(sorted(counts.items())),
        changed=changed,
        run_dir=report.run_dir,
        time=report.finished_at,
        elapsed_s=round(elapsed_s, 3),
    )


def event_line(event: _Event) -> str:
    return event.model_dump_json(exclude_none=True)
