"""A real moto server on 127.0.0.1 for tests (STS, IAM, S3, DynamoDB on one port).

``MotoServer`` serves moto's WSGI app behind a small middleware that
- counts requests per (service, Action) as they reach the server, so tests count STS calls at the
  server rather than trusting tgo's own counters (:meth:`MotoServer.calls`);
- records the ``RoleArn`` of each ``AssumeRole*`` request (:meth:`MotoServer.assumed_roles`) and every
  secret key and session token it answered with (:meth:`MotoServer.issued_secrets`, for secret scans);
- answers chosen requests with an injected error instead of passing them to moto
  (:meth:`MotoServer.inject`): throttling for the first N calls, AccessDenied for one role, ...;
- shifts the ``Expiration`` of session answers by a test clock's offset (:meth:`MotoServer.set_time_offset`),
  or shortens every session to a few seconds (:meth:`MotoServer.set_session_lifetime`);
- answers ``ExpiredToken`` (in each service's own format) to any request signed with an access key
  whose session has expired, as AWS does, and records which access key signed every request
  (:meth:`MotoServer.signed_requests`), so tests check at the server which session did what.

``env()`` gives the environment a tgo process (and terraform) needs to reach it with obviously fake
base credentials. Thread-safe: the server handles requests on many threads; counters lock.
"""

from __future__ import annotations

import io
import json
import re
import socket
import threading
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import BaseWSGIServer, make_server

StartResponse = Callable[..., Any]
SECRET_RE = re.compile(r"<(SecretAccessKey|SessionToken)>([^<]+)</")
EXPIRATION_RE = re.compile(r"<Expiration>([^<]+)</Expiration>")
ACCESS_KEY_RE = re.compile(r"<AccessKeyId>([^<]+)</AccessKeyId>")


@dataclass(frozen=True)
class Signed:
    """One request that reached the server: service, operation, the access key that signed it, when."""

    service: str
    operation: str
    access_key: str
    at: datetime


def _shift(stamp: str, offset: timedelta) -> str:
    moved = datetime.fromisoformat(stamp.replace("Z", "+00:00")) + offset
    return moved.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Fault:
    """Answer matching requests with ``code``/``status`` instead of moto, ``times`` times (None: always)."""

    action: str
    code: str
    message: str
    status: int = 400
    role_arn: str | None = None
    times: int | None = None
    service: str = "sts"
    hits: int = 0

    def matches(self, service: str, action: str, params: dict[str, str]) -> bool:
        if service != self.service or action != self.action:
            return False
        if self.role_arn is not None and params.get("RoleArn") != self.role_arn:
            return False
        return self.times is None or self.hits < self.times


def _access_key(environ: dict[str, Any]) -> str:
    auth = environ.get("HTTP_AUTHORIZATION", "")
    if "Credential=" in auth:
        return auth.split("Credential=", 1)[1].split("/", 1)[0]
    return ""


def _operation(environ: dict[str, Any], service: str, action: str) -> str:
    if action:
        return action
    target = environ.get("HTTP_X_AMZ_TARGET", "")
    if target:
        return target.rsplit(".", 1)[-1]
    return f"{environ.get('REQUEST_METHOD', '')} {environ.get('PATH_INFO', '')}"


def _expired_answer(service: str, start_response: StartResponse) -> list[bytes]:
    """ExpiredToken as each service spells it (S3 and STS in XML, DynamoDB in JSON)."""
    if service == "dynamodb":
        body = json.dumps(
            {
                "__type": "com.amazon.coral.service#ExpiredTokenException",
                "message": "The security token included in the request is expired",
            }
        ).encode()
        kind = "application/x-amz-json-1.0"
    elif service == "s3":
        body = (
            b"<?xml version='1.0' encoding='UTF-8'?><Error><Code>ExpiredToken</Code>"
            b"<Message>The provided token has expired.</Message></Error>"
        )
        kind = "application/xml"
    else:
        body = (
            '<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type>'
            "<Code>ExpiredToken</Code><Message>The security token included in the request is expired</Message>"
            f"</Error><RequestId>{uuid.uuid4()}</RequestId></ErrorResponse>"
        ).encode()
        kind = "text/xml"
    start_response("400 Bad Request", [("Content-Type", kind), ("Content-Length", str(len(body)))])
    return [body]


def _service(environ: dict[str, Any]) -> str:
    """The service from the SigV4 credential scope (``Credential=AKID/date/region/<service>/aws4_request``)."""
    auth = environ.get("HTTP_AUTHORIZATION", "")
    if "Credential=" in auth:
        scope = auth.split("Credential=", 1)[1].split(",", 1)[0].split("/")
        if len(scope) >= 4:
            return scope[3]
    return "sts"  # AssumeRoleWithWebIdentity is unsigned, and only STS is called unsigned here


