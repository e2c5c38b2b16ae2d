"""The only module that talks to STS: :class:`BotoStsClient` implements
:class:`~orchestrator.aws.model.StsClient` with botocore.

Contract:
- Base credentials come from botocore's normal chain (environment, profile, SSO, instance role),
  read from the environment mapping given to the constructor (the Runtime's snapshot), never from
  ``os.environ`` for the environment-credential step.
- ``AWS_ENDPOINT_URL_STS`` (else ``AWS_ENDPOINT_URL``) points every call at another endpoint; that is
  how tests reach a moto server.
- botocore's own retries are off: the cache retries throttling itself so it can count and jitter.
- Every failure is raised as :class:`StsError` with AWS's code and message, never a secret.
- Thread-safe: botocore clients are thread-safe; each set of credentials gets its own client.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, cast

import botocore.config
import botocore.exceptions

from orchestrator.aws.clients import EnvironSession
from orchestrator.aws.model import AssumeRequest, CallerIdentity, Credentials, StsError
from orchestrator.redaction import MIN_SECRET_CHARS, SECRET_ENV

if TYPE_CHECKING:
    from mypy_boto3_sts.client import STSClient

SERVICE = "sts"
DEFAULT_REGION = "us-east-1"
CONNECT_TIMEOUT = 10
READ_TIMEOUT = 30


def endpoint_url(environ: Mapping[str, str]) -> str | None:
    """The STS endpoint override, if any: ``AWS_ENDPOINT_URL_STS`` beats ``AWS_ENDPOINT_URL``."""
    return environ.get("AWS_ENDPOINT_URL_STS") or environ.get("AWS_ENDPOINT_URL") or None


class BotoStsClient:
    """STS through botocore, base credentials from ``environ``. Thread-safe."""

    def __init__(self, environ: Mapping[str, str]) -> None:
        self._environ = dict(environ)
        self._lock = threading.Lock()  # guards the lazily built session and base client
        self._botocore: EnvironSession | None = None
        self._endpoint = endpoint_url(environ)
        self._region = environ.get("AWS_REGION") or environ.get("AWS_DEFAULT_REGION") or DEFAULT_REGION
        self._config = botocore.config.Config(
            retries={"total_max_attempts": 1, "mode": "standard"},
            connect_timeout=CONNECT_TIMEOUT,
            read_timeout=READ_TIMEOUT,
        )
        self._base_client: STSClient | None = None

    def _create(self, config: botocore.config.Config, **kwargs: Any) -> STSClient:
        # botocore sessions are not thread-safe, clients are: create under the lock. The session is
        # built on first use, so a run whose modules have no role never pays for botocore's setup.
        with self._lock:
            if self._botocore is None:
                self._botocore = EnvironSession(self._environ)
            client = self._botocore.create_client(
                SERVICE, region_name=self._region, endpoint_url=self._endpoint, config=config, **kwargs
            )
        return cast("STSClient", client)

    def _client(self, credentials: Credentials | None) -> STSClient:
        kwargs: dict[str, Any] = {}
        if credentials is not None:
            kwargs = {
                "aws_access_key_id": credentials.access_key_id,
                "aws_secret_access_key": credentials.secret_access_key,
                "aws_session_token": credentials.session_token,
            }
        elif self._base_client is not None:
            return self._base_client
        client = self._create(self._config, **kwargs)
        if credentials is None:
            self._base_client = client
        return client

    def _base_secrets(self) -> tuple[str, ...]:
        """The base credentials' secret parts, to scrub from error messages: from the environment,
        and what botocore resolved (a profile, SSO) once it has. Short values (``testing``) are not
        secrets worth mangling messages for."""
        found = [self._environ.get(name) for name in SECRET_ENV]
        with self._lock:
            session = self._botocore
        if session is not None:
            with contextlib.suppress(Exception), self._lock:  # resolving can fail: best effort
                resolved = session.get_credentials()
                if resolved is not None:
                    frozen = resolved.get_frozen_credentials()
                    found += [frozen.secret_key, frozen.token]
        return tuple(s for s in found if s and len(s) >= MIN_SECRET_CHARS)

    def _anonymous_client(self) -> STSClient:
        config = self._config.merge(botocore.config.Config(signature_version=botocore.UNSIGNED))
        return self._create(config)

    def assume_role(
        self, request: AssumeRequest, duration_seconds: int | None, *, source: Credentials | None = None
    ) -> Credentials:
        """AssumeRole, or AssumeRoleWithWebIdentity (unsigned) when the request carries a token; signed
        with ``source`` (a role chain: ``--auth-provider-cmd``'s credentials) when given."""
        params: dict[str, Any] = {"RoleArn": request.role_arn, "RoleSessionName": request.session_name}
        if duration_seconds is not None:
            params["DurationSeconds"] = duration_seconds
        secrets = (source.secret_access_key, source.session_token) if source is not None else ()
        with _translated_errors(request.web_identity_token, *secrets, more=self._base_secrets), _botocore_errors():
            answer: Mapping[str, Any]
            if request.web_identity_token is not None:
                params["WebIdentityToken"] = request.web_identity_token
                answer = self._anonymous_client().assume_role_with_web_identity(**params)
            else:
                if request.source_identity is not None:
                    params["SourceIdentity"] = request.source_identity
                answer = self._client(source).assume_role(**params)
        return _credentials(answer)

    def base_expiry(self) -> datetime | None:
        """When the base credentials expire (SSO, an assumed base role, an instance role), or None
        when they do not (static keys) or cannot be found. Never raises; reads no secret out."""
        try:
            self._create(self._config)  # builds the session once
            assert self._botocore is not None
            creds = self._botocore.get_credentials()
        except (botocore.exceptions.BotoCoreError, AssertionError):
            return None
        expiry = getattr(creds, "_expiry_time", None)  # RefreshableCredentials keeps it here
        if isinstance(expiry, datetime):
            return expiry if expiry.tzinfo else expiry.replace(tzinfo=UTC)
        return None

    def get_caller_identity(self, credentials: Credentials | None) -> CallerIdentity:
        if credentials is not None:
            scrub = _translated_errors(credentials.secret_access_key, credentials.session_token)
        else:
            scrub = _translated_errors(more=self._base_secrets)
        with scrub, _botocore_errors():
            answer = self._client(credentials).get_caller_identity()
        return CallerIdentity(account_id=answer["Account"], arn=answer["Arn"], user_id=answer["UserId"])


def _credentials(answer: Mapping[str, Any]) -> Credentials:
    raw = answer["Credentials"]
    expiration = raw.get("Expiration")
    if isinstance(expiration, datetime) and expiration.tzinfo is None:
        expiration = expiration.replace(tzinfo=UTC)
    identity = None
    user = answer.get("AssumedRoleUser")
    if user and user.get("Arn"):
        account = user["Arn"].split(":")[4]
        identity = CallerIdentity(account_id=account, arn=user["Arn"], user_id=user.get("AssumedRoleId", ""))
    return Credentials(
        access_key_id=raw["AccessKeyId"],
        secret_access_key=raw["SecretAccessKey"],
        session_token=raw.get("SessionToken"),
        expiration=expiration,
        identity=identity,
    )


@contextlib.contextmanager
def _translated_errors(*secrets: str | None, more: Callable[[], Iterable[str]] | None = None) -> Iterator[None]:
    """Turn botocore exceptions into StsError without any request detail that could hold a secret;
    ``secrets`` (a web identity token, session keys) and, only when there is an error, ``more()``
    (the base credentials) are scrubbed from messages as a last guard."""
    try:
        yield
    except StsError as exc:
        message = exc.message
        for secret in [*secrets, *(more() if more is not None else ())]:
            if secret:
                message = message.replace(secret, "<redacted>")
        raise StsError(exc.code, message, status=exc.status) from None


@contextlib.contextmanager
def _botocore_errors() -> Iterator[None]:
    try:
        yield
    except botocore.exceptions.ClientError as exc:
        error = exc.response.get("Error", {})
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        raise StsError(error.get("Code", "Unknown"), error.get("Message", ""), status=status) from None
    except botocore.exceptions.NoCredentialsError:
        raise StsError(
            "NoCredentials", "no base AWS credentials found (environment, profile, SSO, instance role)"
        ) from None
    except botocore.exceptions.BotoCoreError as exc:
        raise StsError(type(exc).__name__, str(exc)) from None
