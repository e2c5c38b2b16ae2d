"""No secret in repr/str of credentials, in errors, or in log lines."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest

from orchestrator.aws.credentials import CredentialCache
from orchestrator.aws.model import AssumeRequest, Credentials, StsError
from tests.unit.aws.conftest import FakeSts, ManualClock

SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
TOKEN = "IQoJb3JpZ2luX2VjEXAMPLETOKEN"


def test_repr_and_str_hide_the_secret_and_token() -> None:
    creds = Credentials("ASIAEXAMPLE123456", SECRET, TOKEN, datetime(2026, 1, 1, tzinfo=UTC))
    for text in (repr(creds), str(creds), f"{creds}", repr([creds]), repr({"c": creds})):
        assert SECRET not in text
        assert TOKEN not in text
        assert "ASIAEXAMPLE123456" not in text
    assert repr(creds).startswith("Credentials(access_key_id=ASIA…, expires=2026-01-01")


def test_environment_carries_them_and_removes_the_profile() -> None:
    env = Credentials("ASIAX", SECRET, TOKEN, None).environment()
    assert env["AWS_SECRET_ACCESS_KEY"] == SECRET
    assert env["AWS_SESSION_TOKEN"] == env["AWS_SECURITY_TOKEN"] == TOKEN
    assert env["AWS_PROFILE"] is None


def test_nothing_secret_is_logged_or_warned(
    caplog: pytest.LogCaptureFixture, clock: ManualClock, capsys: pytest.CaptureFixture[str]
) -> None:
    caplog.set_level(logging.DEBUG)
    sts = FakeSts(clock, base_arn="arn:aws:sts::123456789012:assumed-role/a/b")
    warnings: list[str] = []
    cache = CredentialCache(sts, clock, warn=warnings.append)  # type: ignore[arg-type]
    request = AssumeRequest("arn:aws:iam::111111111111:role/r", "s", 7200, source_identity="alice")
    creds = cache.get(request)
    sts.errors = [StsError("AccessDenied", "nope")]
    with pytest.raises(Exception) as info:
        cache.get(AssumeRequest("arn:aws:iam::111111111111:role/q", "s", 900))
    captured = capsys.readouterr()
    everything = "\n".join(
        [caplog.text, *warnings, captured.out, captured.err, info.value.args[0], repr(cache.stats())]
    )
    assert creds.secret_access_key not in everything
    assert creds.session_token is not None and creds.session_token not in everything


def test_sts_errors_are_scrubbed_of_secrets_as_a_last_guard() -> None:
    from orchestrator.aws.sts import _translated_errors

    with pytest.raises(StsError) as info, _translated_errors("jwt-secret-token", None):
        raise StsError("InvalidIdentityToken", "token jwt-secret-token is not valid")
    assert "jwt-secret-token" not in str(info.value)
    assert info.value.code == "InvalidIdentityToken"
    assert "<redacted>" in info.value.message
