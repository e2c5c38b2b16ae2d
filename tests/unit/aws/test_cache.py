"""CredentialCache: TTL and margin, refresh, single-flight, throttling, keys, chaining, failures."""

from __future__ import annotations

import random
import threading
from datetime import timedelta

import pytest

from orchestrator.aws.backoff import Backoff
from orchestrator.aws.credentials import BaseIdentityError, CredentialCache, RoleAssumeError
from orchestrator.aws.model import AssumeRequest, StsError
from tests.unit.aws.conftest import FakeSts, ManualClock

ROLE = "arn:aws:iam::111111111111:role/deploy"
REQ = AssumeRequest(ROLE, "tgo-test", 900)


def make(sts: FakeSts, clock: ManualClock, **kw: object) -> CredentialCache:
    kw.setdefault("backoff", Backoff(max_attempts=5, base_delay=1.0, max_delay=8.0, rng=random.Random(7)))
    return CredentialCache(sts, clock, **kw)  # type: ignore[arg-type]


def test_second_get_is_a_cache_hit(sts: FakeSts, clock: ManualClock) -> None:
    cache = make(sts, clock)
    first = cache.get(REQ)
    assert cache.get(REQ) is first
    assert sts.calls["AssumeRole"] == 1
    assert cache.stats() == {"assume_role_calls": 1, "cache_hits": 1, "refreshes": 0, "throttled_retries": 0}


def test_refreshes_inside_the_margin_and_never_hands_out_credentials_inside_it(
    sts: FakeSts, clock: ManualClock
) -> None:
    margin = timedelta(minutes=5)
    cache = make(sts, clock, refresh_margin=margin)
    first = cache.get(REQ)  # expires T0 + 900 s
    clock.advance(900 - 300 - 1)  # one second before the margin starts
    assert cache.get(REQ) is first
    clock.advance(1)  # exactly at the margin: must refresh
    second = cache.get(REQ)
    assert second is not first
    assert sts.calls["AssumeRole"] == 2
    assert cache.stats()["refreshes"] == 1
    for _ in range(20):
        clock.advance(37)
        creds = cache.get(REQ)
        assert creds.expiration is not None
        assert creds.expiration - clock.now() > margin


def test_single_flight_twenty_threads_one_call(sts: FakeSts, clock: ManualClock) -> None:
    cache = make(sts, clock)
    sts.delay.clear()  # hold the first call until every thread is waiting
    results = []
    barrier = threading.Barrier(20)

    def worker() -> None:
        barrier.wait()
        results.append(cache.get(REQ))

    threads = [threading.Thread(target=worker) for _ in range(20)]
    for t in threads:
        t.start()
    sts.delay.set()
    for t in threads:
        t.join()
    assert sts.calls["AssumeRole"] == 1
    assert len({id(r) for r in results}) == 1
    assert cache.stats()["cache_hits"] == 19


