"""The AWS services of one tgo process, built the same way by every command that needs them
(``run-all``/``run``, ``drift``, ``stack run``, ``auth check``): ``--iam-*`` flags beat ``TG_IAM_*`` /
``TERRAGRUNT_IAM_*`` beat each module's config, ``--credentials`` (``TGO_CREDENTIALS``), and
``--auth-provider-cmd`` (``TG_AUTH_PROVIDER_CMD``). Translation only: raises UsageError for bad
flag values."""

from __future__ import annotations

from orchestrator.app.auth import AwsAuth
from orchestrator.aws.auth_provider import command_from
from orchestrator.aws.roles import RoleOverrides
from orchestrator.aws.supply import parse_mode
from orchestrator.cli.process_flags import ProcessFlags
from orchestrator.runtime import Runtime


def aws_auth(flags: ProcessFlags, runtime: Runtime, *, runs_terraform: bool = True) -> AwsAuth:
    """The process's :class:`AwsAuth`. ``runs_terraform`` False (``auth check``): no credential broker,
    whatever ``--credentials`` / ``TGO_CREDENTIALS`` say, since no process will ask it."""
    overrides = RoleOverrides.from_sources(
        runtime.environ,
        role=flags.get("iam_role"),
        duration=flags.number("iam_duration"),
        session_name=flags.get("iam_session_name"),
        web_identity_token=flags.get("iam_web_identity_token"),
    )
    return AwsAuth.build(
        runtime,
        overrides,
        mode=parse_mode(flags.get("credentials"), runtime.environ) if runs_terraform else "env",
        auth_provider=command_from(flags.get("auth_provider_cmd"), runtime.environ),
    )
