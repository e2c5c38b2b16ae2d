"""``tgo drift``: translate flags into :class:`~orchestrator.app.drift.DriftOptions`, run the drift job,
print the Markdown digest and where the reports are, and return the job's exit code
(0 clean, 2 drift, 1 any error; ``--exit-zero`` reports without failing; 3 and 64 as everywhere)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import click

from orchestrator.accounts import AccountConvention
from orchestrator.app.drift import DriftOptions, DriftResult, drift
from orchestrator.app.resume import Resume, from_drift_report, parse_only
from orchestrator.app.run import default_parallelism
from orchestrator.cli.executor_opt import EXECUTOR_HELP, WORKER_ROOT_HELP, run_executor
from orchestrator.cli.process_flags import IAM_DESTS, ProcessFlags, click_process_flags_only
from orchestrator.cli.run_cmds import make_loader, shutdown_timeout
from orchestrator.cli.runtime_of import cli_runtime
from orchestrator.cli.services import aws_auth, run_services
from orchestrator.console import github
from orchestrator.console.progress import on_github
from orchestrator.errors import UsageError
from orchestrator.outputs.reader import parse_mode as outputs_mode
from orchestrator.runtime import Runtime

_PATH = click.Path(path_type=Path)


def register(group: click.Group) -> None:
    """Add ``drift`` to ``group``."""

    @group.command("drift")
    @click.option(
        "--mode",
        type=click.Choice(["plan", "refresh-only"]),
        default="plan",
        show_default=True,
        help="plan: what applying the code would change; refresh-only: what changed outside terraform.",
    )
    @click.option("--working-dir", type=click.Path(file_okay=False, path_type=Path), default=None)
    @click.option("--include-dir", multiple=True, help="Glob of module directories to include (repeatable).")
    @click.option("--exclude-dir", multiple=True, help="Glob of module directories to exclude (repeatable).")
    @click.option("--account", multiple=True, help="Account ID or name from account.hcl (repeatable).")
    @click.option("--parallelism", type=int, default=None, help="Modules planned at once.")
    @click.option("--output-dir", type=_PATH, default=None, help="Where the reports go (default: the run directory).")
    @click.option(
        "--previous", type=_PATH, default=None, help="An earlier drift.json: mark drift new/ongoing/resolved."
    )
    @click.option(
        "--suppressions",
        type=_PATH,
        default=None,
        help="Suppressions file (default: .tgo-drift-suppressions.yaml in the working directory, if any).",
    )
    @click.option("--exit-zero", is_flag=True, help="Exit 0 whatever was found (report-only jobs).")
    @click.option("--tf-path", default=None, help="The terraform binary.")
    @click.option("--log-dir", type=_PATH, default=None, help="The run directory (logs, plans).")
    @click.option("--output", "output_mode", type=click.Choice(["stream", "grouped"]), default="grouped")
    @click.option("--quiet", is_flag=True, help="Do not print the Markdown digest.")
    @click.option(
        "--credentials",
        type=click.Choice(["broker", "env"]),
        default=None,
        help="broker (default; also TGO_CREDENTIALS): terraform asks tgo through credential_process; "
        "env: AWS_* variables.",
    )
    @click.option(
        "--shutdown-timeout",
        type=float,
        default=60.0,
        show_default=True,
        help="After Ctrl-C/SIGTERM/SIGHUP, seconds terraform gets to release its locks before it is killed.",
    )
    @click.option(
        "--dependency-outputs",
        type=click.Choice(["state", "terraform"]),
        default=None,
        help="state (default; also TGO_DEPENDENCY_OUTPUTS): read dependencies' outputs from their S3 state, "
        "terraform output as the fallback; terraform: always terraform output.",
    )
    @click.option("--executor", default=None, help=EXECUTOR_HELP)
    @click.option("--worker-root", default=None, help=WORKER_ROOT_HELP)
    @click.option(
        "--resume",
        type=_PATH,
        default=None,
        help="An earlier drift.json: plan again only its modules with a status in --only, keep the others.",
    )
    @click.option(
        "--only",
        default=None,
        help="With --resume: the statuses to plan again, comma-separated (default error,skipped; e.g. drifted,error).",
    )
    @click_process_flags_only(("max_per_account", "auth_provider_cmd", "worker_git", *IAM_DESTS))
    def drift_cmd(**flags: Any) -> int:
        """Plan every selected module and report drift (drift.json, drift.md, drift.junit.xml). Never applies."""
        return _drift(flags)


def options_from(flags: dict[str, Any], runtime: Runtime) -> DriftOptions:
    """Typed options from the parsed flags. Raises UsageError on bad values."""
    parallelism = flags.get("parallelism")
    if parallelism is not None and parallelism < 1:
        raise UsageError("--parallelism must be at least 1", attr="--parallelism")

    def resolve(p: Path | None) -> Path | None:
        return (runtime.cwd / p).resolve() if p is not None else None

    return DriftOptions(
        working_dir=resolve(flags.get("working_dir")) or runtime.cwd,
        mode="refresh-only" if flags.get("mode") == "refresh-only" else "plan",
        include_dirs=tuple(flags.get("include_dir") or ()),
        exclude_dirs=tuple(flags.get("exclude_dir") or ()),
        accounts=tuple(flags.get("account") or ()),
        parallelism=parallelism or default_parallelism(),
        tf_path=flags.get("tf_path"),
        log_dir=resolve(flags.get("log_dir")),
        output_dir=resolve(flags.get("output_dir")),
        previous=resolve(flags.get("previous")),
        suppressions=resolve(flags.get("suppressions")),
        exit_zero=bool(flags.get("exit_zero")),
        output="stream" if flags.get("output_mode") == "stream" else "grouped",
        convention=AccountConvention.from_env(runtime.environ),
        shutdown_timeout=shutdown_timeout(flags.get("shutdown_timeout")),
        dependency_outputs=outputs_mode(flags.get("dependency_outputs"), runtime.environ),
        resume=_resume(flags, resolve(flags.get("resume"))),
        max_per_account=ProcessFlags.from_click(flags, runtime.environ).max_per_account(),
    )


def _resume(flags: dict[str, Any], path: Path | None) -> Resume | None:
    if path is None:
        if flags.get("only") is not None:
            raise UsageError("goes with --resume (which statuses of that report to plan again)", attr="--only")
        return None
    return from_drift_report(path, parse_only(flags.get("only")))


def _drift(flags: dict[str, Any]) -> int:
    runtime = cli_runtime()
    options = options_from(flags, runtime)
    process_flags = ProcessFlags.from_click(flags, runtime.environ)
    aws = aws_auth(process_flags, runtime)
    services = run_services(
        aws,
        make_loader(runtime, aws, cache_dir=options.working_dir),
        by_account=bool(options.accounts) or options.max_per_account is not None,
    )
    with run_executor(
        runtime,
        aws,
        process_flags,
        working_dir=options.working_dir,
        tf_path=options.tf_path,
        max_per_account=options.max_per_account,
        cancel=services.cancel,
    ) as executor:
        result = drift(runtime, options, replace(services, executor=executor))
    if not flags.get("quiet"):
        runtime.console.print("")
        runtime.console.print(result.files["md"].read_text())
    for kind, path in result.files.items():
        runtime.console.print(f"[tgo] drift {kind}: {path}")
    publish_on_github(runtime, result)
    return result.exit_code


def publish_on_github(runtime: Runtime, result: DriftResult) -> None:
    """On GitHub Actions: failed modules' groups and annotations, drift.md in the step summary, the
    counts (``drifted`` included) in the step's outputs. Nothing elsewhere."""
    if on_github(runtime.environ):
        github.publish(
            result.run,
            runtime.environ,
            runtime.console.print,
            runtime.console.error,
            summary_md=result.files["md"].read_text(),
            drifted=result.report.totals.drifted,
            exit_code=result.exit_code,
        )