def test_distinct_roles_do_not_wait_for_each_other(sts: FakeSts, clock: ManualClock) -> None:
    cache = make(sts, clock)
    roles = [AssumeRequest(f"arn:aws:iam::11111111111{i}:role/r", "s", 900) for i in range(3)]
    threads = [threading.Thread(target=cache.get, args=(r,)) for r in roles for _ in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sts.calls["AssumeRole"] == 3


@pytest.mark.parametrize(
    "error",
    [
        StsError("Throttling", "Rate exceeded"),
        StsError("ThrottlingException", "slow down"),
        StsError("RequestLimitExceeded", "too many"),
        StsError("InternalFailure", "busy", status=503),
        StsError("Whatever", "too many", status=429),
    ],
)
def test_throttling_is_retried_with_backoff(sts: FakeSts, clock: ManualClock, error: StsError) -> None:
    cache = make(sts, clock)
    sts.errors = [error, error, error]
    creds = cache.get(REQ)
    assert creds.access_key_id.startswith("ASIA")
    assert sts.calls["AssumeRole"] == 4
    assert cache.stats()["throttled_retries"] == 3
    assert cache.stats()["assume_role_calls"] == 4
    assert len(clock.sleeps) == 3
    # full jitter under a doubling cap: 1, 2, 4 seconds
    for n, pause in enumerate(clock.sleeps):
        assert 0 <= pause <= 2**n


def test_throttling_gives_up_after_max_attempts(sts: FakeSts, clock: ManualClock) -> None:
    cache = make(sts, clock)
    sts.errors = [StsError("Throttling", "Rate exceeded")] * 10
    with pytest.raises(RoleAssumeError, match="Throttling"):
        cache.get(REQ)
    assert sts.calls["AssumeRole"] == 5
    assert cache.stats()["throttled_retries"] == 4


def test_access_denied_is_not_retried_and_names_the_role(sts: FakeSts, clock: ManualClock) -> None:
    cache = make(sts, clock)
    sts.deny.add(ROLE)
    with pytest.raises(RoleAssumeError) as info:
        cache.get(REQ)
    assert info.value.role_arn == ROLE
    assert info.value.code == "AccessDenied"
    assert f"cannot assume {ROLE}: AccessDenied" in info.value.format()
    assert "trust policy" in (info.value.hint or "")
    assert sts.calls["AssumeRole"] == 1
    assert clock.sleeps == []


def test_a_failure_is_remembered_briefly_then_retried(sts: FakeSts, clock: ManualClock) -> None:
    cache = make(sts, clock, failure_ttl=timedelta(seconds=30))
    sts.deny.add(ROLE)
    for _ in range(5):
        with pytest.raises(RoleAssumeError):
            cache.get(REQ)
    assert sts.calls["AssumeRole"] == 1
    sts.deny.clear()
    clock.advance(31)
    assert cache.get(REQ).access_key_id.startswith("ASIA")
    assert sts.calls["AssumeRole"] == 2


@pytest.mark.parametrize(
    "other",
    [
        AssumeRequest(ROLE, "other-session", 900),
        AssumeRequest(ROLE, "tgo-test", 1800),
        AssumeRequest(ROLE, "tgo-test", 900, web_identity_token="jwt-1"),
        AssumeRequest(ROLE, "tgo-test", 900, source_identity="alice"),
        AssumeRequest("arn:aws:iam::111111111111:role/other", "tgo-test", 900),
    ],
)
def test_key_includes_everything_that_changes_the_session(
    sts: FakeSts, clock: ManualClock, other: AssumeRequest
) -> None:
    cache = make(sts, clock)
    assert cache.get(REQ) is not cache.get(other)
    assert sts.calls["AssumeRole"] == 2


def test_role_chaining_clamps_to_one_hour_and_warns_once(clock: ManualClock) -> None:
    sts = FakeSts(clock, base_arn="arn:aws:sts::123456789012:assumed-role/sso-admin/alice")
    warnings: list[str] = []
    cache = make(sts, clock, warn=warnings.append)
    cache.get(AssumeRequest(ROLE, "s", 7200))
    cache.get(AssumeRequest("arn:aws:iam::222222222222:role/x", "s", 43200))
    cache.get(AssumeRequest("arn:aws:iam::333333333333:role/x", "s", 900))
    assert sts.durations == [3600, 3600, 900]
    assert len(warnings) == 1
    assert "role chaining" in warnings[0] and "7200" in warnings[0]
    assert sts.calls["GetCallerIdentity"] == 1


def test_no_clamp_when_the_base_identity_is_a_user(sts: FakeSts, clock: ManualClock) -> None:
    warnings: list[str] = []
    cache = make(sts, clock, warn=warnings.append)
    cache.get(AssumeRequest(ROLE, "s", 7200))
    assert sts.durations == [7200]
    assert warnings == []


def test_broken_base_credentials_are_an_auth_error(clock: ManualClock) -> None:
    sts = FakeSts(clock)
    sts.errors = [StsError("ExpiredToken", "The security token included in the request is expired")]
    cache = make(sts, clock)
    with pytest.raises(BaseIdentityError, match="ExpiredToken"):
        cache.identity(None)


def test_identity_uses_the_assume_answer_and_caches(sts: FakeSts, clock: ManualClock) -> None:
    cache = make(sts, clock)
    who = cache.identity(REQ)
    assert who.account_id == "111111111111"
    assert ":assumed-role/deploy/" in who.arn
    assert cache.identity(REQ) == who
    assert cache.identity(None).arn.endswith("user/alice")
    cache.identity(None)
    assert sts.calls == {"AssumeRole": 1, "GetCallerIdentity": 1}


def test_session_shorter_than_the_margin_is_refused(sts: FakeSts, clock: ManualClock) -> None:
    cache = make(sts, clock, refresh_margin=timedelta(hours=1))
    with pytest.raises(RoleAssumeError, match="inside the refresh margin"):
        cache.get(REQ)
