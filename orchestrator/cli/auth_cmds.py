"""``tgo auth check``: assume each distinct role of a tree once and print who each one is.

Translates flags into :class:`~orchestrator.aws.roles.RoleOverrides` and calls
:func:`orchestrator.app.auth.auth_check`; a role that cannot be assumed is an AuthError (exit 1)
naming the role and the modules that need it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from orchestrator.app.auth import auth_check
from orchestrator.aws.preflight import format_table
from orchestrator.cli.process_flags import ProcessFlags, click_role_flags
from orchestrator.cli.run_cmds import make_loader
from orchestrator.cli.runtime_of import cli_runtime
from orchestrator.cli.services import aws_auth


def register(group: click.Group) -> None:
    """Add the ``auth`` group (``auth check``) and ``credential-helper`` to ``group``."""

    @group.command(
        "credential-helper",
        context_settings={"ignore_unknown_options": True, "help_option_names": []},
        add_help_option=False,
    )
    @click.argument("args", nargs=-1, type=click.UNPROCESSED)
    def credential_helper(args: tuple[str, ...]) -> int:
        """The credential_process helper tgo writes into its AWS config file (--socket PATH PROFILE;
        the capability token comes from TGO_BROKER_TOKEN). Prints the SDK's credential JSON."""
        from orchestrator.aws.credential_helper import main as helper_main

        return helper_main(list(args))

    @group.group("auth")
    def auth() -> None:
        """Per-module IAM roles."""

    @auth.command("check")
    @click.option("--working-dir", type=click.Path(file_okay=False, path_type=Path), default=None)
    @click_role_flags
    def check(working_dir: Path | None, **flags: Any) -> int:
        """Assume each distinct role of the tree once; print role, account, caller ARN, expiry, modules."""
        runtime = cli_runtime()
        root = (runtime.cwd / working_dir).resolve() if working_dir else runtime.cwd
        aws = aws_auth(ProcessFlags.from_click(flags, runtime.environ), runtime, runs_terraform=False)
        result = auth_check(make_loader(runtime, aws, cache_dir=root), root, aws)
        runtime.console.print(format_table(result))
        return 0
