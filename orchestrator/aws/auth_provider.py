"""``--auth-provider-cmd`` (Terragrunt's; ``TG_AUTH_PROVIDER_CMD``): an external command that gives
credentials, run once per role session (not per module) and cached until its credentials expire.

The command prints Terragrunt's JSON::

    {"awsCredentials": {"ACCESS_KEY_ID": "...", "SECRET_ACCESS_KEY": "...", "SESSION_TOKEN": "...",
                        "EXPIRATION": "2030-01-01T00:00:00Z"},
     "awsRole": {"roleARN": "...", "roleSessionName": "...", "duration": 3600, "webIdentityToken": "..."},
     "envs": {"NAME": "value"}}

every part optional (``EXPIRATION`` is tgo's addition: without it the answer is kept for the run).
It runs with tgo's environment plus ``TGO_AUTH_ROLE_ARN`` / ``TGO_AUTH_SESSION_NAME`` naming the
session asked for (empty for the base credentials of modules without a role).

What tgo does with the answer (:class:`ProviderAnswer`), as Terragrunt does (docs/iam.md): its
``awsCredentials`` (else the ``awsRole`` session, assumed with the base credentials) are the
*source* the module's ``iam_role`` is assumed with: a chain (:func:`provider_source`, given to the
CredentialCache). Modules without a role get those credentials as their own (:func:`provider_env`);
``envs`` are added to the environment of the session's processes.

Contract: :meth:`AuthProvider.answer` raises AuthError (the command failed, printed no JSON, or
JSON of the wrong shape) with a message that never contains what the command printed. Thread-safe:
one lock per session, so modules starting together run the command once.
"""

from __future__ import annotations

import json
import shlex
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from orchestrator.aws.model import AssumeRequest, Credentials
from orchestrator.errors import AuthError, UsageError
from orchestrator.process import run_capture
from orchestrator.runtime import Clock

ENV_NAMES = ("TG_AUTH_PROVIDER_CMD", "TERRAGRUNT_AUTH_PROVIDER_CMD")
FLAG = "--auth-provider-cmd"
TIMEOUT_S = 300.0


@dataclass(frozen=True)
class ProviderAnswer:
    """What the command said for one session (``repr`` shows no secret)."""

    credentials: Credentials | None = None
    role: AssumeRequest | None = None
    envs: Mapping[str, str] = field(default_factory=dict, repr=False)


def _expiration(value: Any, command: str) -> datetime | None:
    if value in (None, ""):
        return None
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise AuthError(f"{command}: awsCredentials.EXPIRATION is not an ISO 8601 time", attr=FLAG) from None


def parse_answer(stdout: str, command: str, default_session: str) -> ProviderAnswer:
    """The command's JSON as a :class:`ProviderAnswer`. Raises AuthError naming what is wrong (never a value)."""
    try:
        data = json.loads(stdout)
    except ValueError:
        raise AuthError(f"{command} printed no JSON", attr=FLAG, hint="print awsCredentials/awsRole/envs") from None
    if not isinstance(data, dict):
        raise AuthError(f"{command} printed JSON that is not an object", attr=FLAG)
    envs = data.get("envs") or {}
    if not isinstance(envs, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in envs.items()):
        raise AuthError(f"{command}: envs must map names to strings", attr=FLAG)
    creds = data.get("awsCredentials")
    if creds:
        if not isinstance(creds, dict) or not creds.get("ACCESS_KEY_ID") or not creds.get("SECRET_ACCESS_KEY"):
            raise AuthError(f"{command}: awsCredentials needs ACCESS_KEY_ID and SECRET_ACCESS_KEY", attr=FLAG)
        return ProviderAnswer(
            Credentials(
                str(creds["ACCESS_KEY_ID"]),
                str(creds["SECRET_ACCESS_KEY"]),
                str(creds["SESSION_TOKEN"]) if creds.get("SESSION_TOKEN") else None,
                _expiration(creds.get("EXPIRATION"), command),
            ),
            envs=envs,
        )
    role = data.get("awsRole")
    if role:
        if not isinstance(role, dict) or not isinstance(role.get("roleARN"), str) or not role["roleARN"]:
            raise AuthError(f"{command}: awsRole needs roleARN", attr=FLAG)
        duration = role.get("duration")
        return ProviderAnswer(
            role=AssumeRequest(
                role_arn=role["roleARN"],
                session_name=str(role.get("roleSessionName") or default_session),
                duration_seconds=int(duration) if duration else None,
                web_identity_token=str(role["webIdentityToken"]) if role.get("webIdentityToken") else None,
            ),
            envs=envs,
        )
    return ProviderAnswer(envs=envs)


