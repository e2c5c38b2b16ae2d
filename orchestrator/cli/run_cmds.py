"""``tgo run-all``, ``tgo run`` and ``tgo graph``: translate flags (see ``run_argv``) into
:class:`~orchestrator.app.run.RunOptions`, call the app, print the summary, return the exit code."""

from __future__ import annotations

import dataclasses
import importlib
import shutil
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from orchestrator.accounts import (
    Account,
    AccountConvention,
    account_by_location,
    known_accounts,
    names_by_id,
    resolve_selectors,
)
from orchestrator.app.auth import AwsAuth
from orchestrator.app.dag import FORMATS, graph_text
from orchestrator.app.resume import Resume, from_run_report
from orchestrator.app.run import RunOptions, default_parallelism, run_all, runs_root
from orchestrator.cli.executor_opt import run_executor
from orchestrator.cli.load_flags import click_load_flags, load_options
from orchestrator.cli.process_flags import ProcessFlags
from orchestrator.cli.run_argv import RunArgv, flags_help, split_run_argv
from orchestrator.cli.runtime_of import cli_runtime
from orchestrator.cli.services import aws_auth, run_services
from orchestrator.config.services import LoadOptions
from orchestrator.console import github
from orchestrator.console.confirm import confirm_lines
from orchestrator.console.events import event_line, run_finished_event
from orchestrator.console.progress import choose_progress, on_github, parse_progress
from orchestrator.errors import UsageError
from orchestrator.outputs.reader import parse_mode as outputs_mode
from orchestrator.printable import printable
from orchestrator.redaction import NOTICE
from orchestrator.report.run_md import run_summary_md
from orchestrator.report.run_model import RunReport
from orchestrator.report.summary import account_plan_lines, summary_lines
from orchestrator.runtime import Runtime
from orchestrator.terraform.commands import TfCommand

if TYPE_CHECKING:
    from orchestrator.config.loader import ConfigLoader
    from orchestrator.discovery import TreeWalk

SOURCE_ENV = ("TG_SOURCE", "TERRAGRUNT_SOURCE")
PASS_THROUGH = {"ignore_unknown_options": True, "allow_extra_args": True, "help_option_names": ["-h", "--help"]}


def make_loader(
    runtime: Runtime,
    aws: AwsAuth | None = None,
    *,
    cache_dir: Path | None = None,
    options: LoadOptions | None = None,
    source: str = "",
    single: bool = True,
) -> ConfigLoader:
    """The config loader (``orchestrator.config.loader.ConfigLoader``); with ``aws``, ``get_aws_*``
    functions and ``run_cmd`` answer for the module's role from the same credential cache. With
    ``cache_dir`` (the working dir), parsed files are cached on disk as for ``tgo validate``
    (``<working dir>/.tgo/cache`` or ``TGO_CACHE_DIR``). ``source``: the ``--source`` flag."""
    from orchestrator.app.config import EVAL_WORKERS, function_services

    kwargs: dict[str, Any] = {} if aws is None else {"aws_identity": aws.aws_identity, "role_env": aws.role_env}
    # Without flags (drift, auth), TG_FEATURE and TGO_NO_RUN_CMD still apply.
    kwargs["options"] = options if options is not None else load_options(runtime)
    kwargs["extras"] = function_services(runtime, source=source, aws=aws, single=single)
    if cache_dir is not None:
        from orchestrator.app.config import open_parse_cache

        kwargs["cache"] = open_parse_cache(runtime, cache_dir)
    # The tree is loaded on every core, as for `tgo validate` (modules calling AWS or run_cmd in the parent).
    kwargs["workers"] = EVAL_WORKERS
    loader: ConfigLoader = importlib.import_module("orchestrator.config.loader").ConfigLoader(runtime, **kwargs)
    return loader


def _int(value: str | None, name: str, default: int) -> int:
    if value is None:
        return default
    try:
        return int(value)
    except ValueError:
        raise UsageError(f"{name} expects a number, got {value!r}", attr=name) from None


def shutdown_timeout(value: str | float | None) -> float:
    """``--shutdown-timeout`` in seconds (default 60). Raises UsageError unless a number >= 0."""
    if value is None:
        return 60.0
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not seconds >= 0:  # also refuses nan
        raise UsageError(f"--shutdown-timeout expects seconds >= 0, got {value!r}", attr="--shutdown-timeout")
    return seconds


