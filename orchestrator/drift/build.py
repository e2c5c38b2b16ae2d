"""Assemble a :class:`~orchestrator.report.drift_model.DriftReport` from per-module outcomes.

Order: classify each plan, fingerprint, apply suppressions, compare with ``--previous``, count, and
choose the exit code (error 1 beats drift 2 beats clean 0; ``exit_zero`` forces 0). Pure: the caller
reads files and runs terraform; this module only computes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from orchestrator.drift.classify import Classified, classify_plan
from orchestrator.drift.fingerprint import module_fingerprint
from orchestrator.drift.history import apply_history
from orchestrator.drift.suppressions import Suppression, apply_suppressions
from orchestrator.errors import EXIT_CHANGES, EXIT_FAILED, EXIT_OK
from orchestrator.report.drift_model import DriftReport, Mode, ModuleDrift, Totals


@dataclass(frozen=True, slots=True)
class ModuleOutcome:
    """What happened to one module. When ``kind == "planned"``: ``classified``, what differs in its plan
    (as read where the plan ran), or ``plan``, the ``show -json`` of its saved plan, to classify here."""

    path: str
    kind: Literal["planned", "error", "skipped"]
    account_id: str | None = None
    account_name: str | None = None
    iam_role: str | None = None
    plan: Mapping[str, Any] | None = None
    exit_code: int | None = None
    reason: str | None = None
    plan_file: str | None = None
    classified: Classified | None = None
    kept: ModuleDrift | None = None
    """``--resume``: the earlier report's entry, kept as it was."""


@dataclass(frozen=True, slots=True)
class BuildOptions:
    mode: Mode
    now: datetime
    working_dir: str
    tool_version: str
    run_dir: str | None = None
    previous: DriftReport | None = None
    previous_path: str | None = None
    suppressions: Sequence[Suppression] = field(default_factory=tuple)
    suppressions_file: str | None = None
    exit_zero: bool = False


def module_drift(outcome: ModuleOutcome, mode: Mode) -> ModuleDrift:
    """Classify one outcome (no suppressions or history yet)."""
    common: dict[str, Any] = {
        "path": outcome.path,
        "account_id": outcome.account_id,
        "account_name": outcome.account_name,
        "iam_role": outcome.iam_role,
        "exit_code": outcome.exit_code,
        "plan_file": outcome.plan_file,
    }
    if outcome.kept is not None:
        return outcome.kept
    found = outcome.classified
    if found is None and outcome.kind == "planned" and outcome.plan is not None:
        found = classify_plan(outcome.plan, mode, outcome.path)
    if outcome.kind != "planned" or found is None:
        status = "skipped" if outcome.kind == "skipped" else "error"
        return ModuleDrift(**common, status=status, reason=outcome.reason or "no plan was produced")
    if not found.drifted:
        return ModuleDrift(**common, status="clean")
    fp = module_fingerprint(outcome.path, [r.fingerprint for r in found.resources], [o.name for o in found.outputs])
    return ModuleDrift(
        **common,
        status="drifted",
        resources=found.resources,
        outputs=found.outputs,
        outputs_only=not found.resources,
        fingerprint=fp,
    )


def totals(modules: Sequence[ModuleDrift], resolved: int, expired: int) -> Totals:
    counting = [r for m in modules for r in m.resources if r.suppressed is None and m.status == "drifted"]
    return Totals(
        modules=len(modules),
        clean=sum(m.status == "clean" for m in modules),
        drifted=sum(m.status == "drifted" for m in modules),
        error=sum(m.status == "error" for m in modules),
        skipped=sum(m.status == "skipped" for m in modules),
        resources=len(counting),
        outputs_only=sum(m.status == "drifted" and m.outputs_only for m in modules),
        suppressed=sum(m.suppressed for m in modules),
        new=sum(r.history == "new" for r in counting)
        + sum(m.status == "drifted" and m.outputs_only and m.history == "new" for m in modules),
        ongoing=sum(r.history == "ongoing" for r in counting)
        + sum(m.status == "drifted" and m.outputs_only and m.history == "ongoing" for m in modules),
        resolved=resolved,
        expired_suppressions=expired,
    )


def exit_code(t: Totals, exit_zero: bool) -> int:
    """0 clean, 2 drift without error, 1 any error; ``exit_zero`` reports without failing."""
    if exit_zero:
        return EXIT_OK
    if t.error:
        return EXIT_FAILED
    return EXIT_CHANGES if t.drifted else EXIT_OK


def build_report(outcomes: Sequence[ModuleOutcome], opts: BuildOptions) -> DriftReport:
    modules = [module_drift(o, opts.mode) for o in sorted(outcomes, key=lambda o: o.path)]
    modules, statuses = apply_suppressions(modules, list(opts.suppressions))
    modules, resolved = apply_history(modules, opts.previous, opts.now)
    t = totals(modules, len(resolved), sum(s.entry.expired for s in statuses))
    return DriftReport(
        tool_version=opts.tool_version,
        generated_at=opts.now,
        mode=opts.mode,
        working_dir=opts.working_dir,
        run_dir=opts.run_dir,
        previous=opts.previous_path,
        suppressions_file=opts.suppressions_file,
        totals=t,
        exit_code=exit_code(t, opts.exit_zero),
        modules=modules,
        resolved=resolved,
        suppressions=statuses,
    )
