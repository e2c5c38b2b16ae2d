"""The flags of the services one tgo process builds (roles, credentials, executor, caps), declared
once: :data:`PROCESS_FLAGS` feeds both ``run-all``/``run``'s own flag parser (``run_argv``) and the
click commands (``drift``: the IAM flags, ``--auth-provider-cmd`` and ``--max-per-account``;
``auth check``: the IAM flags and ``--auth-provider-cmd``)
through :func:`click_process_flags`. Values are read with
:class:`ProcessFlags` whichever parser produced them. Pure apart from click decorators."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import click

from orchestrator.cli.executor_opt import EXECUTOR_HELP, WORKER_GIT_HELP, WORKER_ROOT_HELP
from orchestrator.errors import UsageError

MAX_PER_ACCOUNT_ENV = "TGO_MAX_PER_ACCOUNT"
IAM_DESTS = ("iam_role", "iam_duration", "iam_session_name", "iam_web_identity_token")


@dataclass(frozen=True)
class Flag:
    name: str
    dest: str
    help: str
    aliases: tuple[str, ...] = ()
    takes_value: bool = True


PROCESS_FLAGS: tuple[Flag, ...] = (
    Flag("--iam-role", "iam_role", "role ARN for every module (also TG_IAM_ROLE)", ("--terragrunt-iam-role",)),
    Flag(
        "--iam-assume-role-duration",
        "iam_duration",
        "session duration in seconds (900..43200)",
        ("--terragrunt-iam-assume-role-duration",),
    ),
    Flag(
        "--iam-assume-role-session-name",
        "iam_session_name",
        "session name (default: tgo-<time>-<run id>)",
        ("--terragrunt-iam-assume-role-session-name",),
    ),
    Flag(
        "--iam-assume-role-web-identity-token",
        "iam_web_identity_token",
        "a web identity token, or a file holding one",
        ("--terragrunt-iam-web-identity-token",),
    ),
    Flag(
        "--credentials",
        "credentials",
        "broker (default: terraform asks tgo through credential_process, refreshed) or env "
        "(AWS_* variables; also TGO_CREDENTIALS)",
    ),
    Flag(
        "--auth-provider-cmd",
        "auth_provider_cmd",
        "a command printing credentials JSON, run once per role session; each role is assumed with what "
        "it prints (also TG_AUTH_PROVIDER_CMD)",
        ("--terragrunt-auth-provider-cmd",),
    ),
    Flag("--executor", "executor", EXECUTOR_HELP),
    Flag("--worker-root", "worker_root", WORKER_ROOT_HELP),
    Flag("--worker-git", "worker_git", WORKER_GIT_HELP),
    Flag(
        "--max-per-account",
        "max_per_account",
        "at most N modules of one AWS account at once (also TGO_MAX_PER_ACCOUNT)",
    ),
)
BY_DEST = {f.dest: f for f in PROCESS_FLAGS}


def click_process_flags(fn: Callable[..., Any], only: tuple[str, ...] = ()) -> Callable[..., Any]:
    """Add the process flags (``only`` these dests, if given) to a click command (values arrive as
    strings, or None)."""
    for flag in reversed(PROCESS_FLAGS):
        if not only or flag.dest in only:
            fn = click.option(flag.name, *flag.aliases, flag.dest, default=None, help=flag.help)(fn)
    return fn


def click_role_flags(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Only the IAM flags and ``--auth-provider-cmd`` (``auth check``)."""
    return click_process_flags(fn, (*IAM_DESTS, "auth_provider_cmd"))


def click_process_flags_only(dests: tuple[str, ...]) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A decorator adding the process flags named by ``dests``."""
    return lambda fn: click_process_flags(fn, dests)


@dataclass(frozen=True)
class ProcessFlags:
    """The process flags' raw values by ``dest`` (None: not given) and the environment."""

    values: Mapping[str, str | None]
    environ: Mapping[str, str]

    @classmethod
    def from_click(cls, flags: Mapping[str, Any], environ: Mapping[str, str]) -> ProcessFlags:
        values = {dest: None if flags.get(dest) is None else str(flags[dest]) for dest in BY_DEST}
        return cls(values, environ)

    @classmethod
    def from_argv(cls, one: Callable[[str], str | None], environ: Mapping[str, str]) -> ProcessFlags:
        return cls({f.dest: one(f.name) for f in PROCESS_FLAGS}, environ)

    def get(self, dest: str) -> str | None:
        return self.values.get(dest)

    def number(self, dest: str) -> int | None:
        """An integer flag; raises UsageError naming the flag."""
        value = self.get(dest)
        if value is None:
            return None
        try:
            return int(value)
        except ValueError:
            raise UsageError(f"expects a number, got {value!r}", attr=BY_DEST[dest].name) from None

    def max_per_account(self) -> int | None:
        """``--max-per-account``, else ``TGO_MAX_PER_ACCOUNT``, else no cap. UsageError unless >= 1."""
        value = self.get("max_per_account")
        source = "--max-per-account"
        if value is None and self.environ.get(MAX_PER_ACCOUNT_ENV, "").strip():
            value, source = self.environ[MAX_PER_ACCOUNT_ENV].strip(), MAX_PER_ACCOUNT_ENV
        if value is None:
            return None
        try:
            cap = int(value)
        except ValueError:
            cap = 0
        if cap < 1:
            where = "" if source == "--max-per-account" else f"{source}: "
            raise UsageError(f"{where}expects a whole number >= 1, got {value!r}", attr="--max-per-account")
        return cap
