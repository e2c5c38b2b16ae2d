"""The run-all / run use case, callable from Python: :func:`run_all` returns a :class:`RunReport`.

Stages: select (discover, load, graph, filter) -> check the terraform binary -> confirm and
preflight (apply/destroy) -> schedule every run module (each: fetch its dependencies' outputs,
re-evaluate its config with them, execute terraform) -> report.

Contract:
- Raises TgoError subclasses for bad input before anything runs: ConfigErrors / GraphError (exit 3),
  ToolError (no terraform), UsageError (confirmation refused or impossible), AuthError (preflight).
- A failed module never raises: it is a ``failed`` entry, its dependents ``skipped``.
- Ctrl-C, SIGTERM, SIGHUP (main thread only): running terraform gets SIGINT, nothing new starts, the
  report is still returned with ``interrupted=True``, ``interrupted_by`` and exit code 130 / 143 / 129;
  a second signal, or ``shutdown_timeout`` seconds without the children ending, kills them (SIGTERM,
  then SIGKILL, to each child's process group) and the report lists the state locks they may have
  left (``locks_left``), built from the modules' results.
- Thread-safety: ``RunServices`` callables are called from worker threads.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from orchestrator.app.resume import KEPT_REASON, Resume, check_command, narrow
from orchestrator.app.run_exec import Plan, execute
from orchestrator.app.run_report import Ended, ModuleDone, locks_left, module_result, save_report, static_result
from orchestrator.app.run_select import Loader, Placement, Selection, config_placement, select
from orchestrator.config.models import ModuleConfig
from orchestrator.console.eta import previous_durations
from orchestrator.console.progress import ProgressChoice, choose_progress
from orchestrator.errors import EXIT_FAILED, EXIT_INTERRUPTED, AuthError, UsageError
from orchestrator.execution.base import Executor
from orchestrator.execution.local import LocalExecutor
from orchestrator.execution.run_task import LOCAL_WORKER, WorkerServices
from orchestrator.execution.task import TaskResult
from orchestrator.output import OutputMode, RunOutput
from orchestrator.outputs.reader import Mode as OutputsMode
from orchestrator.outputs.reader import OutputsSource, StateSource
from orchestrator.process import ProcessGroup, forward_interrupts
from orchestrator.report.drift_model import Mode
from orchestrator.report.run_model import ModuleResult, PreflightFailure, RunReport, StsStats, aggregate_exit_code
from orchestrator.runtime import Runtime
from orchestrator.scheduler import Outcome
from orchestrator.terraform.binary import TerraformVersions, check_terraform, resolve_terraform
from orchestrator.terraform.commands import TfCommand
from orchestrator.terraform.executor import CredentialsEnv, no_credentials


def default_parallelism() -> int:
    """Terraform mostly waits on APIs, so twice the CPUs, at least 4 and at most 16."""
    return min(16, max(4, 2 * (os.cpu_count() or 2)))


@dataclass(frozen=True)
class RunOptions:
    command: TfCommand
    working_dir: Path
    include_dirs: tuple[str, ...] = ()
    exclude_dirs: tuple[str, ...] = ()
    accounts: tuple[str, ...] = ()
    parallelism: int = field(default_factory=default_parallelism)
    fail_fast: bool = False
    tf_path: str | None = None
    log_dir: Path | None = None
    out_dir: Path | None = None
    output: OutputMode | None = None
    """Module output on the console; None: ``stream``, or ``logs`` under the live board."""
    progress: ProgressChoice = "auto"
    """``--progress``: auto (tty on a terminal, plain elsewhere), tty, plain, json or quiet."""
    single: bool = False
    include_external: bool = False
    report_file: Path | None = None
    shutdown_timeout: float = 60.0
    """After a stop signal, how long running terraform gets to release its locks before SIGTERM/SIGKILL."""
    source: str = ""
    """``--source``: run each module from this local checkout instead of its ``terraform.source``."""
    reading: tuple[Path, ...] = ()
    """``--queue-include-units-reading``: run only modules whose config reads one of these files."""
    dependency_outputs: OutputsMode = "state"
    """``--dependency-outputs``: read dependencies' outputs from their S3 state first, or only with terraform."""
    max_per_account: int | None = None
    resume: Resume | None = None
    """``--resume``: run only the modules an earlier report left unfinished; keep its other entries."""
    """``--max-per-account``: at most this many modules of one AWS account at once (None: no cap)."""
    drift_mode: Mode | None = None
    """Set by drift: each plan's result carries its classified drift."""


