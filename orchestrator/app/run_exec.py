"""The client side of a run: each ready module's config evaluated with its dependencies' outputs,
turned into a :class:`~orchestrator.execution.task.ModuleTask`, handed to the executor, and its
:class:`~orchestrator.execution.task.TaskResult` kept for the report. The scheduler
(:func:`orchestrator.scheduler.run_dag`) decides when; the executor decides where.

Contract:
- :func:`execute` returns one outcome per module of ``selection.run``; a failing module is a value.
- Live status comes from the tasks' events (lines to the module's log and console, ``released`` to
  the scheduler); the report is built from results only.
- Dependency outputs go through one function, :func:`dependency_outputs` (S3 state first, else an
  ``outputs`` task per dependency; each at most once per run).
- Thread-safety: :class:`ModuleRunner` is called from scheduler threads.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from orchestrator.app.run_report import ModuleDone
from orchestrator.app.run_select import Loader, Selection
from orchestrator.config.models import ModuleConfig
from orchestrator.errors import TgoError
from orchestrator.execution.base import EventSink, Executor
from orchestrator.execution.task import ModuleEvent, ModuleTask, RoleSession, TaskKind, TaskResult
from orchestrator.output import Finished, ModuleOutput, RunOutput
from orchestrator.outputs.reader import DependencyOutputs, OutputsSource, StateSource
from orchestrator.printable import printable
from orchestrator.report.drift_model import Mode
from orchestrator.runtime import Runtime
from orchestrator.scheduler import Outcome, Releaser, run_dag
from orchestrator.terraform.commands import TfCommand
from orchestrator.terraform.source import source_for_module

OutputsFetch = Callable[[ModuleConfig], dict[str, Any] | None]
"""A dependency's outputs by its config (None: it has none; the loader then uses mocks or fails)."""


@dataclass(frozen=True)
class Plan:
    """What every task of one run shares."""

    run_id: str
    command: TfCommand
    selection: Selection
    binaries: Mapping[Path, str]
    terraform_for: Callable[[ModuleConfig], str]
    plans: Path
    color: bool
    single: bool
    source: str = ""
    drift_mode: Mode | None = None
    max_per_account: int | None = None
    state_outputs: StateSource | None = None

    @cached_property
    def plans_dir(self) -> Path:
        """``plans`` resolved once (a plan file's name is tgo's own, never a link to follow)."""
        return self.plans.resolve()

    def task(self, path: Path, cfg: ModuleConfig, kind: TaskKind = "command") -> ModuleTask:
        display = self.selection.display(path)
        role, account = self.selection.placement(cfg)
        session = RoleSession(role, cfg.iam_assume_role_session_name, cfg.iam_assume_role_duration) if role else None
        command = self.command if kind == "command" else TfCommand("output", ("-json",))
        plan_out = None
        if kind == "command" and command.name == "plan":
            plan_out = str(self.plans_dir / f"{display.replace('/', '__')}.tfplan")
        return ModuleTask(
            run_id=self.run_id,
            module=display,
            root=str(self.selection.root),
            config=cfg,
            terraform=self.binaries.get(path) or self.terraform_for(cfg),
            kind=kind,
            command=command,
            plan_file=plan_out,
            color=self.color,
            multi=not self.single,
            interactive=self.single and kind == "command",
            role=session,
            account_id=account,
            drift_mode=self.drift_mode if kind == "command" else None,
        )


