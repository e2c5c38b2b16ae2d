"""Environment-credential mode: a new process never gets a session about to run out."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from orchestrator.aws.credentials import CredentialCache, RoleAssumeError, useful_lifetime
from orchestrator.aws.model import AssumeRequest, Credentials
from orchestrator.redaction import MASK, Redactor
from tests.unit.aws.conftest import FakeSts, ManualClock

REQ = AssumeRequest("arn:aws:iam::111111111111:role/deploy", "tgo-test", 3600)
MARGIN = timedelta(minutes=5)


def _cache(sts: FakeSts, clock: ManualClock, **kw: object) -> CredentialCache:
    return CredentialCache(sts, clock, refresh_margin=MARGIN, min_lifetime=timedelta(seconds=900), **kw)  # type: ignore[arg-type]


def test_new_process_gets_margin_plus_useful_lifetime_else_a_refresh(sts: FakeSts, clock: ManualClock) -> None:
    cache = _cache(sts, clock)
    first = cache.get(REQ, for_new_process=True)
    clock.advance(3600 - 300 - 900 - 1)  # 20 min + 1 s left: still good for a new process
    assert cache.get(REQ, for_new_process=True) is first
    clock.advance(2)  # 19 min 59 s left
    assert cache.get(REQ) is first  # fine for a call made now (identity, pre-flight lookups)
    fresh = cache.get(REQ, for_new_process=True)
    assert fresh is not first and sts.calls["AssumeRole"] == 2
    assert fresh.expiration is not None and fresh.expiration - clock.now() >= MARGIN + timedelta(seconds=900)


def test_a_fresh_session_too_short_for_a_new_process_is_refused(sts: FakeSts, clock: ManualClock) -> None:
    cache = _cache(sts, clock)
    sts_short = AssumeRequest(REQ.role_arn, "tgo-test", 3600)
    real = sts.assume_role

    def short(request: AssumeRequest, duration: int | None, *, source: Credentials | None = None) -> Credentials:
        return replace(real(request, duration, source=source), expiration=clock.now() + timedelta(minutes=10))

    sts.assume_role = short  # type: ignore[method-assign]
    with pytest.raises(RoleAssumeError, match="TGO_IAM_MIN_LIFETIME") as caught:
        cache.get(sts_short, for_new_process=True)
    assert caught.value.code == "SessionTooShort" and "1200 s" in caught.value.message


def test_the_shortest_sessions_stay_usable_and_are_reused_for_a_while(sts: FakeSts, clock: ManualClock) -> None:
    assert useful_lifetime(timedelta(seconds=900), MARGIN, 900) == timedelta(seconds=300)
    assert useful_lifetime(timedelta(seconds=900), MARGIN, None) == timedelta(seconds=900)
    assert useful_lifetime(timedelta(0), MARGIN, 3600) == timedelta(0)
    cache = _cache(sts, clock)
    short = AssumeRequest(REQ.role_arn, "tgo-short", 900)
    first = cache.get(short, for_new_process=True)
    clock.advance(299)
    assert cache.get(short, for_new_process=True) is first
    clock.advance(2)
    assert cache.get(short, for_new_process=True) is not first


def test_no_floor_without_min_lifetime(sts: FakeSts, clock: ManualClock) -> None:
    cache = CredentialCache(sts, clock, refresh_margin=MARGIN)
    first = cache.get(REQ, for_new_process=True)
    clock.advance(3600 - 300 - 1)
    assert cache.get(REQ, for_new_process=True) is first


def test_every_session_obtained_feeds_the_redactor(sts: FakeSts, clock: ManualClock) -> None:
    redactor = Redactor()
    cache = _cache(sts, clock, redactor=redactor)
    real = sts.assume_role

    def long_token(request: AssumeRequest, duration: int | None, *, source: Credentials | None = None) -> Credentials:
        creds = real(request, duration, source=source)
        return replace(creds, session_token=f"{creds.session_token}-{'t' * 40}")

    sts.assume_role = long_token  # type: ignore[method-assign]
    creds = cache.get(REQ)
    line = f"X-Amz-Security-Token: {creds.session_token}; key={creds.secret_access_key} id={creds.access_key_id}"
    assert redactor.redact(line) == f"X-Amz-Security-Token: {MASK}; key={MASK} id={creds.access_key_id}"
    assert redactor.redacted == 1