def working_dir_of(parsed: RunArgv, runtime: Runtime) -> Path:
    return (runtime.cwd / Path(parsed.one("--working-dir") or runtime.cwd)).resolve()


def options_from(parsed: RunArgv, runtime: Runtime, *, single: bool, known: Sequence[Account] = ()) -> RunOptions:
    """``known``: the tree's accounts (account.hcl), which ``--account`` names are resolved against."""
    if parsed.command is None:
        raise UsageError("missing terraform command", hint="e.g. `tgo run-all plan`")
    output = parsed.one("--output")
    if output not in {None, "stream", "grouped", "logs"}:
        raise UsageError(f"--output must be stream, grouped or logs, not {output!r}", attr="--output")
    workdir = working_dir_of(parsed, runtime)
    selectors = parsed.many("--account")

    def path(name: str) -> Path | None:
        value = parsed.one(name)
        return (runtime.cwd / value).resolve() if value else None

    return RunOptions(
        command=TfCommand(parsed.command, tuple(parsed.tf_args)),
        working_dir=workdir,
        include_dirs=parsed.many("--include-dir"),
        exclude_dirs=parsed.many("--exclude-dir"),
        accounts=resolve_selectors(selectors, known) if selectors else (),
        parallelism=_int(parsed.one("--parallelism"), "--parallelism", 1 if single else default_parallelism()),
        fail_fast=parsed.flag("--fail-fast"),
        tf_path=parsed.one("--tf-path"),
        log_dir=path("--log-dir"),
        out_dir=path("--out-dir"),
        output="grouped" if output == "grouped" else "logs" if output == "logs" else "stream" if output else None,
        progress=parse_progress(parsed.one("--progress")),
        single=single,
        include_external=parsed.flag("--include-external-dependencies"),
        report_file=path("--report-file"),
        shutdown_timeout=shutdown_timeout(parsed.one("--shutdown-timeout")),
        source=source_flag(parsed.one("--source"), runtime),
        reading=tuple((workdir / f).resolve() for f in parsed.many("--queue-include-units-reading")),
        dependency_outputs=outputs_mode(parsed.one("--dependency-outputs"), runtime.environ),
        max_per_account=ProcessFlags.from_argv(parsed.one, runtime.environ).max_per_account(),
        resume=_resume(parsed, runtime, single=single),
    )


def _resume(parsed: RunArgv, runtime: Runtime, *, single: bool) -> Resume | None:
    """``--resume REPORT``: the earlier run report (run-all only). Raises UsageError."""
    value = parsed.one("--resume")
    if value is None:
        return None
    if single:
        raise UsageError("is for run-all (a report of many modules), not tgo run", attr="--resume")
    return from_run_report((runtime.cwd / value).resolve())


def make_confirm(
    parsed: RunArgv,
    *,
    stdin_tty: bool,
    account_of: Callable[[str], str | None] = lambda _m: None,
    height: Callable[[], int] = lambda: shutil.get_terminal_size((80, 24)).lines,
) -> Any:
    """The confirmation for apply/destroy: none with --yes/--non-interactive; a prompt on a TTY
    saying what will happen (orchestrator.console.confirm); otherwise refuse (exit 64), since nobody
    can answer. ``account_of`` labels a module's account."""
    if parsed.flag("--yes") or parsed.flag("--non-interactive"):
        return None

    def confirm(modules: list[str]) -> bool:
        if not stdin_tty:
            raise UsageError(
                "run-all apply/destroy needs confirmation but there is no terminal",
                hint="pass --yes or --non-interactive",
            )
        lines = confirm_lines(parsed.command or "", parsed.tf_args, modules, account_of, height())
        click.echo("\n".join(printable(line) for line in lines))
        return click.confirm("Continue?", default=False)

    return confirm


def _lazy_accounts(root: Path, convention: AccountConvention) -> Callable[[str], str | None]:
    """``account_by_location``, reading the account files only when the question is asked."""
    found: list[Callable[[str], str | None]] = []

    def account_of(module: str) -> str | None:
        if not found:
            found.append(account_by_location(root, convention))
        return found[0](module)

    return account_of


