"""The services of one tgo process, built the same way by every command that needs them.

- :func:`aws_auth` (``run-all``/``run``, ``drift``, ``stack output``, ``auth check``): ``--iam-*``
  flags beat ``TG_IAM_*`` / ``TERRAGRUNT_IAM_*`` beat each module's config, ``--credentials``
  (``TGO_CREDENTIALS``), and ``--auth-provider-cmd`` (``TG_AUTH_PROVIDER_CMD``).
- :func:`run_services` (``run-all``/``run`` and ``drift``): the run engine's services on that
  :class:`AwsAuth` and a loader. The executor is built by
  :func:`orchestrator.cli.executor_opt.run_executor` around the run.

Translation only: raises UsageError for bad flag values."""

from __future__ import annotations

from collections.abc import Callable

from orchestrator.app.auth import AwsAuth
from orchestrator.app.run import RunServices
from orchestrator.app.run_select import Loader
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


def run_services(
    aws: AwsAuth,
    loader: Loader,
    *,
    by_account: bool,
    preflight: bool = False,
    confirm: Callable[[list[str]], bool] | None = None,
) -> RunServices:
    """The run engine's services. ``by_account``: modules are selected (``--account``) or capped
    (``--max-per-account``) by account, so a module without a role is placed in the base
    credentials' account (one ``GetCallerIdentity``); otherwise its account stays unknown.
    ``preflight``: assume every role before the first module runs and print the table."""
    return RunServices(
        loader=loader,
        credentials_env=aws.credentials_env,
        preflight=aws.preflight_and_print if preflight else None,
        sts_stats=aws.sts_stats,
        confirm=confirm,
        placement=aws.placement(ask_base=by_account),
        credential_mode=aws.credential_mode,
        state_outputs=aws.state_outputs(),
    )