@dataclass
class RunServices:
    loader: Loader
    credentials_env: CredentialsEnv = no_credentials
    preflight: Callable[[Sequence[ModuleConfig]], None] | None = None
    sts_stats: Callable[[], Mapping[str, int]] | None = None
    confirm: Callable[[list[str]], bool] | None = None
    """Asked before apply/destroy with the modules' paths; False stops with a UsageError."""
    placement: Placement = config_placement
    """Effective (role, account) of a module: for --account and the report's iam_role/account_id."""
    credential_mode: Callable[[ModuleConfig], str] | None = None
    """How a module's terraform got credentials, for the report (``broker``, ``env``, ``base``)."""
    group: ProcessGroup = field(default_factory=ProcessGroup)
    cancel: threading.Event = field(default_factory=threading.Event)
    state_outputs: StateSource | None = None
    """Reads a dependency's outputs from its S3 state (None: ``terraform output -json`` only)."""
    executor: Executor | None = None
    """Where tasks run; None: a :class:`LocalExecutor` of ``parallelism`` threads on this process's
    credentials, process group and cancel event (closed at the end of the run). An executor given here
    is the caller's to close; its ``slots`` bound the modules in flight."""


def run_dir_for(runtime: Runtime, options: RunOptions) -> Path:
    if options.log_dir is not None:
        return options.log_dir
    stamp = runtime.clock.now().strftime("%Y%m%dT%H%M%S.%fZ")
    return runs_root(options.working_dir, single=options.single) / ".tgo" / "runs" / stamp


def runs_root(working_dir: Path, *, single: bool) -> Path:
    """Where ``.tgo/`` goes: the working dir for run-all; for ``tgo run`` in a module, the root of its
    repository (the nearest directory up with a ``.git``), so no module gets a ``.tgo/`` of its own;
    the working dir when there is no repository."""
    if single:
        for parent in (working_dir, *working_dir.parents):
            if (parent / ".git").exists():
                return parent
    return working_dir


@dataclass(frozen=True)
class RunResults:
    """A run's report and the result of every module that ran, by its report path."""

    report: RunReport
    results: Mapping[str, TaskResult]


def run_all(runtime: Runtime, options: RunOptions, services: RunServices) -> RunReport:
    """Run ``options.command`` over the selected modules; see the module doc."""
    return run_modules(runtime, options, services).report


def run_modules(runtime: Runtime, options: RunOptions, services: RunServices) -> RunResults:
    """:func:`run_all` with the modules' results (drift reads its plans from them)."""
    if options.parallelism < 1:
        raise UsageError("--parallelism must be at least 1", attr="--parallelism")
    command = options.command
    selection = select(
        services.loader,
        options.working_dir,
        command,
        include_dirs=options.include_dirs,
        exclude_dirs=options.exclude_dirs,
        accounts=options.accounts,
        single=options.single,
        include_external=options.include_external,
        placement=services.placement,
        reading=options.reading,
    )
    if options.resume is not None:
        if options.resume.kind == "run":
            check_command(options.resume, command.name, command.args)
        selection = narrow(selection, options.resume)
    binaries = {
        p: resolve_terraform(options.tf_path, selection.configs[p], runtime.environ, runtime.cwd)
        for p in [*selection.run, *sorted(selection.read_only)]
    }
    for tf in sorted(set(binaries.values())):  # once per distinct binary: a wrong --tf-path stops here
        check_terraform(tf, runtime.environ, runtime.cwd)
    _announce(runtime, selection, to_stderr=options.single or options.progress == "json")
    if command.name in {"apply", "destroy"} or command.is_destroy:
        if services.confirm is not None and selection.run and not services.confirm(_displays(selection)):
            raise UsageError("run not confirmed; nothing ran", hint="pass --yes to skip the question")
        if services.preflight is not None:
            try:
                services.preflight([selection.configs[p] for p in selection.run])
            except AuthError as err:
                if options.report_file is not None:  # CI reads the report: it says why nothing ran
                    report = preflight_report(runtime, options, selection, err)
                    save_report(report, options.report_file, run_dir_for(runtime, options), runtime.console.error)
                raise
    run_dir = run_dir_for(runtime, options)
    started = runtime.clock.now()
    with forward_interrupts(
        services.group,
        services.cancel.set,
        shutdown_timeout=options.shutdown_timeout,
        notify=lambda text: runtime.console.error(f"[tgo] {text}"),
    ) as shutdown:
        outcomes, sources = _execute(
            runtime, options, services, selection=selection, binaries=binaries, run_dir=run_dir
        )
    ended = Ended(outcomes, shutdown.signum, binaries)
    report = _report(
        runtime, options, services, selection=selection, ended=ended, started=started, run_dir=run_dir, sources=sources
    )
    results = {selection.display(p): o.value.run for p, o in outcomes.items() if o.value is not None}
    return RunResults(report, results)


