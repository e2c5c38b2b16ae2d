"""The command line. It only translates: flags into typed options, options into calls to
``orchestrator.app``, results and errors into output and exit codes.

Each command family lives in its own module and registers itself on the ``tgo`` group:
``config_cmds`` (render, validate), ``run_cmds`` (run-all, run, graph), ``auth_cmds`` (auth),
``drift_cmds`` (drift). A family is imported only when one of its commands is looked up (or when
the whole list is needed, e.g. ``--help``): ``tgo validate`` does not pay for importing the run
engine and AWS code. :func:`main` is the only place that maps exceptions to exit codes:
a :class:`~orchestrator.errors.TgoError` prints its message (no traceback unless ``--debug``)
and exits with its ``exit_code``; anything else is a bug and prints a traceback with exit 1.
"""

from __future__ import annotations

import gc
import importlib
import os
import sys
import traceback

import click

from orchestrator import __version__
from orchestrator.errors import EXIT_FAILED, EXIT_USAGE, ConfigErrors, TgoError
from orchestrator.printable import printable
from orchestrator.redaction import Redactor

FAMILIES = ("config_cmds", "run_cmds", "auth_cmds", "drift_cmds", "hcl_cmds", "find_cmds", "stack_cmds")
# Which family registers a command: only a hint for speed. A name not listed here (a family that
# grew a command) loads every family, so a stale entry costs time, never a missing command.
COMMAND_FAMILIES = {
    "render": "config_cmds",
    "validate": "config_cmds",
    "run-all": "run_cmds",
    "run": "run_cmds",
    "graph": "run_cmds",
    "auth": "auth_cmds",
    "credential-helper": "auth_cmds",
    "drift": "drift_cmds",
    "hcl": "hcl_cmds",
    "hclfmt": "hcl_cmds",
    "find": "find_cmds",
    "list": "find_cmds",
    "stack": "stack_cmds",
}


class LazyGroup(click.Group):
    """A group whose command families are imported (and register themselves) on first use."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._registered: set[str] = set()

    def _register(self, family: str) -> None:
        if family not in self._registered:
            self._registered.add(family)
            importlib.import_module(f"orchestrator.cli.{family}").register(self)

    def _register_all(self) -> None:
        for family in FAMILIES:
            self._register(family)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        family = COMMAND_FAMILIES.get(cmd_name)
        if family is not None:
            self._register(family)
        command = super().get_command(ctx, cmd_name)
        if command is None:
            self._register_all()
            command = super().get_command(ctx, cmd_name)
        return command

    def list_commands(self, ctx: click.Context) -> list[str]:
        self._register_all()
        return super().list_commands(ctx)


def version_lines() -> list[str]:
    """``tgo version``: tgo's, python-hcl2's and the terraform binary's versions (the one a run would
    use: TG_TF_PATH / TERRAGRUNT_TFPATH, else ``terraform`` on PATH), each on its line."""
    import os
    from importlib import metadata
    from pathlib import Path

    from orchestrator.terraform.binary import check_terraform, resolve_terraform

    try:
        hcl2 = metadata.version("python-hcl2")
    except metadata.PackageNotFoundError:
        hcl2 = "not installed"
    env, cwd = dict(os.environ), Path.cwd()
    try:
        tf = resolve_terraform(None, None, env, cwd)
        terraform = f"{check_terraform(tf, env, cwd)} ({tf})"
    except TgoError as err:
        terraform = f"unknown: {printable(err.format())}"
    return [f"tgo {__version__}", f"python-hcl2 {hcl2}", f"terraform {terraform}"]


def _print_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value and not ctx.resilient_parsing:
        click.echo("\n".join(version_lines()))
        ctx.exit(0)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_print_version,
    help="Print tgo's, python-hcl2's and terraform's versions.",
)
@click.option("--debug", is_flag=True, envvar="TGO_DEBUG", help="Show tracebacks for errors.")
@click.option("--all", "all_", is_flag=True, help="With `run`: every module (`tgo --all run plan`).")
@click.pass_context
def tgo(ctx: click.Context, debug: bool, all_: bool) -> None:
    """Orchestrate Terraform across a Terragrunt live repository."""
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug
    ctx.obj["all"] = all_


@tgo.command("version")
def version_cmd() -> int:
    """Print tgo's, python-hcl2's and the terraform binary's versions."""
    click.echo("\n".join(version_lines()))
    return 0


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``tgo`` console script. Never returns."""
    try:
        _main(argv)
    finally:
        if argv is None:
            # The process ends here (console script, ``python -m``): spare the collector its final
            # pass over everything still alive (0.2 s after validating 1,000 modules); the memory
            # goes back to the OS at once anyway. Callers passing argv (tests) keep a normal heap.
            gc.freeze()


def error_text(err: TgoError) -> str:
    """What the user sees for ``err``: one line per error, control characters in it escaped (a path
    holding a newline or an ANSI escape must not forge or recolour a line)."""
    if isinstance(err, ConfigErrors) and len(err.errors) != 1:
        return "\n".join(printable(e.format()) for e in err.errors)
    return f"error: {printable(err.format())}"


def _main(argv: list[str] | None) -> None:
    debug = "--debug" in (argv if argv is not None else sys.argv[1:])
    # One Redactor for the invocation (commands build their Runtime on it): the error printed here,
    # outside every command's console, is masked with every secret the command learned.
    redactor = Redactor()
    redactor.add_environment(os.environ)
    try:
        code = tgo.main(args=argv, prog_name="tgo", standalone_mode=False, obj={"redactor": redactor})
    except TgoError as err:
        if debug:
            click.echo(redactor.redact(traceback.format_exc()), err=True, nl=False)
        click.echo(redactor.redact(error_text(err)), err=True)
        sys.exit(err.exit_code)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except click.ClickException as err:
        err.show()
        sys.exit(EXIT_USAGE if err.exit_code == 2 else err.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except Exception:
        click.echo(redactor.redact(traceback.format_exc()), err=True, nl=False)
        click.echo("error: internal error in tgo (a bug): please report it with the traceback above", err=True)
        sys.exit(EXIT_FAILED)
    sys.exit(code if isinstance(code, int) else 0)
