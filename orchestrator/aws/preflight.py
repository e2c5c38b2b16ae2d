"""Pre-flight: assume every distinct role of a run once, before any terraform starts.

:func:`preflight` groups modules by their role session, assumes each once through the cache (so
the run that follows reuses the sessions), and either returns one row per role or raises one
AuthError naming every role that failed and the modules that need it. Thread-safe like the cache.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from orchestrator.aws.credentials import CredentialCache, RoleAssumeError
from orchestrator.aws.model import AssumeRequest
from orchestrator.aws.roles import RoleResolver
from orchestrator.config.models import ModuleConfig
from orchestrator.errors import AuthError, TgoError, relpath
from orchestrator.printable import printable

MAX_NAMED_MODULES = 10
DEFAULT_HINT = "check the role's trust policy and the base credentials"


@dataclass(frozen=True)
class RoleCheck:
    """One distinct role of a run and what STS said about it."""

    role_arn: str
    account_id: str
    caller_arn: str
    expires: datetime | None
    modules: tuple[str, ...]


@dataclass(frozen=True)
class PreflightResult:
    rows: tuple[RoleCheck, ...]
    base_modules: tuple[str, ...]
    """Modules with no role: they run under the base credentials."""


def group_by_role(
    configs: Iterable[ModuleConfig], resolver: RoleResolver, base: Path | None = None
) -> tuple[dict[AssumeRequest, list[str]], list[str]]:
    """Modules (as paths relative to ``base``) by role session, and the modules without a role."""
    groups: dict[AssumeRequest, list[str]] = {}
    no_role: list[str] = []
    for config in configs:
        name = printable(relpath(config.path, base))
        request = resolver.request_for(config)
        if request is None:
            no_role.append(name)
        else:
            groups.setdefault(request, []).append(name)
    return groups, no_role


def preflight(
    configs: Iterable[ModuleConfig],
    cache: CredentialCache,
    resolver: RoleResolver,
    base: Path | None = None,
) -> PreflightResult:
    """Assume each distinct role once. Raises AuthError naming each failed role and its modules."""
    groups, no_role = group_by_role(configs, resolver, base)
    rows: list[RoleCheck] = []
    failures: list[tuple[TgoError, list[str]]] = []
    for request, modules in sorted(groups.items(), key=lambda item: item[0].role_arn):
        try:
            creds = cache.get(request)
            who = cache.identity(request)
            account, arn = who.account_id, who.arn
        except AuthError as err:
            failures.append((err, modules))
            continue
        rows.append(RoleCheck(request.role_arn, account, arn, creds.expiration, tuple(modules)))
    if failures:
        raise _combined(failures)
    return PreflightResult(tuple(rows), tuple(no_role))


def _named(modules: list[str]) -> str:
    shown = ", ".join(modules[:MAX_NAMED_MODULES])
    more = len(modules) - MAX_NAMED_MODULES
    return shown + (f" and {more} more" if more > 0 else "")


class PreflightError(AuthError):
    """Pre-flight failed. ``failures``: (role ARN, what STS said with its hint, the modules needing it)."""

    def __init__(self, message: str, *, hint: str, failures: list[tuple[str, str, tuple[str, ...]]]) -> None:
        super().__init__(message, hint=hint)
        self.failures = failures


def _combined(failures: list[tuple[TgoError, list[str]]]) -> PreflightError:
    first = failures[0][0]
    hints = {err.hint for err, _ in failures}
    if len(hints) == 1:
        lines = [f"{err.message} (needed by {_named(modules)})" for err, modules in failures]
        hint = f"{first.hint or DEFAULT_HINT}; nothing was started"
    else:  # different causes (denied, throttled): each its own advice
        lines = [f"{err.message} (needed by {_named(modules)}; {err.hint})" for err, modules in failures]
        hint = "nothing was started"
    message = lines[0] if len(lines) == 1 else f"{len(lines)} roles cannot be assumed: " + "; ".join(lines)
    roles = [(getattr(err, "role_arn", "") or "", err.format(), tuple(modules)) for err, modules in failures]
    error = PreflightError(message, hint=hint, failures=roles)
    if isinstance(first, RoleAssumeError):
        error.attr = "iam_role"
    return error


def format_table(result: PreflightResult) -> str:
    """The pre-flight table: role, account, caller ARN, expiry, modules using it."""
    header = ("ROLE", "ACCOUNT", "CALLER ARN", "EXPIRES", "MODULES")
    rows = [
        (
            row.role_arn,
            row.account_id,
            row.caller_arn,
            row.expires.strftime("%Y-%m-%d %H:%M:%SZ") if row.expires else "-",
            _named(list(row.modules)),
        )
        for row in result.rows
    ]
    if result.base_modules:
        rows.append(("(base credentials)", "-", "-", "-", _named(list(result.base_modules))))
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    return "\n".join(
        "  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip() for r in [header, *rows]
    )