def _displays(selection: Selection) -> list[str]:
    return [selection.display(p) for p in selection.run]


def _announce(runtime: Runtime, selection: Selection, *, to_stderr: bool) -> None:
    say = runtime.console.error if to_stderr else runtime.console.print
    say(f"[tgo] running {len(selection.run)} module(s): {_some(_displays(selection)) or '-'}")
    if selection.read_only:
        read = _some([selection.display(p) for p in sorted(selection.read_only)])
        say(f"[tgo] reading outputs only (not run): {read}")


def _some(names: list[str], shown: int = 12) -> str:
    """The first ``shown`` names and how many more (a 300-module run is one readable line)."""
    more = f", ... ({len(names) - shown} more)" if len(names) > shown else ""
    return ", ".join(names[:shown]) + more


def _execute(
    runtime: Runtime,
    options: RunOptions,
    services: RunServices,
    *,
    selection: Selection,
    binaries: Mapping[Path, str],
    run_dir: Path,
) -> tuple[dict[Path, Outcome[Path, ModuleDone]], dict[Path, OutputsSource]]:
    """Every module's outcome, and how each dependency's outputs were read."""
    console = runtime.console
    progress = choose_progress(options.progress, console.is_tty, runtime.environ)
    output = RunOutput(
        console,
        run_dir / "logs",
        mode=options.output or ("logs" if progress == "tty" else "stream"),
        progress=progress,
        monotonic=runtime.clock.monotonic,
        wall=runtime.clock.now,
        prefix=not options.single,
        durations=previous_durations(run_dir.parent, options.command.name, exclude=run_dir),
        parallelism=options.parallelism,
        ticker=True,
    )
    plan = Plan(
        run_id=run_dir.name,
        command=options.command,
        selection=selection,
        binaries=binaries,
        terraform_for=lambda cfg: resolve_terraform(options.tf_path, cfg, runtime.environ, runtime.cwd),
        plans=options.out_dir or run_dir / "plans",
        color=console.color,
        single=options.single,
        source=options.source,
        drift_mode=options.drift_mode,
        max_per_account=options.max_per_account,
        state_outputs=services.state_outputs if options.dependency_outputs == "state" else None,
    )
    executor = services.executor or LocalExecutor(_worker_services(runtime, services), options.parallelism)
    try:
        return execute(
            runtime,
            plan,
            loader=services.loader,
            output=output,
            executor=executor,
            cancel=services.cancel,
            fail_fast=options.fail_fast,
        )
    finally:
        if services.executor is None:
            executor.close()
        output.close()


def _worker_services(runtime: Runtime, services: RunServices) -> WorkerServices:
    """This process as the side that runs tasks: its credentials, process group and cancel event."""
    stats = services.sts_stats
    return WorkerServices(
        base_env=runtime.environ,
        clock=runtime.clock,
        credentials_env=services.credentials_env,
        group=services.group,
        cancel=services.cancel,
        redact=runtime.console.redact,
        versions=TerraformVersions(runtime.environ, runtime.cwd),
        sts_calls=(lambda: int(stats().get("assume_role_calls", 0))) if stats is not None else lambda: 0,
    )


def _with_sources(
    modules: list[ModuleResult], selection: Selection, sources: Mapping[Path, OutputsSource]
) -> list[ModuleResult]:
    """Each dependency's entry with ``outputs_via`` (state or terraform) and why not state."""
    by_display = {selection.display(p): s for p, s in sources.items()}
    return [
        m.model_copy(update={"outputs_via": by_display[m.path].via, "outputs_fallback": by_display[m.path].reason})
        if m.path in by_display
        else m
        for m in modules
    ]