class Running:
    """Modules of the run whose task has started and not yet given its result (a released module may
    still be reading its plan). Thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._events: dict[Path, threading.Event] = {}

    def start(self, path: Path) -> None:
        with self._lock:
            self._events[path] = threading.Event()

    def end(self, path: Path) -> None:
        with self._lock:
            event = self._events.pop(path, None)
        if event is not None:
            event.set()

    def wait(self, path: Path) -> None:
        """Until ``path`` has its result if it is running; at once otherwise (not started yet, as a
        dependency in a destroy's reverse order, or never run here)."""
        with self._lock:
            event = self._events.get(path)
        if event is not None:
            event.wait()


def outputs_fetch(plan: Plan, executor: Executor, running: Running) -> OutputsFetch:
    """``terraform output -json`` of a dependency: an ``outputs`` task on the executor (its result's
    ``outputs``). :func:`dependency_outputs` tries the S3 state first. A dependency still running is
    read once its task ended (not merely released), so terraform never works in one directory twice
    at once."""

    def fetch(cfg: ModuleConfig) -> dict[str, Any] | None:
        running.wait(cfg.path)
        got = executor.submit(plan.task(cfg.path, cfg, "outputs"), lambda _event: None).result().outputs
        return dict(got) if got is not None else None

    return fetch


class PrefetchGate:
    """Starts the prefetch of dependency outputs (``plan``) once the run's first terraform process is
    under way: at the first event of any task after ``started`` (a line, its release or its end). The
    reads (S3 and STS clients, one per account) then do not take the CPU from the first modules'
    start, and they lose nothing: no dependent starts before a first plan ended, and a module that
    starts at once reads its own dependencies on demand. A prefetch is only an early start.
    Thread-safe: opened from executor threads."""

    def __init__(self, start: Callable[[], object] | None) -> None:
        self._start = start
        self._lock = threading.Lock()
        self._state = "waiting" if start is not None else "closed"

    def open(self) -> None:
        """Start the prefetch now, unless it started already or the run is over."""
        with self._lock:
            if self._state != "waiting" or self._start is None:
                return
            self._state = "started"
            self._start()

    def close(self) -> None:
        """The run is over: never start the prefetch from now on."""
        with self._lock:
            self._state = "closed"


def dependency_outputs(plan: Plan, executor: Executor, running: Running) -> tuple[DependencyOutputs, PrefetchGate]:
    """The run's dependency outputs: S3 state first (``plan.state_outputs``), else an ``outputs`` task.
    The one place a run reads dependency outputs. For a ``plan`` (no module changes state), every
    needed dependency's state is read early: when the gate opens (see :class:`PrefetchGate`)."""
    selection = plan.selection
    outputs = DependencyOutputs(
        selection.configs,
        outputs_fetch(plan, executor, running),
        plan.state_outputs,
        display=selection.display,
        workers=executor.slots,
    )
    prefetch = plan.command.name == "plan" and not plan.command.is_destroy and plan.state_outputs is not None
    needed = _needed_outputs(selection) if prefetch else []
    return outputs, PrefetchGate((lambda: outputs.prefetch(needed)) if needed else None)


def _wanted(cfg: ModuleConfig) -> list[Path]:
    return [dep.config_path for dep in cfg.dependency if dep.enabled and not dep.skip_outputs]


def _needed_outputs(selection: Selection) -> list[Path]:
    """Every dependency whose outputs a module of the run reads, once each."""
    return [p for path in selection.run for p in _wanted(selection.configs[path]) if p in selection.configs]


@dataclass
class ModuleRunner:
    """The scheduler's function: one module from evaluating its config to its result."""

    runtime: Runtime
    plan: Plan
    loader: Loader
    output: RunOutput
    executor: Executor
    outputs: DependencyOutputs
    releaser: Releaser[Path]
    running: Running
    gate: PrefetchGate

    def __call__(self, path: Path) -> ModuleDone:
        clock = self.runtime.clock
        display = self.plan.selection.display(path)
        out = self.output.module(display)
        self.output.status(display, "running")
        t0, started = clock.monotonic(), clock.now()
        cfg: ModuleConfig | None = None
        self.running.start(path)
        try:
            cfg = self._config(path)
            result = self.executor.submit(self.plan.task(path, cfg), self._sink(path, out)).result()
        except TgoError as err:
            reason = printable(err.format())
            out.note(f"error: {reason}")
            now = clock.now()
            result = TaskResult(display, "failed", now, now, 0.0, reason=reason, stderr_tail=tuple(out.stderr_tail()))
        finally:
            out.close()
            self.running.end(path)
        used_mocks = bool(cfg and cfg.used_mock_outputs)
        done = ModuleDone(result, started, clock.now(), clock.monotonic() - t0, used_mocks, _log_path(out), cfg)
        self.output.finished(display, finished_of(result, done.duration_s))
        return done

    def _config(self, path: Path) -> ModuleConfig:
        """The module's config re-evaluated with its dependencies' outputs, ``--source`` applied."""
        cfg = self.plan.selection.configs[path]
        got = self.outputs.get_many(_wanted(cfg))  # in parallel, each at most once per run
        values: dict[Path, Mapping[str, Any]] = {p: v for p, v in got.items() if v}
        loaded = self.loader.load_module(cfg.path, command=self.plan.command.name, outputs=values)
        return _with_source(loaded, self.plan.source, single=self.plan.single)

    def _sink(self, path: Path, out: ModuleOutput) -> EventSink:
        def on_event(event: ModuleEvent) -> None:
            if event.kind != "started":
                self.gate.open()  # the module's terraform is under way
            if event.kind == "line" and event.stream == "notice":
                out.notice(event.text.removeprefix("[tgo] "))
            elif event.kind == "line":
                out.line(event.stream, event.text)
            elif event.kind == "retried":
                out.retry(event.attempt, event.delay_s, event.text)
            elif event.kind == "released":
                self.releaser.release(path)

        return on_event


def finished_of(result: TaskResult, duration_s: float) -> Finished:
    """What the console shows of a module's end (its line above the board, its json event)."""
    plan = result.plan
    if plan is None:
        return Finished(result.status, duration_s, reason=result.reason)
    outputs_only = result.has_changes and not (plan.add or plan.change or plan.destroy)
    return Finished(result.status, duration_s, plan.add, plan.change, plan.destroy, outputs_only, result.reason)


def _log_path(out: ModuleOutput) -> str | None:
    """The module's log for the report: None when nothing of it could be written."""
    return str(out.log_file) if out.log_failed is None or out.log_file.is_file() else None


def _with_source(cfg: ModuleConfig, source: str, *, single: bool) -> ModuleConfig:
    """``cfg`` with its ``terraform.source`` replaced as ``--source`` asks (see ``source_for_module``)."""
    tf = cfg.terraform
    override = source_for_module(source, tf.source if tf else None, single=single)
    if override is None or tf is None:
        return cfg
    return cfg.model_copy(update={"terraform": tf.model_copy(update={"source": override})})


def execute(
    runtime: Runtime,
    plan: Plan,
    *,
    loader: Loader,
    output: RunOutput,
    executor: Executor,
    cancel: threading.Event,
    fail_fast: bool,
) -> tuple[dict[Path, Outcome[Path, ModuleDone]], dict[Path, OutputsSource]]:
    """Schedule every module of ``plan.selection.run`` on ``executor``; see the module doc. Also
    returns how each dependency's outputs were read (state or terraform), for the report."""
    selection = plan.selection
    releaser: Releaser[Path] = Releaser()
    running = Running()
    outputs, gate = dependency_outputs(plan, executor, running)
    runner = ModuleRunner(runtime, plan, loader, output, executor, outputs, releaser, running, gate)

    def on_event(kind: str, path: Path, outcome: Outcome[Path, ModuleDone] | None) -> None:
        if kind == "skip" and outcome is not None:
            cause = outcome.skipped_because
            why = f"dependency {selection.display(cause)} failed" if cause is not None else ""
            output.status(selection.display(path), outcome.status.value, why)

    for path in selection.run:  # until run_dag says a module's dependencies are done (then "queued")
        output.status(selection.display(path), "waiting")
    cap = plan.max_per_account
    try:
        outcomes = run_dag(
            selection.dag(reverse=plan.command.is_destroy),
            runner,
            parallelism=executor.slots,
            fail_fast=fail_fast,
            cancel=cancel,
            is_failure=lambda done: done.run.status != "succeeded",
            on_event=on_event,
            on_ready=lambda path: output.status(selection.display(path), "queued"),
            releaser=releaser,
            group_of=(lambda path: selection.placement(selection.configs[path])[1]) if cap else None,
            group_cap=cap,
        )
    finally:
        gate.close()
        outputs.close()
    return outcomes, outputs.sources()