class _Middleware:
    def __init__(self, app: Callable[..., Any]) -> None:
        self.app = app
        self.lock = threading.Lock()
        self.counts: Counter[tuple[str, str]] = Counter()
        self.roles: list[str] = []
        self.assume_params: list[dict[str, str]] = []
        self.faults: list[Fault] = []
        self.secrets: set[str] = set()
        self.time_offset = timedelta()
        self.lifetime: timedelta | None = None
        self.key_expiry: dict[str, datetime] = {}
        self.signed: list[Signed] = []
        self.assume_signers: list[tuple[str, str]] = []
        self.issued_keys: list[tuple[str, str]] = []

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(body)
        params = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
        if environ.get("CONTENT_TYPE", "").startswith("application/x-www-form-urlencoded"):
            params.update({k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()})
        # Query APIs name the action in the body; JSON APIs (KMS...) in the X-Amz-Target header.
        action = params.get("Action", "") or environ.get("HTTP_X_AMZ_TARGET", "").rpartition(".")[2]
        service = _service(environ)
        key = _access_key(environ)
        now = datetime.now(UTC)
        fault = None
        with self.lock:
            if key:
                self.signed.append(Signed(service, _operation(environ, service, action), key, now))
            expiry = self.key_expiry.get(key)
            if expiry is not None and now >= expiry:
                self.counts[(service, "ExpiredToken")] += 1
                return _expired_answer(service, start_response)
            if action:
                self.counts[(service, action)] += 1
                if action.startswith("AssumeRole") and "RoleArn" in params:
                    self.roles.append(params["RoleArn"])
                    self.assume_params.append({k: v for k, v in params.items() if k != "WebIdentityToken"})
                    self.assume_signers.append((params["RoleArn"], key))
            for candidate in self.faults:
                # S3 names no Action: its faults match "METHOD /path" (e.g. "GET /bucket/key").
                if candidate.matches(service, action or _operation(environ, service, action), params):
                    candidate.hits += 1
                    fault = candidate
                    break
        if fault is not None:
            return self._error(fault, start_response, environ, params)
        if not action.startswith("AssumeRole"):
            return self.app(environ, start_response)  # type: ignore[no-any-return]
        held: list[Any] = []
        body_out = b"".join(self.app(environ, lambda *args: held.append(args)))
        text = body_out.decode("utf-8", "replace")
        with self.lock:
            self.secrets.update(value for _tag, value in SECRET_RE.findall(text))
            offset, lifetime = self.time_offset, self.lifetime
        if lifetime is not None:
            expires = (datetime.now(UTC) + lifetime).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
            text = EXPIRATION_RE.sub(f"<Expiration>{expires}</Expiration>", text)
        elif offset:
            text = EXPIRATION_RE.sub(lambda m: f"<Expiration>{_shift(m.group(1), offset)}</Expiration>", text)
        body_out = text.encode()
        stamp, key_id = EXPIRATION_RE.search(text), ACCESS_KEY_RE.search(text)
        if key_id:
            with self.lock:
                self.issued_keys.append((params.get("RoleArn", ""), key_id.group(1)))
                if stamp:
                    self.key_expiry[key_id.group(1)] = datetime.fromisoformat(stamp.group(1).replace("Z", "+00:00"))
        status, headers, *rest = held[0]
        headers = [(k, v) for k, v in headers if k.lower() != "content-length"]
        start_response(status, [*headers, ("Content-Length", str(len(body_out)))], *rest)
        return [body_out]

    @staticmethod
    def _error(
        fault: Fault, start_response: StartResponse, environ: dict[str, Any], params: dict[str, str]
    ) -> list[bytes]:
        # A message may echo what the request carried, as a careless server would: ``{token}`` is the
        # session token header, ``{web_identity_token}`` the AssumeRoleWithWebIdentity parameter.
        message = fault.message.replace("{token}", environ.get("HTTP_X_AMZ_SECURITY_TOKEN", "")).replace(
            "{web_identity_token}", params.get("WebIdentityToken", "")
        )
        xml = (
            '<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type>'
            f"<Code>{fault.code}</Code><Message>{message}</Message></Error>"
            f"<RequestId>{uuid.uuid4()}</RequestId></ErrorResponse>"
        ).encode()
        reason = {400: "Bad Request", 403: "Forbidden", 429: "Too Many Requests", 503: "Service Unavailable"}
        start_response(
            f"{fault.status} {reason.get(fault.status, 'Error')}",
            [("Content-Type", "text/xml"), ("Content-Length", str(len(xml)))],
        )
        return [xml]


