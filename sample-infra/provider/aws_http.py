"""Just enough AWS for the sample provider, without boto3 (whose import costs ~0.5 s of CPU in every
plugin process terraform starts): S3 get/put/delete object (path-style) and STS GetCallerIdentity,
signed with Signature Version 4 from the standard environment variables.

Endpoints: ``AWS_ENDPOINT_URL_S3`` / ``AWS_ENDPOINT_URL_STS``, else ``AWS_ENDPOINT_URL`` (a moto server),
else the public regional endpoints. Credentials, in the SDKs' order (see :class:`CredentialChain`):
``AWS_ACCESS_KEY_ID`` / ``AWS_SECRET_ACCESS_KEY`` / optional ``AWS_SESSION_TOKEN``; else the profile
``AWS_PROFILE`` (or ``default``) in ``AWS_SHARED_CREDENTIALS_FILE``, then in ``AWS_CONFIG_FILE``: static
keys, or ``credential_process``, whose answer is cached until its ``Expiration`` and fetched again
after it (as the SDKs do, so a long apply keeps working with refreshed credentials). Errors raise
:class:`AwsError` with the AWS error code; nothing secret is ever put in a message.
"""

from __future__ import annotations

import configparser
import datetime as dt
import hashlib
import hmac
import json
import os
import re
import subprocess
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass

TIMEOUT_S = 30


class AwsError(Exception):
    def __init__(self, code: str, status: int, message: str) -> None:
        super().__init__(f"{code} (HTTP {status}): {message}")
        self.code = code
        self.status = status


@dataclass(frozen=True)
class Response:
    status: int
    headers: Mapping[str, str]
    body: bytes


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


@dataclass(frozen=True)
class Creds:
    access_key_id: str
    secret_access_key: str
    session_token: str | None = None
    expiration: dt.datetime | None = None


def _profile_section(parser: configparser.ConfigParser, profile: str, *, config_file: bool) -> dict[str, str] | None:
    names = [profile] if not config_file else ([f"profile {profile}", profile] if profile != "default" else ["default"])
    for name in names:
        if parser.has_section(name):
            return dict(parser[name])
    return None


class CredentialChain:
    """Environment keys, else the profile's keys or ``credential_process`` (cached until it expires).

    Thread-safe: one lock around the cached process credentials.
    """

    def __init__(self, environ: Mapping[str, str]) -> None:
        self.environ = environ
        self._lock = threading.Lock()
        self._cached: Creds | None = None

    def get(self) -> Creds:
        env = self.environ
        if env.get("AWS_ACCESS_KEY_ID") and env.get("AWS_SECRET_ACCESS_KEY"):
            return Creds(env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"], env.get("AWS_SESSION_TOKEN") or None)
        with self._lock:
            now = dt.datetime.now(dt.UTC)
            if self._cached is not None and (self._cached.expiration is None or self._cached.expiration > now):
                return self._cached
            self._cached = self._from_profile()
            return self._cached

    def _from_profile(self) -> Creds:
        env = self.environ
        home = os.path.expanduser("~")
        profile = env.get("AWS_PROFILE") or env.get("AWS_DEFAULT_PROFILE") or "default"
        sources = [
            (env.get("AWS_SHARED_CREDENTIALS_FILE") or os.path.join(home, ".aws", "credentials"), False),
            (env.get("AWS_CONFIG_FILE") or os.path.join(home, ".aws", "config"), True),
        ]
        for path, is_config in sources:
            parser = configparser.ConfigParser(interpolation=None)
            try:
                parser.read(path)
            except configparser.Error:
                continue
            section = _profile_section(parser, profile, config_file=is_config)
            if section is None:
                continue
            if section.get("aws_access_key_id") and section.get("aws_secret_access_key"):
                return Creds(section["aws_access_key_id"], section["aws_secret_access_key"], section.get("aws_session_token"))
            if section.get("credential_process"):
                return _run_process(section["credential_process"], profile)
        raise AwsError("NoCredentials", 0, f"no credentials: no AWS_ACCESS_KEY_ID and no usable profile {profile!r}")


def _run_process(command: str, profile: str) -> Creds:
    """Run a ``credential_process`` as the SDKs do (through the shell) and read its JSON."""
    done = subprocess.run(["sh", "-c", command], capture_output=True, text=True, timeout=60, check=False)
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or [""])[-1]
        raise AwsError("CredentialProcessFailed", 0, f"credential_process of profile {profile} exited {done.returncode}: {last}")
    try:
        data = json.loads(done.stdout)
        expiration = data.get("Expiration")
        return Creds(
            data["AccessKeyId"],
            data["SecretAccessKey"],
            data.get("SessionToken"),
            dt.datetime.fromisoformat(expiration.replace("Z", "+00:00")) if expiration else None,
        )
    except (ValueError, KeyError, AttributeError):
        raise AwsError("CredentialProcessFailed", 0, f"credential_process of profile {profile} printed no credentials") from None


