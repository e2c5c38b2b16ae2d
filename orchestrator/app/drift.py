"""The ``tgo drift`` use case: plan every selected module through the run engine, take each module's
classified drift from its result (read from the one ``terraform show -json`` of its plan, where the
plan ran), and write ``drift.json``, ``drift.md`` and ``drift.junit.xml``.

Flow: read ``--previous`` and the suppressions file first (bad input fails before terraform runs),
resolve ``--account`` names to IDs (:mod:`orchestrator.accounts`), then :func:`orchestrator.app.run.run_modules`
with ``plan -detailed-exitcode`` (``--mode refresh-only`` adds ``-refresh-only``). Drift never applies.
Plans keep terraform's normal state locking, which ends with each plan: no lock outlives its plan.

Contract:
- Raises TgoError subclasses only for bad input (flags, suppressions, previous report, configs) and
  missing tools, like ``run_all``; a module whose plan failed is an ``error`` entry in the report.
- ``DriftResult.report.exit_code``: 0 clean, 2 drift without error, 1 any error (0 with ``exit_zero``);
  130 when interrupted (143 SIGTERM, 129 SIGHUP) is in ``DriftResult.exit_code``.
- The report is built from the modules' results only; drift runs no terraform of its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from orchestrator import __version__
from orchestrator.accounts import AccountConvention, TreeReader, known_accounts, names_by_id, resolve_selectors
from orchestrator.app.resume import KEPT_REASON, Resume, check_command
from orchestrator.app.run import RunOptions, RunServices, default_parallelism, run_modules
from orchestrator.drift.build import BuildOptions, ModuleOutcome, build_report
from orchestrator.drift.history import load_previous
from orchestrator.drift.suppressions import DEFAULT_FILE, load_suppressions
from orchestrator.execution.task import TaskResult
from orchestrator.output import OutputMode
from orchestrator.outputs.reader import Mode as OutputsMode
from orchestrator.report.drift_junit import clean, render_junit
from orchestrator.report.drift_md import render_markdown
from orchestrator.report.drift_model import DriftReport, Mode
from orchestrator.report.run_model import ModuleResult, RunReport
from orchestrator.runtime import Runtime
from orchestrator.terraform.commands import TfCommand

# Modules a run leaves out on purpose (filters, dependencies read for outputs) are not part of the
# drift job; modules excluded by their own config (skip, exclude blocks) are reported as skipped.
_NOT_SELECTED = ("--include-dir", "--exclude-dir", "--account", KEPT_REASON)


@dataclass(frozen=True)
class DriftOptions:
    working_dir: Path
    mode: Mode = "plan"
    include_dirs: tuple[str, ...] = ()
    exclude_dirs: tuple[str, ...] = ()
    accounts: tuple[str, ...] = ()
    parallelism: int = field(default_factory=default_parallelism)
    tf_path: str | None = None
    log_dir: Path | None = None
    output_dir: Path | None = None
    previous: Path | None = None
    suppressions: Path | None = None
    exit_zero: bool = False
    output: OutputMode = "stream"
    convention: AccountConvention = field(default_factory=AccountConvention)
    shutdown_timeout: float = 60.0
    dependency_outputs: OutputsMode = "state"
    resume: Resume | None = None
    """``--resume drift.json`` (with ``--only``): plan only those modules again, keep the others' entries."""
    max_per_account: int | None = None


@dataclass(frozen=True)
class DriftResult:
    report: DriftReport
    run: RunReport
    files: dict[str, Path]

    @property
    def exit_code(self) -> int:
        return self.run.exit_code if self.run.interrupted else self.report.exit_code


def plan_command(mode: Mode) -> TfCommand:
    args = ("-detailed-exitcode", "-refresh-only") if mode == "refresh-only" else ("-detailed-exitcode",)
    return TfCommand("plan", args)


