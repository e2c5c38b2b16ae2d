"""The sample provider's SigV4 signing agrees with botocore's (moto does not check signatures, AWS does)."""

from __future__ import annotations

import datetime as dt
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import botocore.auth
import pytest
from botocore.auth import S3SigV4Auth, SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

PROVIDER = Path(__file__).resolve().parents[3] / "sample-infra" / "provider"
NOW = dt.datetime(2026, 11, 23, 12, 36, 0, tzinfo=dt.UTC)
ENV = {"AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": "fake-secret-for-signing-tests"}


def load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"tgo_sample_{name}", PROVIDER / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def botocore_headers(
    auth_cls: type[SigV4Auth],
    *,
    service: str,
    method: str,
    url: str,
    body: bytes,
    headers: dict[str, str],
    token: str | None,
) -> dict[str, str]:
    request = AWSRequest(method=method, url=url, data=body, headers=headers)
    auth = auth_cls(Credentials(ENV["AWS_ACCESS_KEY_ID"], ENV["AWS_SECRET_ACCESS_KEY"], token), service, "us-east-1")
    auth.add_auth(request)
    return {k.lower(): v for k, v in request.headers.items()}


@pytest.fixture(autouse=True)
def frozen_botocore_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda *a, **k: NOW.replace(tzinfo=None))


@pytest.mark.parametrize("token", [None, "session-token-example"])
@pytest.mark.parametrize(
    ("method", "url", "body"),
    [
        ("GET", "http://127.0.0.1:5000/tgo-data-222222222222/app/dev/us-east-1/app/config.json", b""),
        ("PUT", "https://s3.us-east-1.amazonaws.com/bucket/a%20key/with~odd_chars.json", b'{"replicas": 2}'),
        ("DELETE", "https://s3.us-east-1.amazonaws.com/bucket/k", b""),
    ],
)
def test_s3_signature_matches_botocore(method: str, url: str, body: bytes, token: str | None) -> None:
    aws_http = load("aws_http")
    env = {**ENV, **({"AWS_SESSION_TOKEN": token} if token else {})}
    ours = aws_http.AwsHttp(env, "us-east-1").sign("s3", method, url, body, {}, NOW)
    theirs = botocore_headers(S3SigV4Auth, service="s3", method=method, url=url, body=body, headers={}, token=token)
    assert ours["authorization"] == theirs["authorization"]


def test_sts_signature_matches_botocore() -> None:
    aws_http = load("aws_http")
    body = b"Action=GetCallerIdentity&Version=2011-06-15"
    headers = {"content-type": "application/x-www-form-urlencoded"}
    ours = aws_http.AwsHttp(ENV, "us-east-1").sign(
        "sts", "POST", "https://sts.us-east-1.amazonaws.com/", body, headers, NOW
    )
    theirs = botocore_headers(
        S3SigV4Auth,
        service="sts",
        method="POST",
        url="https://sts.us-east-1.amazonaws.com/",
        body=body,
        headers={"Content-Type": headers["content-type"]},
        token=None,
    )
    assert ours["authorization"] == theirs["authorization"]


def test_endpoints_prefer_the_service_override() -> None:
    aws_http = load("aws_http")
    client = aws_http.AwsHttp(
        {"AWS_ENDPOINT_URL": "http://moto:1/", "AWS_ENDPOINT_URL_STS": "http://sts:2"}, "eu-west-1"
    )
    assert (client.endpoint("s3"), client.endpoint("sts")) == ("http://moto:1", "http://sts:2")
    assert aws_http.AwsHttp({}, "eu-west-1").endpoint("s3") == "https://s3.eu-west-1.amazonaws.com"


def test_credentials_come_from_credential_process_and_are_fetched_again_after_expiry(tmp_path: Path) -> None:
    """The provider resolves credentials as the SDKs do: env keys first, else the profile's
    credential_process (what tgo's broker writes), cached until ``Expiration`` and then re-run."""
    aws_http = load("aws_http")
    counter = tmp_path / "count"
    script = tmp_path / "creds.sh"
    script.write_text(
        "#!/bin/sh\n"
        f'n=$(cat "{counter}" 2>/dev/null || echo 0); n=$((n+1)); echo $n > "{counter}"\n'
        'echo "{\\"Version\\": 1, \\"AccessKeyId\\": \\"AKID$n\\", \\"SecretAccessKey\\": \\"s\\", '
        '\\"SessionToken\\": \\"t\\", \\"Expiration\\": \\"$EXP\\"}"\n'
    )
    script.chmod(0o755)
    config = tmp_path / "config"
    config.write_text(f"[profile p]\ncredential_process = {script}\n")
    empty = tmp_path / "empty"
    empty.write_text("[p]\n")
    env = {"AWS_CONFIG_FILE": str(config), "AWS_PROFILE": "p", "AWS_SHARED_CREDENTIALS_FILE": str(empty)}
    import os

    os.environ["EXP"] = "2999-01-01T00:00:00Z"
    try:
        chain = aws_http.CredentialChain(env)
        assert chain.get().access_key_id == "AKID1"
        assert chain.get().access_key_id == "AKID1", "cached until it expires"
        os.environ["EXP"] = "2000-01-01T00:00:00Z"
        chain._cached = None
        assert chain.get().access_key_id == "AKID2"
        assert chain.get().access_key_id == "AKID3", "expired: fetched again"
        headers = aws_http.AwsHttp(env, "us-east-1", chain).sign("s3", "GET", "http://h/b/k", b"", {}, NOW)
        assert "Credential=AKID4/" in headers["authorization"] and headers["x-amz-security-token"] == "t"
        keys = aws_http.CredentialChain({**env, "AWS_ACCESS_KEY_ID": "AKENV", "AWS_SECRET_ACCESS_KEY": "x"})
        assert keys.get().access_key_id == "AKENV", "environment keys win over the profile"
    finally:
        del os.environ["EXP"]