def command_from(flag: str | None, environ: Mapping[str, str]) -> list[str] | None:
    """``--auth-provider-cmd`` beats ``TG_AUTH_PROVIDER_CMD`` beats ``TERRAGRUNT_AUTH_PROVIDER_CMD``,
    split as a shell would (never run through one). Raises UsageError for unbalanced quotes."""
    value = flag or next((environ[n] for n in ENV_NAMES if environ.get(n)), None)
    if not value:
        return None
    try:
        argv = shlex.split(value)
    except ValueError as exc:
        raise UsageError(f"cannot split the auth provider command: {exc}", attr=FLAG) from None
    return argv or None


@dataclass
class _Slot:
    lock: threading.Lock = field(default_factory=threading.Lock)
    answer: ProviderAnswer | None = None


class AuthProvider:
    """Runs the command once per session and keeps the answer until its credentials expire
    (minus ``margin``). ``runs`` counts the command's runs. Thread-safe."""

    def __init__(
        self, argv: list[str], environ: Mapping[str, str], cwd: Path, clock: Clock, *, margin: timedelta
    ) -> None:
        self.argv = argv
        self._environ = dict(environ)
        self._cwd = cwd
        self._clock = clock
        self._margin = margin
        self._lock = threading.Lock()
        self._slots: dict[AssumeRequest | None, _Slot] = {}
        self.runs = 0

    def _slot(self, key: AssumeRequest | None) -> _Slot:
        with self._lock:
            return self._slots.setdefault(key, _Slot())

    def _fresh(self, answer: ProviderAnswer) -> bool:
        expires = answer.credentials.expiration if answer.credentials else None
        return expires is None or expires - self._margin > self._clock.now()

    def answer(self, request: AssumeRequest | None, default_session: str) -> ProviderAnswer:
        """The command's answer for ``request`` (None: the base credentials). Raises AuthError."""
        slot = self._slot(request)
        with slot.lock:
            if slot.answer is not None and self._fresh(slot.answer):
                return slot.answer
            env = {
                **self._environ,
                "TGO_AUTH_ROLE_ARN": request.role_arn if request else "",
                "TGO_AUTH_SESSION_NAME": request.session_name if request else "",
            }
            with self._lock:
                self.runs += 1
            done = run_capture(self.argv, cwd=self._cwd, env=env, timeout=TIMEOUT_S)
            name = self.argv[0]
            if done.returncode != 0:
                last = (done.stderr.strip().splitlines() or [""])[-1][:200]
                raise AuthError(f"the auth provider command {name} exited with {done.returncode}: {last}", attr=FLAG)
            slot.answer = parse_answer(done.stdout, name, default_session)
            return slot.answer


def provider_source(
    provider: AuthProvider, assume: Callable[[AssumeRequest], Credentials], default_session: str
) -> Callable[[AssumeRequest], Credentials | None]:
    """The credentials a role session is assumed *with* (the CredentialCache's ``source``): the
    command's ``awsCredentials``, else its ``awsRole`` assumed through ``assume`` (a cache over the
    base credentials), else None (the base credentials). Raises AuthError like :meth:`AuthProvider.answer`."""

    def source(request: AssumeRequest) -> Credentials | None:
        answer = provider.answer(request, default_session)
        if answer.credentials is not None:
            return answer.credentials
        return assume(answer.role) if answer.role is not None else None

    return source


def provider_env(
    provider: AuthProvider, assume: Callable[[AssumeRequest], Credentials], default_session: str
) -> Callable[[AssumeRequest | None], dict[str, str | None]]:
    """The environment the provider adds to a session's processes: its ``envs``; for the base
    credentials (modules without a role) also its credentials, or its role's, as ``AWS_*``."""

    def extra(request: AssumeRequest | None) -> dict[str, str | None]:
        answer = provider.answer(request, default_session)
        env: dict[str, str | None] = dict(answer.envs)
        if request is None and answer.credentials is not None:
            env.update(answer.credentials.environment())
        elif request is None and answer.role is not None:
            env.update(assume(answer.role).environment())
        return env

    return extra