class _QuietHandler(MotoRequestHandler):  # type: ignore[misc]
    def log_request(self, *args: Any, **kwargs: Any) -> None:  # no access log noise in test output
        return None


class MotoServer:
    def __init__(self) -> None:
        self.port = free_port()
        self.middleware = _Middleware(DomainDispatcherApplication(create_backend_app))
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> MotoServer:
        self._server = make_server("127.0.0.1", self.port, self.middleware, True, request_handler=_QuietHandler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
        if self._thread is not None:
            self._thread.join()

    def env(self) -> dict[str, str]:
        """Base credentials and endpoints; the keys are fake and only moto accepts them."""
        return {
            "AWS_ENDPOINT_URL": self.url,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_REGION": "us-east-1",
            "AWS_EC2_METADATA_DISABLED": "true",
        }

    # -- counting and fault injection -----------------------------------------------------------

    def calls(self, action: str, service: str = "sts") -> int:
        """How many ``action`` requests of ``service`` reached the server (injected faults included)."""
        with self.middleware.lock:
            return self.middleware.counts[(service, action)]

    def assumed_roles(self) -> list[str]:
        """The RoleArn of every AssumeRole* request, in arrival order."""
        with self.middleware.lock:
            return list(self.middleware.roles)

    def assume_requests(self) -> list[dict[str, str]]:
        """The parameters of every AssumeRole* request (RoleArn, RoleSessionName, DurationSeconds...)."""
        with self.middleware.lock:
            return [dict(p) for p in self.middleware.assume_params]

    def assume_signers(self) -> list[tuple[str, str]]:
        """(RoleArn, the access key that signed the request) for every AssumeRole* request, in order
        (an empty key: unsigned, as AssumeRoleWithWebIdentity is)."""
        with self.middleware.lock:
            return list(self.middleware.assume_signers)

    def issued_keys(self) -> list[tuple[str, str]]:
        """(RoleArn, the access key id handed out for it) for every AssumeRole* answer, in order."""
        with self.middleware.lock:
            return list(self.middleware.issued_keys)

    def issued_secrets(self) -> set[str]:
        """Every SecretAccessKey and SessionToken the server handed out in an AssumeRole* answer."""
        with self.middleware.lock:
            return set(self.middleware.secrets)

    def set_time_offset(self, offset: timedelta) -> None:
        """Move the server's clock: every later AssumeRole* answer expires ``offset`` later than moto says,
        so a test clock that jumps ahead and the server agree on how long a session lasts."""
        with self.middleware.lock:
            self.middleware.time_offset = offset

    def set_session_lifetime(self, seconds: float | None) -> None:
        """Every later AssumeRole* answer expires ``seconds`` after it is given (None: moto's own
        expiry); requests signed with its key after that get ``ExpiredToken``."""
        with self.middleware.lock:
            self.middleware.lifetime = None if seconds is None else timedelta(seconds=seconds)

    def signed_requests(self, service: str | None = None) -> list[Signed]:
        """Every signed request that reached the server (expired ones included), in arrival order."""
        with self.middleware.lock:
            return [r for r in self.middleware.signed if service is None or r.service == service]

    def reset_counts(self) -> None:
        with self.middleware.lock:
            self.middleware.counts.clear()
            self.middleware.roles.clear()
            self.middleware.assume_params.clear()
            self.middleware.signed.clear()
            self.middleware.assume_signers.clear()
            self.middleware.issued_keys.clear()

    def inject(self, fault: Fault) -> Fault:
        """Answer matching requests with ``fault`` (first matching fault wins); returns it to read ``hits``."""
        with self.middleware.lock:
            self.middleware.faults.append(fault)
        return fault

    def throttle(self, times: int, action: str = "AssumeRole", status: int = 400) -> Fault:
        return self.inject(Fault(action, "Throttling", "Rate exceeded", status=status, times=times))

    def deny(self, role_arn: str, action: str = "AssumeRole") -> Fault:
        return self.inject(
            Fault(action, "AccessDenied", f"not authorized to perform sts:AssumeRole on {role_arn}", 403, role_arn)
        )

    def clear_faults(self) -> None:
        with self.middleware.lock:
            self.middleware.faults.clear()


@contextmanager
def moto_server() -> Iterator[MotoServer]:
    srv = MotoServer().start()
    try:
        yield srv
    finally:
        srv.stop()