def source_flag(value: str | None, runtime: Runtime) -> str:
    """``--source`` / ``--terragrunt-source``, else ``TG_SOURCE`` / ``TERRAGRUNT_SOURCE``, else ``""``."""
    return value or runtime.getenv(*SOURCE_ENV) or ""


TRUE_WORDS = frozenset({"1", "t", "true", "yes", "on"})


def wants_all(parsed: RunArgv, environ: Mapping[str, str], *, group_all: bool = False) -> bool:
    """``--all`` anywhere among tgo's flags (or before ``run``), or ``TG_ALL`` set to a true word,
    turns ``tgo run`` into ``tgo run-all``, as Terragrunt 1.x's ``run --all``."""
    return group_all or parsed.flag("--all") or environ.get("TG_ALL", "").strip().lower() in TRUE_WORDS


def _stack_units(
    parsed: RunArgv, runtime: Runtime, *, single: bool, stacks_only: bool, walk: TreeWalk | None = None
) -> list[Path] | None:
    """Generate the stacks under the working dir first (run-all, stack run; not with
    --no-stack-generate / TG_NO_STACK_GENERATE). Returns the stacks' unit directories for ``stack
    run``, else None. ``walk``: the command's walks (run-all looks for stack files in its one walk)."""
    from orchestrator.app import stacks

    root = working_dir_of(parsed, runtime)
    skip = parsed.flag("--no-stack-generate") or runtime.getenv("TG_NO_STACK_GENERATE") in {"1", "true"}
    if stacks_only:
        plan = stacks.plan_generation(runtime, root)
        stacks.require_stacks(runtime, root, plan)
        if not skip:
            stacks.write_plan(plan)
        return stacks.stack_unit_dirs(plan)
    if not single and not skip:
        stacks.generate_if_any(runtime, root, walk)
    return None


def run_over(args: tuple[str, ...], *, stacks_only: bool) -> int:
    """``tgo stack run``: run-all over the stacks' units only."""
    return _run(args, single=False, stacks_only=stacks_only)


