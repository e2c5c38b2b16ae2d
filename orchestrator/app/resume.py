"""``--resume REPORT``: rerun only the modules an earlier report left unfinished, keep the rest.

- :func:`from_run_report` reads a run report (``--report-file``): its ``failed``, ``skipped`` and
  ``interrupted`` modules are rerun, its ``succeeded`` entries are kept as they are.
- :func:`from_drift_report` reads a ``drift.json``: the modules whose status is in ``only`` (default
  ``error`` and ``skipped``; ``--only drifted,error`` reruns those) are rerun, the others kept.
- :func:`narrow` applies a :class:`Resume` to a run's selection: the rerun modules run (with the
  dependents a new failure skips, as always), the kept ones only lend their outputs.

Contract: every function raises UsageError (exit 64) with one line naming the report when it cannot
be read or no longer fits the tree: a module of the report is gone, or it was made by another
command. A module the report does not know (new in the tree) is run, so the new report stays whole.
Pure apart from reading the report file.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

from pydantic import ValidationError

from orchestrator.app.run_select import Selection
from orchestrator.errors import UsageError
from orchestrator.printable import printable
from orchestrator.report.drift_model import DriftReport, ModuleDrift
from orchestrator.report.run_model import ModuleResult, RunReport

RUN_RERUN = frozenset({"failed", "skipped", "interrupted"})
DRIFT_STATUSES = ("clean", "drifted", "error", "skipped")
DRIFT_DEFAULT = frozenset({"error", "skipped"})
KEPT_REASON = "kept from --resume"


@dataclass(frozen=True)
class Resume:
    """What an earlier report says: ``statuses`` of every module it ran (by report path), the ones
    to ``rerun``, and the entries kept (``kept_run`` for a run report, ``kept_drift`` for drift)."""

    source: Path
    kind: Literal["run", "drift"]
    command: str
    args: tuple[str, ...]
    statuses: Mapping[str, str]
    rerun: frozenset[str]
    kept_run: Mapping[str, ModuleResult] = field(default_factory=dict)
    kept_drift: Mapping[str, ModuleDrift] = field(default_factory=dict)


def _read(path: Path) -> object:
    try:
        return json.loads(path.read_text())
    except OSError as err:
        raise UsageError(f"cannot read {path}: {err.strerror or err}", attr="--resume") from None
    except ValueError as err:
        raise UsageError(f"{path} is not a JSON report: {err}", attr="--resume") from None


def from_run_report(path: Path) -> Resume:
    """A run report's unfinished modules (see the module doc). Raises UsageError."""
    data = _read(path)
    try:
        report = RunReport.model_validate(data)
    except ValidationError:
        raise UsageError(f"{path} is not a tgo run report (--report-file)", attr="--resume") from None
    ran = [m for m in report.modules if m.role == "run" and m.status != "excluded"]
    return Resume(
        source=path,
        kind="run",
        command=report.command,
        args=tuple(report.args),
        statuses={m.path: m.status for m in ran},
        rerun=frozenset(m.path for m in ran if m.status in RUN_RERUN),
        kept_run={m.path: m for m in ran if m.status not in RUN_RERUN},
    )


def parse_only(value: str | None) -> frozenset[str]:
    """``--only drifted,error``: the drift statuses to rerun (default error and skipped)."""
    if value is None:
        return DRIFT_DEFAULT
    wanted = frozenset(v.strip() for v in value.split(",") if v.strip())
    unknown = sorted(wanted - set(DRIFT_STATUSES))
    if unknown or not wanted:
        raise UsageError(
            f"takes drift statuses separated by commas ({', '.join(DRIFT_STATUSES)}), got {value!r}",
            attr="--only",
        )
    return wanted


def from_drift_report(path: Path, only: frozenset[str] = DRIFT_DEFAULT) -> Resume:
    """A drift report's modules to rerun (statuses in ``only``). Raises UsageError."""
    data = _read(path)
    try:
        report = DriftReport.model_validate(data)
    except ValidationError:
        raise UsageError(f"{path} is not a tgo drift report (drift.json)", attr="--resume") from None
    return Resume(
        source=path,
        kind="drift",
        command=f"drift --mode {report.mode}",
        args=(),
        statuses={m.path: m.status for m in report.modules},
        rerun=frozenset(m.path for m in report.modules if m.status in only),
        kept_drift={m.path: m for m in report.modules if m.status not in only},
    )


def check_command(resume: Resume, command: str, args: Sequence[str] = ()) -> None:
    """Refuse a report made by another command (or other terraform arguments)."""
    if resume.command != command or tuple(resume.args) != tuple(args):
        was = " ".join([resume.command, *resume.args])
        now = " ".join([command, *args])
        raise UsageError(
            f"{resume.source} was made by `{was}`, not `{now}`; its results do not apply",
            attr="--resume",
            hint="resume with the same command, or run without --resume",
        )


def narrow(selection: Selection, resume: Resume) -> Selection:
    """``selection`` with only the modules to rerun (and any the report does not know) left to run;
    the kept ones become read-only (their outputs are read where needed) or excluded. Raises
    UsageError when a module of the report is gone from the tree."""
    known = {selection.display(p) for p in [*selection.configs, *selection.excluded]}
    gone = sorted(set(resume.statuses) - known)
    if gone:
        names = ", ".join(printable(g) for g in gone[:5]) + (", ..." if len(gone) > 5 else "")
        raise UsageError(
            f"the tree changed since {resume.source}: module(s) gone: {names}",
            attr="--resume",
            hint="run without --resume for a new full report",
        )
    shown = selection.display
    run = [p for p in selection.run if shown(p) not in resume.statuses or shown(p) in resume.rerun]
    chosen = set(run)
    kept = [p for p in selection.run if p not in chosen]
    read_only = (selection.graph.transitive_dependencies(run) - chosen) if run else set()
    excluded = {**selection.excluded, **{p: KEPT_REASON for p in kept if p not in read_only}}
    for path in read_only:
        excluded.pop(path, None)
    return replace(selection, run=sorted(run), read_only=set(read_only), excluded=excluded)
