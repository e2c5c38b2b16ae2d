"""``tgo stack generate|run|output|clean``: flags in, calls to :mod:`orchestrator.app.stacks` (and the
run engine for ``stack run``), output out.

``--source-map SOURCE=DEST`` (repeatable) joins ``TG_SOURCE_MAP``; destinations are made absolute
against the current directory and the result is handed down in the run's environment, so stack
sources and ``terraform.source`` see the same map.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import click

from orchestrator.app import stacks
from orchestrator.cli.config_cmds import WORKING_DIR_ENV
from orchestrator.cli.runtime_of import cli_runtime
from orchestrator.runtime import Runtime
from orchestrator.stacks.values_file import literal
from orchestrator.terraform.source import SOURCE_MAP_ENV, parse_source_map, source_map_from_env

STACK_PASS_THROUGH = {"ignore_unknown_options": True, "allow_extra_args": True, "help_option_names": ["-h", "--help"]}


def with_source_map(runtime: Runtime, entries: tuple[str, ...] | list[str]) -> Runtime:
    """``runtime`` whose environment holds ``TG_SOURCE_MAP`` = its own entries plus ``entries``, every
    local destination absolute (relative ones are relative to the current directory). Raises
    UsageError for a malformed entry."""
    pairs = [*source_map_from_env(runtime.environ), *parse_source_map(entries)]
    if not pairs:
        return runtime
    absolute = [(src, _absolute(dest, runtime.cwd)) for src, dest in pairs]
    environ = dict(runtime.environ)
    environ[SOURCE_MAP_ENV] = ",".join(f"{src}={dest}" for src, dest in absolute)
    return dataclasses.replace(runtime, environ=environ)


def _absolute(dest: str, cwd: Path) -> str:
    if "::" in dest or "://" in dest:
        return dest
    return str((cwd / dest).resolve())


def _working_dir(runtime: Runtime, working_dir: str | None) -> Path:
    chosen = working_dir or runtime.getenv(*WORKING_DIR_ENV) or "."
    return (runtime.cwd / chosen).resolve()


def _common(fn: click.decorators.FC) -> click.decorators.FC:
    fn = click.option(
        "--working-dir",
        "--terragrunt-working-dir",
        "working_dir",
        metavar="DIR",
        help="Where to look for terragrunt.stack.hcl files (default: .; env TG_WORKING_DIR).",
    )(fn)
    fn = click.option(
        "--source-map",
        "source_map",
        multiple=True,
        metavar="SOURCE=DEST",
        help="Use DEST (a local path) for sources whose URL before // is SOURCE (repeatable; TG_SOURCE_MAP).",
    )(fn)
    return fn


@click.group("stack")
def stack() -> None:
    """Explicit stacks: terragrunt.stack.hcl files generated into .terragrunt-stack/ directories."""


@stack.command("generate")
@_common
def generate_cmd(working_dir: str | None, source_map: tuple[str, ...]) -> int:
    """Generate every stack under the working dir (nested stacks after their parents)."""
    runtime = with_source_map(cli_runtime(), source_map)
    root = _working_dir(runtime, working_dir)
    result = stacks.generate(runtime, root)
    report = result.report
    runtime.console.print(
        f"{len(result.plan.stacks)} stack(s), {report.targets} component(s): "
        f"{len(report.written)} file(s) written, {len(report.removed)} removed"
    )
    return 0


@stack.command("clean")
@click.option("--working-dir", "--terragrunt-working-dir", "working_dir", metavar="DIR", help="Default: .")
def clean_cmd(working_dir: str | None) -> int:
    """Remove every .terragrunt-stack directory under the working dir (no_dot units stay)."""
    runtime = cli_runtime()
    root = _working_dir(runtime, working_dir)
    removed = stacks.clean_stacks(root)
    for path in removed:
        runtime.console.print(f"removed {path.relative_to(root).as_posix() if path.is_relative_to(root) else path}")
    return 0


@stack.command("output")
@_common
@click.option("--format", "fmt", type=click.Choice(["default", "json"]), default="default")
@click.option("--no-stack-generate", is_flag=True, help="Do not generate the stacks first.")
def output_cmd(working_dir: str | None, source_map: tuple[str, ...], fmt: str, no_stack_generate: bool) -> int:
    """Print each unit's outputs keyed by unit name (nested stacks nested)."""
    from orchestrator.cli.process_flags import ProcessFlags
    from orchestrator.cli.run_cmds import make_loader
    from orchestrator.cli.services import aws_auth

    runtime = with_source_map(cli_runtime(), source_map)
    root = _working_dir(runtime, working_dir)
    plan = stacks.plan_generation(runtime, root)
    stacks.require_stacks(runtime, root, plan)
    if not no_stack_generate:
        stacks.write_plan(plan)
    aws = aws_auth(ProcessFlags({}, runtime.environ), runtime)
    data = stacks.stack_outputs(runtime, root, plan, make_loader(runtime, aws), aws.credentials_env)
    if fmt == "json":
        runtime.console.print(json.dumps(data, indent=2, sort_keys=True))
    else:
        for key in sorted(data):
            runtime.console.print(f"{key} = {literal(data[key])}")
    return 0


@stack.command("run", context_settings=STACK_PASS_THROUGH)
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def run_cmd(args: tuple[str, ...]) -> int:
    """Generate the stacks, then run a terraform command in their units only (run-all's flags apply).

    \b
    tgo stack run <terraform command> [terraform args] [tgo flags]
    """
    from orchestrator.cli.run_cmds import run_over

    return run_over(args, stacks_only=True)


def register(group: click.Group) -> None:
    """Add the ``stack`` group to ``group``."""
    group.add_command(stack)
