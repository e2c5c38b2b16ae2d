"""The credential broker's rules, without any I/O: who may ask for what, what goes over the wire,
what the AWS config file and a module's environment look like.

The broker (``orchestrator.aws.broker``) serves role-session credentials to the terraform
processes of one tgo run through ``credential_process`` (see docs/iam.md). This module decides:

- **Profiles**: one AWS config profile per role session (:func:`profile_name`), whose
  ``credential_process`` runs the compiled helper (``credential_helper.c``, see
  :mod:`orchestrator.aws.native_helper`) or the stdlib-only ``credential_helper.py``
  (:func:`helper_command`). The config file (:func:`config_text`) holds commands, never a secret.
- **Capabilities**: each module gets its own random token (:data:`TOKEN_ENV`, in the environment,
  never argv). :class:`Grants` serves a token only the role session of its module and of that
  module's dependencies; everything else is refused with a reason that names no secret.
- **Wire format**: the request is one JSON line (:func:`parse_request`); the answer is ``OK`` and
  the SDK's process-credential JSON (:func:`answer_ok`, :func:`process_credentials`, whose
  ``Expiration`` is the STS expiry minus the refresh margin, so the SDK asks again before the real
  expiry), or ``ERR <reason>`` (:func:`answer_refused`). The helper passes the JSON through
  without parsing it: it imports neither ``json`` nor ``socket`` (half its start-up time).
- **Environment**: :func:`broker_env` is what a module's processes get: the profile, the token,
  and everything that would win over the profile (or fall back to another account) removed.

A :class:`ModuleGrant` (profile names and a token, no credential) is all an executor needs to
build a module's environment: that is the seam for running modules elsewhere.

Thread-safety: everything is pure or immutable except :class:`Grants`, which locks.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import shlex
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from orchestrator.aws.model import AssumeRequest, Credentials

PROTOCOL_VERSION = 1
TOKEN_ENV = "TGO_BROKER_TOKEN"
MAX_REQUEST_BYTES = 4096
TOKEN_BYTES = 32
CONFIG_FILE_NAME = "aws.config"
CREDENTIALS_FILE_NAME = "credentials.empty"
SOCKET_NAME = "broker.sock"

SCRUBBED = (
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_CREDENTIAL_EXPIRATION",
    "AWS_DEFAULT_PROFILE",
    "AWS_ROLE_ARN",
    "AWS_ROLE_SESSION_NAME",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
)
"""Variables that would win over ``AWS_PROFILE`` or fall back to the wrong account (plus every
other ``AWS_CONTAINER_*`` found in the environment)."""

_PROFILE_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")
_TOKEN_RE = re.compile(r"^[0-9a-f]{16,128}$")


class ProtocolError(ValueError):
    """A request that is not one JSON object with a string ``profile`` and ``token``."""


@dataclass(frozen=True)
class ModuleGrant:
    """What one module's processes need to ask the broker: no credential, only names and a token.

    ``profile`` is the module's own role session; ``profiles`` every profile the token may ask for
    (its own and its dependencies'). ``token`` is secret in the sense that it grants those
    sessions while tgo runs; it lives in the environment only.
    """

    profile: str
    profiles: frozenset[str]
    token: str

    def __repr__(self) -> str:
        return f"ModuleGrant(profile={self.profile!r}, profiles={sorted(self.profiles)!r})"


@dataclass(frozen=True)
class BrokerFiles:
    """The private run directory's paths (the directory itself is 0700)."""

    directory: Path

    @property
    def socket(self) -> Path:
        return self.directory / SOCKET_NAME

    @property
    def config(self) -> Path:
        return self.directory / CONFIG_FILE_NAME

    @property
    def empty_credentials(self) -> Path:
        return self.directory / CREDENTIALS_FILE_NAME


def new_token() -> str:
    """A fresh 256-bit capability, hex-encoded."""
    return secrets.token_hex(TOKEN_BYTES)


def profile_name(request: AssumeRequest) -> str:
    """A stable, config-file-safe profile name for one role session.

    ``tgo-<account>-<role name>-<8 hex>``: the hash covers every field that changes the session
    (the web identity token only through its hash), so two sessions of one role get two profiles.
    """
    parts = request.role_arn.split(":")
    account = parts[4] if len(parts) > 4 else "unknown"
    role = _PROFILE_UNSAFE.sub("_", request.role_arn.rsplit("/", 1)[-1])[:40]
    token_hash = hashlib.sha256(request.web_identity_token.encode()).hexdigest() if request.web_identity_token else ""
    key = "\n".join(
        [
            request.role_arn,
            request.session_name,
            str(request.duration_seconds),
            token_hash,
            request.source_identity or "",
        ]
    )
    digest = hashlib.sha256(key.encode()).hexdigest()[:8]
    return f"tgo-{account}-{role}-{digest}"


def helper_command(helper: Sequence[str], socket: Path, profile: str) -> str:
    """The ``credential_process`` line: the helper's argv (the compiled helper, or the interpreter
    isolated with ``-I -S`` running ``credential_helper.py``) then the socket and profile. The SDKs
    split it as a shell would; every part is quoted."""
    words = [*helper, "--socket", str(socket), profile]
    return " ".join(shlex.quote(w) for w in words)


def config_text(commands: Mapping[str, str]) -> str:
    """The AWS config file: one ``[profile NAME]`` per role session with its ``credential_process``."""
    lines = ["# Written by tgo for one run; removed when it exits. Holds commands, never a secret."]
    for name in sorted(commands):
        lines += ["", f"[profile {name}]", f"credential_process = {commands[name]}"]
    return "\n".join(lines) + "\n"


def parse_request(raw: bytes) -> tuple[str, str]:
    """``(profile, token)`` from one request line. Raises ProtocolError (its text names no secret)."""
    if len(raw) > MAX_REQUEST_BYTES:
        raise ProtocolError("request too large")
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise ProtocolError("request is not JSON") from None
    if not isinstance(data, dict):
        raise ProtocolError("request is not a JSON object")
    if data.get("v") != PROTOCOL_VERSION:
        raise ProtocolError(f"unsupported protocol version {data.get('v')!r} (tgo speaks {PROTOCOL_VERSION})")
    profile, token = data.get("profile"), data.get("token")
    if not isinstance(profile, str) or not profile:
        raise ProtocolError("request names no profile")
    if not isinstance(token, str) or not token:
        raise ProtocolError(f"no capability token: is {TOKEN_ENV} set in this process's environment?")
    return profile, token


def encode_request(profile: str, token: str) -> bytes:
    """The request line the helper sends (mirrored in credential_helper.py, which imports nothing)."""
    return json.dumps({"v": PROTOCOL_VERSION, "profile": profile, "token": token}).encode() + b"\n"


def reported_expiration(creds: Credentials, margin: timedelta) -> datetime | None:
    """What the SDK is told: the STS expiry minus ``margin`` (None: the credentials never expire)."""
    if creds.expiration is None:
        return None
    return creds.expiration - margin


def process_credentials(creds: Credentials, margin: timedelta) -> dict[str, object]:
    """The JSON ``credential_process`` must print (AWS SDKs' format, ``Version`` 1)."""
    out: dict[str, object] = {
        "Version": 1,
        "AccessKeyId": creds.access_key_id,
        "SecretAccessKey": creds.secret_access_key,
    }
    if creds.session_token:
        out["SessionToken"] = creds.session_token
    expires = reported_expiration(creds, margin)
    if expires is not None:
        out["Expiration"] = expires.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return out


def answer_ok(creds: Credentials, margin: timedelta) -> bytes:
    return b"OK\n" + json.dumps(process_credentials(creds, margin)).encode() + b"\n"


def answer_refused(reason: str) -> bytes:
    return b"ERR " + " ".join(reason.split()).encode() + b"\n"


def scrub_overlay(environ: Mapping[str, str]) -> dict[str, None]:
    """``None`` (remove) for every variable of :data:`SCRUBBED` and every ``AWS_CONTAINER_*`` in ``environ``."""
    names = set(SCRUBBED) | {k for k in environ if k.startswith("AWS_CONTAINER_")}
    return dict.fromkeys(sorted(names))


def broker_env(grant: ModuleGrant, files: BrokerFiles, environ: Mapping[str, str]) -> dict[str, str | None]:
    """The environment overlay of a module's processes in broker mode (``None`` removes a variable).

    The profile wins because nothing that beats it is left: static keys, web identity and container
    settings are removed, ``~/.aws/credentials`` is replaced by an empty file, and the instance
    metadata service is off so a broker failure cannot fall back to an instance role.
    """
    overlay: dict[str, str | None] = dict(scrub_overlay(environ))
    overlay.update(
        {
            "AWS_CONFIG_FILE": str(files.config),
            "AWS_SHARED_CREDENTIALS_FILE": str(files.empty_credentials),
            "AWS_PROFILE": grant.profile,
            "AWS_SDK_LOAD_CONFIG": "1",
            "AWS_EC2_METADATA_DISABLED": "true",
            TOKEN_ENV: grant.token,
        }
    )
    return overlay


class Grants:
    """Profiles, their role sessions, and which token may ask for which profile. Thread-safe.

    A module is registered with its own session and the paths of its dependencies; its token is
    created once and may ask for its own profile plus the profile of every dependency registered
    by then (dependencies are registered first: their outputs are read before the module runs).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._requests: dict[str, AssumeRequest] = {}
        self._module_profile: dict[str, str] = {}
        self._tokens: dict[str, str] = {}  # holder key -> token
        self._allowed: dict[str, set[str]] = {}  # token -> profiles

    def profiles(self) -> dict[str, AssumeRequest]:
        """Every profile registered so far and its role session."""
        with self._lock:
            return dict(self._requests)

    def register(
        self, holder: str, request: AssumeRequest, dependencies: Iterable[str] = ()
    ) -> tuple[ModuleGrant, bool]:
        """The grant of ``holder`` (a module path, or ``run_cmd:<profile>``) for ``request``.

        Returns the grant and whether ``request`` is a profile new to this object (the config
        file must then be rewritten before anyone uses the grant).
        """
        profile = profile_name(request)
        with self._lock:
            new = profile not in self._requests
            self._requests[profile] = request
            self._module_profile[holder] = profile
            token = self._tokens.get(holder)
            if token is None:
                token = self._tokens[holder] = new_token()
            allowed = self._allowed.setdefault(token, set())
            allowed.add(profile)
            allowed.update(self._module_profile[d] for d in dependencies if d in self._module_profile)
            return ModuleGrant(profile, frozenset(allowed), token), new

    def authorize(self, profile: str, token: str) -> AssumeRequest:
        """The role session ``token`` may have for ``profile``. Raises PermissionError with a
        reason naming the profile, never the token."""
        if not _TOKEN_RE.match(token):
            raise PermissionError(f"malformed capability token for profile {profile}")
        with self._lock:
            allowed = self._allowed.get(token)
            request = self._requests.get(profile)
        if allowed is None:
            raise PermissionError(f"unknown capability token (asked for profile {profile})")
        if request is None:
            raise PermissionError(f"unknown profile {profile}")
        if profile not in allowed:
            raise PermissionError(f"this module's token does not grant profile {profile} ({request.role_arn})")
        return request
