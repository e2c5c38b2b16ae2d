"""``tgo find`` and ``tgo list``: flags in, :func:`orchestrator.app.find.find` out as text or JSON.

Terragrunt 1.x's flags and ``TG_*`` variables: ``--format text|json`` (``TG_FORMAT``), ``--json`` /
``-j`` (``TG_JSON``), ``--dag`` (``TG_DAG``), ``--dependencies`` (``TG_DEPENDENCIES``), ``--external``
(``TG_EXTERNAL``), ``--exclude`` (``TG_EXCLUDE``), ``--queue-construct-as`` / ``--as``
(``TG_QUEUE_CONSTRUCT_AS``); ``list`` adds ``--long`` / ``-l`` (``TG_LONG``) and its own ``--format
text|long|json``. Exit codes: 0, 3 for a configuration or graph error, 64 for bad flags.
"""

from __future__ import annotations

import json
import shlex
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import click

from orchestrator.app.config import EVAL_WORKERS, open_parse_cache
from orchestrator.app.find import FindOptions, Found, find, rel, to_json
from orchestrator.cli.runtime_of import cli_runtime
from orchestrator.config.loader import ConfigLoader
from orchestrator.errors import UsageError
from orchestrator.runtime import Runtime


def _shared(fn: Callable[..., Any]) -> Callable[..., Any]:
    options = [
        click.option("--working-dir", "--terragrunt-working-dir", metavar="DIR", envvar="TG_WORKING_DIR"),
        click.option("--json", "-j", "as_json", is_flag=True, envvar="TG_JSON", help="JSON (= --format json)."),
        click.option("--dag", is_flag=True, envvar="TG_DAG", help="Dependency order: dependencies first."),
        click.option("--dependencies", is_flag=True, envvar="TG_DEPENDENCIES", help="Each unit's direct dependencies."),
        click.option("--external", is_flag=True, envvar="TG_EXTERNAL", help="Add dependencies outside the dir."),
        click.option("--exclude", is_flag=True, envvar="TG_EXCLUDE", help="Show each unit's exclude block (JSON)."),
        click.option(
            "--queue-construct-as",
            "--as",
            "as_command",
            metavar="COMMAND",
            envvar="TG_QUEUE_CONSTRUCT_AS",
            help="List what `tgo run-all COMMAND` would run, in its order (e.g. --as plan, --as destroy).",
        ),
        click.option(
            "--include-dir",
            "--queue-include-dir",
            multiple=True,
            metavar="GLOB",
            envvar="TG_QUEUE_INCLUDE_DIR",
            help="Only units matching (as run-all).",
        ),
        click.option(
            "--exclude-dir",
            "--queue-exclude-dir",
            multiple=True,
            metavar="GLOB",
            envvar="TG_QUEUE_EXCLUDE_DIR",
            help="Skip units matching (as run-all).",
        ),
        click.option("--no-cache", is_flag=True, help="Do not use the parse cache."),
    ]
    for option in reversed(options):
        fn = option(fn)
    return fn


def _run(kwargs: dict[str, Any]) -> tuple[Runtime, FindOptions, list[Found]]:
    runtime = cli_runtime()
    root = (runtime.cwd / (kwargs["working_dir"] or ".")).resolve()
    as_command = tuple(shlex.split(kwargs["as_command"] or ""))
    opts = FindOptions(
        working_dir=root,
        dependencies=kwargs["dependencies"],
        dag=kwargs["dag"],
        external=kwargs["external"],
        exclude=kwargs["exclude"],
        queue_construct_as=as_command,
        include_dirs=kwargs["include_dir"],
        exclude_dirs=kwargs["exclude_dir"],
    )
    cache = None if kwargs["no_cache"] else open_parse_cache(runtime, root)
    return runtime, opts, find(ConfigLoader(runtime, cache=cache, workers=EVAL_WORKERS), opts)


def _format(chosen: str | None, as_json: bool, allowed: Sequence[str]) -> str:
    fmt = "json" if as_json else (chosen or "text")
    if fmt not in allowed:
        raise UsageError(f"--format must be one of {', '.join(allowed)}, not {fmt!r}", attr="--format")
    return fmt


@click.command("find")
@_shared
@click.option("--format", "fmt", metavar="text|json", envvar="TG_FORMAT", help="Output format (default text).")
def find_cmd(fmt: str | None, **kwargs: Any) -> int:
    """Print every unit and stack below the working dir: one path a line, or JSON with --json."""
    chosen = _format(fmt, kwargs.pop("as_json"), ("text", "json"))
    runtime, opts, found = _run(kwargs)
    if chosen == "json":
        runtime.console.print(json.dumps(to_json(found, opts.working_dir, opts), indent=2))
    else:
        for item in found:
            runtime.console.print(rel(item.path, opts.working_dir))
    return 0


def columns(paths: Sequence[str], width: int) -> list[str]:
    """Paths in as many columns as fit ``width``, row by row (Terragrunt's ``list`` text output)."""
    if not paths:
        return []
    col = max(map(len, paths)) + 2
    per_row = max(1, width // col)
    rows = [paths[i : i + per_row] for i in range(0, len(paths), per_row)]
    return ["".join(p.ljust(col) for p in row).rstrip() for row in rows]


def long_lines(found: Sequence[Found], root: Path, *, dependencies: bool) -> list[str]:
    """Terragrunt's ``list --long``: a ``Type  Path`` heading, then ``unit ``/``stack`` and the path,
    and with ``--dependencies`` a column of comma-separated dependencies."""
    paths = [rel(f.path, root) for f in found]
    width = max([len("Path"), *map(len, paths)])
    head = "Type  Path" + (" " * (width - len("Path") + 2) + "Dependencies" if dependencies else "")
    lines = [head]
    for item, path in zip(found, paths, strict=True):
        line = f"{'unit ' if item.type == 'unit' else 'stack'} {path}"
        if dependencies and item.dependencies:
            line += " " * (width - len(path) + 2) + ", ".join(sorted(rel(d, root) for d in item.dependencies))
        lines.append(line)
    return lines


@click.command("list")
@_shared
@click.option("--format", "fmt", metavar="text|long|json", envvar="TG_FORMAT", help="Output format (default text).")
@click.option("--long", "-l", "long_", is_flag=True, envvar="TG_LONG", help="Type, path (and dependencies).")
def list_cmd(fmt: str | None, long_: bool, **kwargs: Any) -> int:
    """List the units and stacks below the working dir: in columns, --long, or JSON with --json."""
    chosen = _format("long" if long_ and not fmt else fmt, kwargs.pop("as_json"), ("text", "long", "json"))
    runtime, opts, found = _run(kwargs)
    if chosen == "json":
        runtime.console.print(json.dumps(to_json(found, opts.working_dir, opts), indent=2))
        return 0
    if chosen == "long":
        lines = long_lines(found, opts.working_dir, dependencies=opts.dependencies)
    else:
        lines = columns([rel(f.path, opts.working_dir) for f in found], shutil.get_terminal_size().columns)
    for line in lines:
        runtime.console.print(line)
    return 0


def register(group: click.Group) -> None:
    """Add ``find`` and ``list`` to ``group``."""
    group.add_command(find_cmd)
    group.add_command(list_cmd)
