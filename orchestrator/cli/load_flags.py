"""The flags that change how configs load, declared once for every command that loads configs.

``--feature name=value`` (repeatable; env ``TG_FEATURE=a=1,b=x``) overrides ``feature`` block
defaults; ``--no-run-cmd`` (env ``TGO_NO_RUN_CMD=1``) makes any ``run_cmd`` a config error, for
reviewing untrusted changes (``run_cmd`` otherwise runs during validate, render and graph too, as
in Terragrunt). :func:`click_load_flags` adds both to a click command; run-all/run take them through
their own argv table (:mod:`orchestrator.cli.run_argv`) with the same names and help.
"""

from __future__ import annotations

from collections.abc import Iterable

import click

from orchestrator.config.features import parse_feature_overrides
from orchestrator.config.services import LoadOptions
from orchestrator.runtime import Runtime

FEATURE_HELP = "override a feature flag's default: name=value (repeatable; also TG_FEATURE=a=1,b=x)"
NO_RUN_CMD_HELP = "make any run_cmd in a config an error (also TGO_NO_RUN_CMD=1)"
TRUE_ENV = frozenset({"1", "true", "yes", "on"})


def load_options(runtime: Runtime, features: Iterable[str] = (), no_run_cmd: bool = False) -> LoadOptions:
    """LoadOptions from the flags plus ``TG_FEATURE`` / ``TGO_NO_RUN_CMD``. Raises UsageError."""
    env_no_run = (runtime.getenv("TGO_NO_RUN_CMD") or "").strip().lower() in TRUE_ENV
    return LoadOptions(
        features=parse_feature_overrides(features, runtime.getenv("TG_FEATURE")),
        run_cmd=not (no_run_cmd or env_no_run),
    )


def click_load_flags(fn: click.decorators.FC) -> click.decorators.FC:
    """Add ``--feature`` and ``--no-run-cmd`` (parameters ``features`` and ``no_run_cmd``)."""
    fn = click.option("--feature", "features", multiple=True, metavar="NAME=VALUE", help=FEATURE_HELP)(fn)
    return click.option("--no-run-cmd", "no_run_cmd", is_flag=True, help=NO_RUN_CMD_HELP)(fn)


__all__ = ["FEATURE_HELP", "NO_RUN_CMD_HELP", "click_load_flags", "load_options"]
