"""Which role session a module runs under: the precedence of flags, environment and config.

Precedence, for each of role, duration, session name and web identity token:
``--iam-role`` (and the other flags) > ``TG_*`` > ``TERRAGRUNT_*`` > the module's own value
(including what it inherits through includes, already merged by the config loader).

Pure apart from reading a web identity token file. Thread-safe: a :class:`RoleResolver` is immutable.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from orchestrator.aws.model import AssumeRequest
from orchestrator.config.models import MAX_DURATION, MIN_DURATION, ROLE_ARN_RE, SESSION_NAME_RE, ModuleConfig
from orchestrator.errors import AuthError, UsageError

ENV_NAMES = {
    "role": ("TG_IAM_ROLE", "TERRAGRUNT_IAM_ROLE"),
    "duration": ("TG_IAM_ASSUME_ROLE_DURATION", "TERRAGRUNT_IAM_ASSUME_ROLE_DURATION"),
    "session_name": ("TG_IAM_ASSUME_ROLE_SESSION_NAME", "TERRAGRUNT_IAM_ASSUME_ROLE_SESSION_NAME"),
    "web_identity_token": (
        "TG_IAM_ASSUME_ROLE_WEB_IDENTITY_TOKEN",
        "TERRAGRUNT_IAM_ASSUME_ROLE_WEB_IDENTITY_TOKEN",
    ),
}
FLAG_NAMES = {
    "role": "--iam-role",
    "duration": "--iam-assume-role-duration",
    "session_name": "--iam-assume-role-session-name",
    "web_identity_token": "--iam-assume-role-web-identity-token",
}
SESSION_NAME_MAX = 64


@dataclass(frozen=True)
class RoleOverrides:
    """Values that beat every module's config: from flags, else from the environment."""

    role: str | None = None
    duration: int | None = None
    session_name: str | None = None
    web_identity_token: str | None = field(default=None, repr=False)

    @classmethod
    def from_sources(
        cls,
        environ: Mapping[str, str],
        *,
        role: str | None = None,
        duration: int | None = None,
        session_name: str | None = None,
        web_identity_token: str | None = None,
    ) -> RoleOverrides:
        """Flags (the keyword arguments) beat ``TG_*`` beats ``TERRAGRUNT_*``. Raises UsageError on bad values."""
        picked_role, role_src = _pick(role, "role", environ)
        picked_duration, duration_src = _pick(None if duration is None else str(duration), "duration", environ)
        picked_session, session_src = _pick(session_name, "session_name", environ)
        picked_token, _ = _pick(web_identity_token, "web_identity_token", environ)
        if picked_role is not None and not ROLE_ARN_RE.match(picked_role):
            raise UsageError(
                f"{picked_role!r} is not an IAM role ARN",
                attr=role_src,
                hint="expected arn:<partition>:iam::<12-digit account>:role/<name>",
            )
        seconds = _duration(picked_duration, duration_src)
        if picked_session is not None and not SESSION_NAME_RE.match(picked_session):
            raise UsageError(
                f"{picked_session!r} is not a valid session name", attr=session_src, hint=r"[\w+=,.@-]{2,64}"
            )
        return cls(picked_role, seconds, picked_session, picked_token)


def _pick(flag: str | None, what: str, environ: Mapping[str, str]) -> tuple[str | None, str]:
    if flag:
        return flag, FLAG_NAMES[what]
    for name in ENV_NAMES[what]:
        if environ.get(name):
            return environ[name], name
    return None, FLAG_NAMES[what]


def _duration(value: str | None, source: str) -> int | None:
    if value is None:
        return None
    try:
        seconds = int(value)
    except ValueError:
        raise UsageError(f"{value!r} is not a number of seconds", attr=source) from None
    if not MIN_DURATION <= seconds <= MAX_DURATION:
        raise UsageError(f"{seconds} is outside {MIN_DURATION}..{MAX_DURATION} seconds", attr=source)
    return seconds


def default_session_name(started: datetime, run_id: str) -> str:
    """A valid session name (<= 64 chars of ``[\\w+=,.@-]``) that identifies one tgo run."""
    safe_id = "".join(c for c in run_id if c.isalnum() or c in "+=,.@-_")
    return f"tgo-{started.strftime('%Y%m%dT%H%M%SZ')}-{safe_id}"[:SESSION_NAME_MAX]


@dataclass(frozen=True)
class RoleResolver:
    """Turns a module (or a bare role ARN) into the :class:`AssumeRequest` it runs under."""

    overrides: RoleOverrides
    default_session_name: str
    base_dir: Path
    """Where a relative token file named by a flag or the environment is looked up (the cwd)."""

    def request_for(self, module: ModuleConfig) -> AssumeRequest | None:
        """The module's role session, or ``None`` when it runs under the base credentials.

        Raises AuthError when a web identity token file cannot be read.
        """
        role = self.overrides.role or module.iam_role
        if not role:
            return None
        token = self.overrides.web_identity_token or module.iam_web_identity_token
        return AssumeRequest(
            role_arn=role,
            session_name=self.overrides.session_name
            or module.iam_assume_role_session_name
            or self.default_session_name,
            duration_seconds=self.overrides.duration or module.iam_assume_role_duration,
            web_identity_token=read_token(token, module.path) if token else None,
        )

    def request_for_role(self, role: str | None) -> AssumeRequest | None:
        """The session for a bare role ARN (``None``: the override role, else the base credentials)."""
        role = self.overrides.role or role
        if not role:
            return None
        token = self.overrides.web_identity_token
        return AssumeRequest(
            role_arn=role,
            session_name=self.overrides.session_name or self.default_session_name,
            duration_seconds=self.overrides.duration,
            web_identity_token=read_token(token, self.base_dir) if token else None,
        )


def read_token(value: str, base: Path) -> str:
    """A web identity token: ``value`` itself, or the contents of the file it names.

    A value naming an existing file (absolute, or relative to ``base``) is read at every call, so a
    rotated token (EKS, GitHub OIDC) is picked up. Raises AuthError when the file cannot be read.
    """
    path = Path(value) if Path(value).is_absolute() else base / value
    try:
        is_file = path.is_file()
    except OSError:  # e.g. a long JWT is "too long" as a file name: it is the token itself
        return value
    if not is_file:
        return value
    try:
        return path.read_text().strip()
    except OSError as exc:
        raise AuthError(
            f"cannot read the web identity token file {path}: {exc.strerror}", attr="iam_web_identity_token"
        ) from None