def _run(args: tuple[str, ...], *, single: bool, group_all: bool = False, stacks_only: bool = False) -> int:
    from orchestrator.cli.stack_cmds import with_source_map

    parsed = split_run_argv(args)
    runtime = with_source_map(cli_runtime(), parsed.many("--source-map"))
    if single and wants_all(parsed, runtime.environ, group_all=group_all):
        single = False
    workdir = working_dir_of(parsed, runtime)
    process_flags = ProcessFlags.from_argv(parsed.one, runtime.environ)
    aws = aws_auth(process_flags, runtime)
    loader = make_loader(
        runtime,
        aws,
        cache_dir=None if parsed.flag("--no-cache") else runs_root(workdir, single=single),
        options=load_options(runtime, parsed.many("--feature"), parsed.flag("--no-run-cmd")),
        source=source_flag(parsed.one("--source"), runtime),
        single=single,
    )
    units = _stack_units(parsed, runtime, single=single, stacks_only=stacks_only, walk=loader.walk)
    # The tree's account.hcl files are read once (not for `tgo run` in one module, unless --account
    # asks), through the loader (its walk of the tree, the parse cache): they resolve --account names
    # and name the accounts in the summaries.
    known = (
        known_accounts(workdir, AccountConvention.from_env(runtime.environ), loader)
        if parsed.many("--account") or not single
        else []
    )
    options = options_from(parsed, runtime, single=single, known=known)
    if units is not None:
        rel = tuple(
            u.relative_to(options.working_dir).as_posix() for u in units if u.is_relative_to(options.working_dir)
        )
        options = dataclasses.replace(options, include_dirs=(*options.include_dirs, *rel))
    aws.previous_report = options.report_file
    confirm = (
        None
        if single
        else make_confirm(
            parsed,
            stdin_tty=sys.stdin.isatty(),
            account_of=_lazy_accounts(options.working_dir, AccountConvention.from_env(runtime.environ)),
        )
    )
    services = run_services(
        aws,
        loader,
        by_account=bool(options.accounts) or options.max_per_account is not None,
        preflight=not parsed.flag("--no-preflight"),
        confirm=confirm,
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
        report = run_all(runtime, options, dataclasses.replace(services, executor=executor))
    finish(runtime, options, report, names_by_id(known), summary_md=path_flag(parsed, runtime, "--summary-md"))
    return report.exit_code


def path_flag(parsed: RunArgv, runtime: Runtime, name: str) -> Path | None:
    value = parsed.one(name)
    return (runtime.cwd / value).resolve() if value else None


def finish(
    runtime: Runtime, options: RunOptions, report: RunReport, names: Mapping[str, str], *, summary_md: Path | None
) -> None:
    """After the run: the text summary, the plan-by-account table, ``--summary-md``, the ``json``
    progress's last event, GitHub Actions' groups, annotations, step summary and outputs."""
    single = options.single
    json_events = not single and choose_progress(options.progress, runtime.console.is_tty, runtime.environ) == "json"
    # `tgo run` keeps stdout for terraform's output (e.g. `tgo run output -json | jq`); json progress
    # keeps it for the events.
    say = runtime.console.error if single or json_events else runtime.console.print
    for line in summary_lines(report):
        say(line)
    if options.command.name == "plan" and not single:
        table = account_plan_lines(report, names)
        for line in ["", *table] if table else []:
            say(line)
    if summary_md is not None:
        write_text(summary_md, run_summary_md(report, names), runtime)
    if json_events:
        elapsed = (report.finished_at - report.started_at).total_seconds()
        runtime.console.print(event_line(run_finished_event(report, elapsed)))
    if on_github(runtime.environ) and not single:
        github.publish(report, runtime.environ, say, runtime.console.error, summary_md=run_summary_md(report, names))
    if report.run_dir and not single:
        say(f"[tgo] logs and the JSON report: {report.run_dir}")
    if runtime.console.redactor.redacted:
        runtime.console.error(f"[tgo] note: {NOTICE}")


def write_text(path: Path, text: str, runtime: Runtime) -> None:
    """Write a summary file; a failure is a warning (the run's outcome stands)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(runtime.console.redact(text))
    except OSError as err:
        runtime.console.error(f"[tgo] warning: cannot write {path}: {err.strerror or err}")


def register(group: click.Group) -> None:
    """Add ``run-all``, ``run`` and ``graph`` to ``group``."""

    @group.command("run-all", context_settings=PASS_THROUGH, epilog=flags_help())
    @click.argument("args", nargs=-1, type=click.UNPROCESSED)
    def run_all_cmd(args: tuple[str, ...]) -> int:
        """Run a terraform command in every module, in dependency order.

        \b
        tgo run-all <terraform command> [terraform args] [tgo flags]
        e.g. tgo run-all plan -detailed-exitcode --parallelism 4 --non-interactive
        Exit codes: 0 ok, 1 a module failed, 2 changes (plan -detailed-exitcode), 3 config error,
        64 usage, 130 interrupted (143 SIGTERM, 129 SIGHUP). Reference: docs/cli.md.
        """
        return _run(args, single=False)

    @group.command("run", context_settings=PASS_THROUGH, epilog=flags_help())
    @click.argument("args", nargs=-1, type=click.UNPROCESSED)
    @click.pass_context
    def run_cmd(ctx: click.Context, args: tuple[str, ...]) -> int:
        """Run a terraform command in one module (the working directory); with --all, in every module
        (the same as run-all)."""
        return _run(args, single=True, group_all=bool((ctx.obj or {}).get("all")))

    @group.command("graph")
    @click.option("--format", "fmt", type=click.Choice(FORMATS), default="dot")
    @click.option("--working-dir", type=click.Path(file_okay=False, path_type=Path), default=None)
    @click_load_flags
    def graph_cmd(fmt: str, working_dir: Path | None, features: tuple[str, ...], no_run_cmd: bool) -> int:
        """Print the module DAG (edges point from a dependent to its dependency)."""
        runtime = cli_runtime()
        root = (runtime.cwd / working_dir).resolve() if working_dir else runtime.cwd
        loader = make_loader(runtime, options=load_options(runtime, features, no_run_cmd), cache_dir=root)
        click.echo(graph_text(loader, root, fmt))
        return 0