def _report(
    runtime: Runtime,
    options: RunOptions,
    services: RunServices,
    *,
    selection: Selection,
    ended: Ended,
    started: datetime,
    run_dir: Path,
    sources: Mapping[Path, OutputsSource],
) -> RunReport:
    outcomes = ended.outcomes
    modules = [
        _with_mode(module_result(selection, path, outcome), selection.configs[path], services.credential_mode)
        for path, outcome in sorted(outcomes.items())
    ]
    kept = options.resume.kept_run if options.resume is not None else {}
    for path in sorted(selection.read_only):
        read = static_result(selection, path, "excluded", "dependency: outputs read, not run", role="read")
        modules.append(kept.get(selection.display(path), read))
    for path, reason in sorted(selection.excluded.items()):
        earlier = kept.get(selection.display(path)) if reason == KEPT_REASON else None
        modules.append(earlier or static_result(selection, path, "excluded", reason))
    modules = _with_sources(modules, selection, sources)
    interrupted = services.cancel.is_set()
    signame = signal.Signals(ended.signum).name if ended.signum is not None else None
    report = RunReport(
        command=options.command.name,
        args=list(options.command.args),
        working_dir=str(selection.root),
        run_dir=str(run_dir),
        started_at=started,
        finished_at=runtime.clock.now(),
        exit_code=EXIT_FAILED
        if getattr(services.executor, "lost", None) and not interrupted  # a Dask scheduler lost mid-run
        else aggregate_exit_code(
            modules,
            detailed_exitcode=options.command.detailed_exitcode,
            interrupted=interrupted,
            interrupt_code=128 + ended.signum if ended.signum is not None else EXIT_INTERRUPTED,
        ),
        interrupted=interrupted,
        interrupted_by=signame if signame in {"SIGINT", "SIGTERM", "SIGHUP"} else None,
        locks_left=locks_left(selection, options.command, ended),
        modules=modules,
        sts=_sts(services, ended.outcomes),
    )
    # Always kept in the run directory (the next run's ETA reads it); --report-file names another place.
    report_file = options.report_file or run_dir / "report.json"
    save_report(report, report_file, run_dir, runtime.console.error, redact=runtime.console.redact)
    return report


def _sts(services: RunServices, outcomes: Mapping[Path, Outcome[Path, ModuleDone]]) -> StsStats | None:
    """This process's STS counters plus, from the results, the AssumeRole calls of each worker that
    ran tasks for it (a worker reports its running total: the largest one is its count)."""
    if services.sts_stats is None:
        return None
    workers: dict[str, int] = {}
    for outcome in outcomes.values():
        run = outcome.value.run if outcome.value is not None else None
        if run is not None and run.worker not in ("", LOCAL_WORKER):
            workers[run.worker] = max(workers.get(run.worker, 0), run.sts_calls)
    stats = dict(services.sts_stats())
    stats["assume_role_calls"] = stats.get("assume_role_calls", 0) + sum(workers.values())
    return StsStats(**stats, workers=workers)


def _with_mode(result: ModuleResult, cfg: ModuleConfig, mode_of: Callable[[ModuleConfig], str] | None) -> ModuleResult:
    if mode_of is None or result.status == "skipped":
        return result
    return result.model_copy(update={"credential_mode": mode_of(cfg)})


def preflight_report(runtime: Runtime, options: RunOptions, selection: Selection, err: AuthError) -> RunReport:
    """The report of a run the pre-flight stopped: every module not started, the roles that failed."""
    now = runtime.clock.now()
    reason = "not started: the pre-flight failed"
    modules = [static_result(selection, p, "skipped", reason) for p in selection.run]
    modules += [static_result(selection, p, "excluded", why) for p, why in sorted(selection.excluded.items())]
    failures = getattr(err, "failures", None) or [("", err.format(), ())]
    return RunReport(
        command=options.command.name,
        args=list(options.command.args),
        working_dir=str(selection.root),
        started_at=now,
        finished_at=now,
        exit_code=EXIT_FAILED,
        preflight_failures=[
            PreflightFailure(role_arn=role, error=error, modules=list(mods)) for role, error, mods in failures
        ],
        modules=modules,
    )
