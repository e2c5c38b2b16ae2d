"""Just enough AWS for the sample provider, without boto3 (whose import costs ~0.5 s of CPU in every
plugin process terraform starts): S3 get/put/delete object (path-style) and STS GetCallerIdentity,
signed with Signature Version 4 from the standard environment variables.

Endpoints: ``AWS_ENDPOINT_URL_S3`` / ``AWS_ENDPOINT_URL_STS``, else ``AWS_ENDPOINT_URL`` (a moto server),
else the public regional endpoints. Credentials: ``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY`` and
optional ``AWS_SESSION_TOKEN``. Errors raise :class:`AwsError` with the AWS error code; nothing secret
is ever put in a message.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import os
import re
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


class AwsHttp:
    """Signed requests with the credentials and endpoints of ``environ``. Thread-safe (no shared state)."""

    def __init__(self, environ: Mapping[str, str], region: str) -> None:
        self.environ = environ
        self.region = region

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
        token = self.environ.get("AWS_SESSION_TOKEN")
        if token:
            hdrs["x-amz-security-token"] = token
        signed = ";".join(sorted(hdrs))
        canonical_headers = "".join(f"{k}:{' '.join(hdrs[k].split())}\n" for k in sorted(hdrs))
        canonical = "\n".join([method, parts.path or "/", parts.query, canonical_headers, signed, payload])
        scope = f"{day}/{self.region}/{service}/aws4_request"
        to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, _sha256(canonical.encode())])
        secret = self.environ.get("AWS_SECRET_ACCESS_KEY", "")
        key = _hmac(_hmac(_hmac(_hmac(f"AWS4{secret}".encode(), day), self.region), service), "aws4_request")
        signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
        access = self.environ.get("AWS_ACCESS_KEY_ID", "")
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
