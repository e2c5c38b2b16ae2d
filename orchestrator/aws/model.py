"""Values of the AWS layer: what an assume-role request is, what credentials and caller
identities are, and the :class:`StsClient` protocol the cache talks to.

Contract:
- Every class here is an immutable value, safe to share across threads.
- No ``repr``/``str`` here ever shows a secret access key, a session token or a web identity token.
- :class:`StsError` is what an :class:`StsClient` raises for any STS failure (an error answer, a
  connection failure, missing base credentials); its message never contains a secret.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

THROTTLING_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestLimitExceeded",
        "TooManyRequestsException",
        "RequestThrottled",
        "SlowDown",
    }
)
THROTTLING_STATUS = frozenset({429, 503})


@dataclass(frozen=True, slots=True)
class CallerIdentity:
    """The answer of ``GetCallerIdentity`` (or the assumed-role user of ``AssumeRole``)."""

    account_id: str
    arn: str
    user_id: str

    def as_mapping(self) -> dict[str, str]:
        """The shape the config loader's ``get_aws_*`` functions read."""
        return {"account_id": self.account_id, "arn": self.arn, "user_id": self.user_id}

    @property
    def is_assumed_role(self) -> bool:
        """True when this identity is itself a role session: assuming from it is role chaining."""
        return ":assumed-role/" in self.arn


@dataclass(frozen=True, slots=True)
class Credentials:
    """Temporary credentials for one role session. Held in memory only; never written anywhere."""

    access_key_id: str
    secret_access_key: str = field(repr=False)
    session_token: str | None = field(default=None, repr=False)
    expiration: datetime | None = None
    identity: CallerIdentity | None = None
    """Who these credentials are, when STS said so in the same answer (``AssumedRoleUser``)."""

    def __repr__(self) -> str:
        expires = self.expiration.isoformat() if self.expiration else "never"
        return f"Credentials(access_key_id={self.access_key_id[:4]}…, expires={expires})"

    __str__ = __repr__

    def environment(self) -> dict[str, str | None]:
        """Environment variables that make AWS SDKs and terraform use exactly these credentials.

        ``AWS_PROFILE`` maps to ``None`` (remove it) so a profile cannot win over the session.
        """
        return {
            "AWS_ACCESS_KEY_ID": self.access_key_id,
            "AWS_SECRET_ACCESS_KEY": self.secret_access_key,
            "AWS_SESSION_TOKEN": self.session_token,
            "AWS_SECURITY_TOKEN": self.session_token,
            "AWS_PROFILE": None,
            "AWS_DEFAULT_PROFILE": None,
        }


@dataclass(frozen=True, slots=True)
class AssumeRequest:
    """Everything that decides which role session we get. Equal requests share one cached session.

    ``web_identity_token`` is the token itself (already read from its file); it takes part in the
    cache key but never in ``repr``. ``source_identity`` is STS's ``SourceIdentity`` parameter.
    """

    role_arn: str
    session_name: str
    duration_seconds: int | None = None
    web_identity_token: str | None = field(default=None, repr=False)
    source_identity: str | None = None


class StsError(Exception):
    """An STS call failed. ``code`` is AWS's error code (or a local one such as ``NoCredentials``)."""

    def __init__(self, code: str, message: str, *, status: int | None = None) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status

    @property
    def throttled(self) -> bool:
        """True for answers worth retrying after a pause (throttling codes, HTTP 429/503)."""
        return self.code in THROTTLING_CODES or self.status in THROTTLING_STATUS


class StsClient(Protocol):
    """The three STS operations tgo needs. Implementations raise :class:`StsError` and must be
    thread-safe (the cache calls them from many worker threads, one call per key at a time)."""

    def assume_role(
        self, request: AssumeRequest, duration_seconds: int | None, *, source: Credentials | None = None
    ) -> Credentials:
        """``AssumeRole`` (or ``AssumeRoleWithWebIdentity`` when the request has a token), signed
        with ``source`` when given (a chain), else with the base credentials."""
        ...

    def get_caller_identity(self, credentials: Credentials | None) -> CallerIdentity:
        """``GetCallerIdentity`` with ``credentials``, or with the base credentials when ``None``."""
        ...