def drift(runtime: Runtime, options: DriftOptions, services: RunServices) -> DriftResult:
    """Run the drift job; see the module doc."""
    now = runtime.clock.now()
    previous = load_previous(options.previous) if options.previous else None
    if previous is not None and previous.mode != options.mode:
        runtime.console.error(
            f"[tgo] warning: --previous was made with --mode {previous.mode}, this run is --mode {options.mode}: "
            "actions (and so fingerprints) differ between modes, so its drift will look new or resolved"
        )
    sup_path = options.suppressions or options.working_dir / DEFAULT_FILE
    suppressions = load_suppressions(sup_path, now.date(), required=options.suppressions is not None)
    loader = services.loader
    accounts = known_accounts(
        options.working_dir, options.convention, loader if isinstance(loader, TreeReader) else None
    )
    account_ids = resolve_selectors(options.accounts, accounts)
    if options.resume is not None:
        check_command(options.resume, f"drift --mode {options.mode}")
    ran = run_modules(
        runtime,
        RunOptions(
            command=plan_command(options.mode),
            working_dir=options.working_dir,
            include_dirs=options.include_dirs,
            exclude_dirs=options.exclude_dirs,
            accounts=account_ids,
            parallelism=options.parallelism,
            tf_path=options.tf_path,
            log_dir=options.log_dir,
            output=options.output,
            shutdown_timeout=options.shutdown_timeout,
            dependency_outputs=options.dependency_outputs,
            drift_mode=options.mode,
            resume=options.resume,
            max_per_account=options.max_per_account,
        ),
        services,
    )
    run = ran.report
    outcomes = _outcomes(run, ran.results, names_by_id(accounts), options.resume)
    out_dir = options.output_dir or Path(run.run_dir or options.working_dir)
    report = build_report(
        outcomes,
        BuildOptions(
            mode=options.mode,
            now=now,
            working_dir=str(options.working_dir),
            tool_version=__version__,
            run_dir=run.run_dir,
            previous=previous,
            previous_path=str(options.previous) if options.previous else None,
            suppressions=suppressions,
            suppressions_file=str(sup_path) if sup_path.exists() else None,
            exit_zero=options.exit_zero,
        ),
    )
    return DriftResult(report, run, write_reports(report, out_dir))


def write_reports(report: DriftReport, out_dir: Path) -> dict[str, Path]:
    """Write the three reports; returns their paths by kind (json, md, junit)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    files = {"json": out_dir / "drift.json", "md": out_dir / "drift.md", "junit": out_dir / "drift.junit.xml"}
    files["json"].write_text(report.model_dump_json(indent=2) + "\n")
    files["md"].write_text(render_markdown(report))
    files["junit"].write_text(render_junit(report))
    return files


def _outcomes(
    run: RunReport, results: Mapping[str, TaskResult], names: Mapping[str, str], resume: Resume | None
) -> list[ModuleOutcome]:
    """Each module's outcome: from this run, else (``--resume``) the earlier report's entry."""
    fresh = {m.path: _outcome(m, results.get(m.path), names) for m in run.modules if not _left_out(m)}
    kept = resume.kept_drift if resume is not None else {}
    earlier = {p: ModuleOutcome(path=p, kind="planned", kept=d) for p, d in kept.items() if p not in fresh}
    return list({**earlier, **fresh}.values())


def _left_out(mod: ModuleResult) -> bool:
    return mod.role == "read" or (mod.status == "excluded" and any(f in (mod.reason or "") for f in _NOT_SELECTED))


def _outcome(mod: ModuleResult, result: TaskResult | None, names: Mapping[str, str]) -> ModuleOutcome:
    """A module's drift outcome from its run entry and its result (whose ``drift`` was read from the
    one ``show -json`` of its plan, where the plan ran)."""
    base = ModuleOutcome(
        path=mod.path,
        kind="error",
        account_id=mod.account_id,
        account_name=names.get(mod.account_id or ""),
        iam_role=mod.iam_role,
        exit_code=mod.exit_code,
        plan_file=mod.plan_file,
    )
    if mod.status in {"skipped", "excluded"}:
        return replace(base, kind="skipped", reason=mod.reason)
    if mod.status != "succeeded":
        tail = next((f": {line}" for line in reversed([clean(x).strip(" │╷╵") for x in mod.stderr_tail]) if line), "")
        return replace(base, reason=f"{mod.reason or mod.status}{tail}")
    if result is None or result.drift is None:
        return replace(base, reason="terraform plan saved no plan file")
    return replace(base, kind="planned", classified=result.drift)
