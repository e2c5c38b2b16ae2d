"""``tgo render`` and ``tgo validate``: flags in, calls to :mod:`orchestrator.app.config`, output out.

Terragrunt's spellings work as aliases: ``--terragrunt-working-dir`` and the ``TG_WORKING_DIR`` /
``TERRAGRUNT_WORKING_DIR`` environment variables for ``--working-dir``.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from orchestrator.app.config import ConfigOptions, render_all, render_module, validate_tree
from orchestrator.cli.load_flags import click_load_flags, load_options
from orchestrator.cli.runtime_of import cli_runtime
from orchestrator.config.services import LoadOptions
from orchestrator.errors import ConfigErrors
from orchestrator.runtime import Runtime

WORKING_DIR_ENV = ("TG_WORKING_DIR", "TERRAGRUNT_WORKING_DIR")


def _options(
    runtime: Runtime,
    working_dir: str | None,
    no_cache: bool,
    *,
    include: tuple[str, ...] = (),
    exclude: tuple[str, ...] = (),
    load: LoadOptions | None = None,
    source: str | None = None,
) -> ConfigOptions:
    chosen = working_dir or runtime.getenv(*WORKING_DIR_ENV) or "."
    path = Path(chosen)
    return ConfigOptions(
        working_dir=(path if path.is_absolute() else runtime.cwd / path).resolve(),
        use_cache=not no_cache,
        include_dirs=include,
        exclude_dirs=exclude,
        load=load or load_options(runtime),
        source=source or runtime.getenv("TG_SOURCE", "TERRAGRUNT_SOURCE") or "",
    )


def _common(fn: click.decorators.FC) -> click.decorators.FC:
    fn = click.option(
        "--working-dir",
        "--terragrunt-working-dir",
        "working_dir",
        metavar="DIR",
        help="The module (or, with --all / validate, the tree) to read. Env: TG_WORKING_DIR.",
    )(fn)
    fn = click.option(
        "--no-cache", is_flag=True, help="Do not read or write the parse cache (.tgo/cache or TGO_CACHE_DIR)."
    )(fn)
    fn = click.option(
        "--source",
        "--terragrunt-source",
        "source",
        metavar="PATH",
        help="What get_terragrunt_source_cli_flag() returns. Env: TG_SOURCE.",
    )(fn)
    return click_load_flags(fn)


@click.command()
@_common
@click.option("--json", "as_json", is_flag=True, help="Print JSON (the default output is JSON too, indented).")
@click.option("--all", "all_modules", is_flag=True, help="Render every module under the working dir.")
def render(
    *,
    working_dir: str | None,
    no_cache: bool,
    as_json: bool,
    all_modules: bool,
    features: tuple[str, ...],
    no_run_cmd: bool,
    source: str | None,
) -> None:
    """Print the fully evaluated config of a module (Terragrunt's render-json)."""
    runtime = cli_runtime()
    load = load_options(runtime, features, no_run_cmd)
    opts = _options(runtime, working_dir, no_cache, load=load, source=source)
    data = render_all(runtime, opts) if all_modules else render_module(runtime, opts)
    runtime.console.print(json.dumps(data, indent=None if as_json else 2, sort_keys=True))


@click.command()
@_common
@click.option(
    "--include-dir", "--terragrunt-include-dir", "include", multiple=True, metavar="GLOB", help="Only modules matching."
)
@click.option(
    "--exclude-dir", "--terragrunt-exclude-dir", "exclude", multiple=True, metavar="GLOB", help="Skip modules matching."
)
def validate(
    *,
    working_dir: str | None,
    no_cache: bool,
    include: tuple[str, ...],
    exclude: tuple[str, ...],
    features: tuple[str, ...],
    no_run_cmd: bool,
    source: str | None,
) -> None:
    """Check every module of the tree and the dependency graph; print every error; exit 3 if any."""
    runtime = cli_runtime()
    load = load_options(runtime, features, no_run_cmd)
    opts = _options(runtime, working_dir, no_cache, include=include, exclude=exclude, load=load, source=source)
    result = validate_tree(runtime, opts)
    if result.errors:
        raise ConfigErrors.collect(result.errors)
    count = len(result.modules)
    runtime.console.print(f"{count} module{'s' if count != 1 else ''} valid")


def register(group: click.Group) -> None:
    """Add this family's commands to ``group``."""
    group.add_command(render)
    group.add_command(validate)
