"""Fakes for the AWS layer: a scripted STS client and a manual clock (no network, no sleeping)."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from orchestrator.aws.model import AssumeRequest, CallerIdentity, Credentials, StsError

T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


class ManualClock:
    """Time moves only when told to; ``sleep`` advances it and records the pause."""

    def __init__(self) -> None:
        self._now = T0
        self._lock = threading.Lock()
        self.sleeps: list[float] = []

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def monotonic(self) -> float:
        return (self.now() - T0).total_seconds()

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.sleeps.append(seconds)
            self._now += timedelta(seconds=seconds)

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._now += timedelta(seconds=seconds)


class FakeSts:
    """Issues unique credentials per call; ``errors`` is a queue of StsErrors to raise first."""

    def __init__(self, clock: ManualClock, *, base_arn: str = "arn:aws:iam::123456789012:user/alice") -> None:
        self.clock = clock
        self.base_arn = base_arn
        self.calls: Counter[str] = Counter()
        self.durations: list[int | None] = []
        self.errors: list[StsError] = []
        self.deny: set[str] = set()
        self.delay = threading.Event()  # set = no delay
        self.delay.set()
        self.issued: list[Credentials] = []
        self.sources: list[Credentials | None] = []
        self._lock = threading.Lock()

    def assume_role(
        self, request: AssumeRequest, duration_seconds: int | None, *, source: Credentials | None = None
    ) -> Credentials:
        self.delay.wait(5)
        with self._lock:
            self.calls["AssumeRole"] += 1
            self.sources.append(source)
            self.durations.append(duration_seconds)
            if self.errors:
                raise self.errors.pop(0)
            if request.role_arn in self.deny:
                raise StsError("AccessDenied", f"not authorized to assume {request.role_arn}", status=403)
            n = len(self.issued)
            account = request.role_arn.split(":")[4]
            name = request.role_arn.rsplit("/", 1)[1]
            creds = Credentials(
                access_key_id=f"ASIAFAKE{n:08d}",
                secret_access_key=f"secret-{n}-{request.role_arn}",
                session_token=f"token-{n}-xyz",
                expiration=self.clock.now() + timedelta(seconds=duration_seconds or 3600),
                identity=CallerIdentity(
                    account, f"arn:aws:sts::{account}:assumed-role/{name}/{request.session_name}", "AROA:x"
                ),
            )
            self.issued.append(creds)
            return creds

    def get_caller_identity(self, credentials: Credentials | None) -> CallerIdentity:
        with self._lock:
            self.calls["GetCallerIdentity"] += 1
            if self.errors:
                raise self.errors.pop(0)
        if credentials is None:
            return CallerIdentity(self.base_arn.split(":")[4], self.base_arn, "AIDA")
        assert credentials.identity is not None
        return credentials.identity


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def sts(clock: ManualClock) -> FakeSts:
    return FakeSts(clock)