class AwsHttp:
    """Signed requests with the credentials and endpoints of ``environ``. Thread-safe."""

    def __init__(self, environ: Mapping[str, str], region: str, chain: CredentialChain | None = None) -> None:
        self.environ = environ
        self.region = region
        self.chain = chain or CredentialChain(environ)

    def endpoint(self, service: str) -> str:
        specific = self.environ.get(f"AWS_ENDPOINT_URL_{service.upper()}")
        url = specific or self.environ.get("AWS_ENDPOINT_URL")
        if url:
            return url.rstrip("/")
        return f"https://{service}.{self.region}.amazonaws.com"

    def sign(
        self, service: str, method: str, url: str, body: bytes, headers: Mapping[str, str], now: dt.datetime
    ) -> dict[str, str]:
        """The headers to send for ``method url`` (``url`` already percent-encoded): SigV4, with
        ``x-amz-content-sha256`` (required by S3) and the session token when there is one. Pure."""
        parts = urllib.parse.urlsplit(url)
        amz_date, day = now.strftime("%Y%m%dT%H%M%SZ"), now.strftime("%Y%m%d")
        payload = _sha256(body)
        hdrs = {"host": parts.netloc, "x-amz-date": amz_date, "x-amz-content-sha256": payload}
        hdrs.update({k.lower(): v for k, v in headers.items()})
        creds = self.chain.get()
        token = creds.session_token
        if token:
            hdrs["x-amz-security-token"] = token
        signed = ";".join(sorted(hdrs))
        canonical_headers = "".join(f"{k}:{' '.join(hdrs[k].split())}\n" for k in sorted(hdrs))
        canonical = "\n".join([method, parts.path or "/", parts.query, canonical_headers, signed, payload])
        scope = f"{day}/{self.region}/{service}/aws4_request"
        to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, _sha256(canonical.encode())])
        secret = creds.secret_access_key
        key = _hmac(_hmac(_hmac(_hmac(f"AWS4{secret}".encode(), day), self.region), service), "aws4_request")
        signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
        access = creds.access_key_id
        hdrs["authorization"] = (
            f"AWS4-HMAC-SHA256 Credential={access}/{scope}, SignedHeaders={signed}, Signature={signature}"
        )
        return hdrs

    def request(
        self, service: str, method: str, path: str, body: bytes = b"", headers: Mapping[str, str] | None = None
    ) -> Response:
        base = urllib.parse.urlsplit(self.endpoint(service))
        url = f"{base.scheme}://{base.netloc}" + urllib.parse.quote(base.path.rstrip("/") + path, safe="/-_.~")
        hdrs = self.sign(service, method, url, body, headers or {}, dt.datetime.now(dt.UTC))
        del hdrs["host"]  # urllib sends it
        req = urllib.request.Request(url, data=body if method in {"PUT", "POST"} else None, method=method, headers=hdrs)
        try:
            with urllib.request.urlopen(req, timeout=TIMEOUT_S) as resp:
                return Response(resp.status, {k.lower(): v for k, v in resp.headers.items()}, resp.read())
        except urllib.error.HTTPError as err:
            text = err.read().decode("utf-8", "replace")
            code = _tag(text, "Code") or f"HTTP{err.code}"
            raise AwsError(code, err.code, _tag(text, "Message") or err.reason) from None

    # S3 ------------------------------------------------------------------------------------------
    def _object(self, bucket: str, key: str) -> str:
        return f"/{bucket}/{key}"

    def get_object(self, bucket: str, key: str) -> tuple[bytes, str]:
        resp = self.request("s3", "GET", self._object(bucket, key))
        return resp.body, resp.headers.get("etag", "").strip('"')

    def put_object(self, bucket: str, key: str, body: bytes) -> str:
        resp = self.request("s3", "PUT", self._object(bucket, key), body, {"content-type": "application/octet-stream"})
        return resp.headers.get("etag", "").strip('"')

    def delete_object(self, bucket: str, key: str) -> None:
        self.request("s3", "DELETE", self._object(bucket, key))

    # STS -----------------------------------------------------------------------------------------
    def caller_arn(self) -> str:
        body = b"Action=GetCallerIdentity&Version=2011-06-15"
        resp = self.request("sts", "POST", "/", body, {"content-type": "application/x-www-form-urlencoded"})
        arn = _tag(resp.body.decode("utf-8", "replace"), "Arn")
        if not arn:
            raise AwsError("NoArn", resp.status, "GetCallerIdentity answered without an Arn")
        return arn


def _tag(xml: str, name: str) -> str | None:
    match = re.search(rf"<{name}>([^<]*)</{name}>", xml)
    return match.group(1) if match else None


def from_environment(region: str) -> AwsHttp:
    return AwsHttp(dict(os.environ), region)
