"""The ``tgo drift`` use case: plan every selected module through the run engine, read each saved plan
with ``terraform show -json``, classify, and write ``drift.json``, ``drift.md`` and ``drift.junit.xml``.

Flow: read ``--previous`` and the suppressions file first (bad input fails before terraform runs),
resolve ``--account`` names to IDs (:mod:`orchestrator.accounts`), then :func:`orchestrator.app.run.run_all`
with ``plan -detailed-exitcode`` (``--mode refresh-only`` adds ``-refresh-only``). Drift never applies.
Plans keep terraform's normal state locking, which ends with each plan: no lock outlives its plan.

Contract:
- Raises TgoError subclasses only for bad input (flags, suppressions, previous report, configs) and
  missing tools, like ``run_all``; a module whose plan failed is an ``error`` entry in the report.
- ``DriftResult.report.exit_code``: 0 clean, 2 drift without error, 1 any error (0 with ``exit_zero``);
  130 when interrupted (143 SIGTERM, 129 SIGHUP) is in ``DriftResult.exit_code``.
- Thread-safety: ``services.credentials_env`` is wrapped, and the wrapper is called from worker threads.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from orchestrator import __version__
from orchestrator.accounts import AccountConvention, known_accounts, names_by_id, resolve_selectors
from orchestrator.app.run import RunOptions, RunServices, default_parallelism, run_all
from orchestrator.config.models import ModuleConfig
from orchestrator.drift.build import BuildOptions, ModuleOutcome, build_report
from orchestrator.drift.history import load_previous
from orchestrator.drift.suppressions import DEFAULT_FILE, load_suppressions
from orchestrator.errors import TgoError
from orchestrator.output import OutputMode
from orchestrator.outputs.reader import Mode as OutputsMode
from orchestrator.printable import printable
from orchestrator.process import run_capture
from orchestrator.report.drift_junit import clean, render_junit
from orchestrator.report.drift_md import render_markdown
from orchestrator.report.drift_model import DriftReport, Mode
from orchestrator.report.run_model import ModuleResult, RunReport
from orchestrator.runtime import Runtime
from orchestrator.terraform.binary import resolve_terraform
from orchestrator.terraform.commands import TfCommand

# Modules a run leaves out on purpose (filters, dependencies read for outputs) are not part of the
# drift job; modules excluded by their own config (skip, exclude blocks) are reported as skipped.
_NOT_SELECTED = ("--include-dir", "--exclude-dir", "--account")
SHOW_TIMEOUT_S = 600.0


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


@dataclass(frozen=True)
class DriftResult:
    report: DriftReport
    run: RunReport
    files: dict[str, Path]

    @property
    def exit_code(self) -> int:
        return self.run.exit_code if self.run.interrupted else self.report.exit_code


class _ConfigRecorder:
    """Wraps ``credentials_env`` to remember the (evaluated) config each module ran with. Thread-safe."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.configs: dict[str, ModuleConfig] = {}
        self._lock = threading.Lock()

    def __call__(self, cfg: ModuleConfig) -> Mapping[str, str | None]:
        with self._lock:
            self.configs[str(cfg.path)] = cfg
        result: Mapping[str, str | None] = self.inner(cfg)
        return result

    def find(self, root: Path, display: str) -> ModuleConfig | None:
        """The config of the module a report names ``display`` (its escaped path under ``root``)."""
        root = root.resolve()
        with self._lock:
            found = self.configs.get(str(root / display))
            if found is not None:
                return found
            return next((c for c in self.configs.values() if _shown(c.path, root) == display), None)


def _shown(path: Path, root: Path) -> str:
    try:
        return printable(path.relative_to(root).as_posix() or ".")
    except ValueError:
        return printable(str(path))


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
    accounts = known_accounts(options.working_dir, options.convention)
    account_ids = resolve_selectors(options.accounts, accounts)
    recorder = _ConfigRecorder(services.credentials_env)
    run = run_all(
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
        ),
        replace(services, credentials_env=recorder),
    )
    outcomes = _outcomes(runtime, options, run, recorder, names_by_id(accounts))
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
    runtime: Runtime, options: DriftOptions, run: RunReport, recorder: _ConfigRecorder, names: Mapping[str, str]
) -> list[ModuleOutcome]:
    chosen = [m for m in run.modules if not _left_out(m)]
    with ThreadPoolExecutor(max_workers=max(1, options.parallelism)) as pool:
        return list(pool.map(lambda m: _outcome(runtime, options, m, recorder, names), chosen))


def _left_out(mod: ModuleResult) -> bool:
    return mod.role == "read" or (mod.status == "excluded" and any(f in (mod.reason or "") for f in _NOT_SELECTED))


def _outcome(
    runtime: Runtime, options: DriftOptions, mod: ModuleResult, recorder: _ConfigRecorder, names: Mapping[str, str]
) -> ModuleOutcome:
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
    if mod.exit_code == 0:
        return replace(base, kind="planned", plan={})  # -detailed-exitcode 0: nothing differs, no need to show
    if not mod.plan_file or not mod.working_dir:
        return replace(base, reason="terraform plan saved no plan file")
    try:
        plan = show_plan(runtime, options, recorder, mod)
    except (TgoError, ValueError) as exc:
        return replace(base, reason=f"cannot read the saved plan: {exc}")
    return replace(base, kind="planned", plan=plan)


def show_plan(runtime: Runtime, options: DriftOptions, recorder: _ConfigRecorder, mod: ModuleResult) -> dict[str, Any]:
    """``terraform show -json <plan>`` in the module's working directory, under the module's role.

    Raises ValueError when terraform fails or prints something that is not a plan object."""
    assert mod.plan_file and mod.working_dir
    cfg = recorder.find(options.working_dir, mod.path)
    env = dict(runtime.environ)
    if cfg is not None:
        for key, value in recorder.inner(cfg).items():
            if value is None:
                env.pop(key, None)
            else:
                env[key] = value
    tf = resolve_terraform(options.tf_path, cfg, runtime.environ, runtime.cwd)
    shown = run_capture(
        [tf, "show", "-json", mod.plan_file], cwd=Path(mod.working_dir), env=env, timeout=SHOW_TIMEOUT_S
    )
    if shown.returncode != 0:
        raise ValueError(f"terraform show exited with {shown.returncode}: {shown.stderr.strip()[-300:]}")
    data = json.loads(shown.stdout)
    if not isinstance(data, dict):
        raise ValueError("terraform show -json did not print an object")
    return data
