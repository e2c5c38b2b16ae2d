"""Fixtures for AWS integration tests: one moto server per session (counters and faults reset per
test), roles created with IAM in three accounts, and a clock that can jump ahead of real time."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from tests.support.moto_server import MotoServer

ACCOUNTS = ("111111111111", "222222222222", "333333333333")
ROLES = tuple(f"arn:aws:iam::{a}:role/deploy-{i}" for i, a in enumerate(ACCOUNTS))
TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}],
    }
)


class OffsetClock:
    """Real time plus an offset the test moves forward; ``sleep`` only records (no waiting)."""

    def __init__(self) -> None:
        self.offset = timedelta()
        self.sleeps: list[float] = []
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return datetime.now(UTC) + self.offset

    def monotonic(self) -> float:
        return self.now().timestamp()

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.sleeps.append(seconds)

    def advance(self, seconds: float) -> None:
        with self._lock:
            self.offset += timedelta(seconds=seconds)


def _client(moto: MotoServer, service: str, creds: dict[str, Any] | None = None) -> Any:
    kw: dict[str, Any] = {"endpoint_url": moto.url, "region_name": "us-east-1"}
    if creds is None:
        kw.update(aws_access_key_id="testing", aws_secret_access_key="testing")
    else:
        kw.update(
            aws_access_key_id=creds["AccessKeyId"],
            aws_secret_access_key=creds["SecretAccessKey"],
            aws_session_token=creds["SessionToken"],
        )
    return boto3.client(service, **kw)


def create_roles(moto: MotoServer) -> None:
    """Create each role in its own account (as an admin of that account), then forget the setup calls."""
    sts = _client(moto, "sts")
    for account, role in zip(ACCOUNTS, ROLES, strict=True):
        admin = sts.assume_role(
            RoleArn=f"arn:aws:iam::{account}:role/OrganizationAccountAccessRole", RoleSessionName="setup"
        )
        iam = _client(moto, "iam", admin["Credentials"])
        iam.create_role(RoleName=role.rsplit("/", 1)[1], AssumeRolePolicyDocument=TRUST)
    moto.reset_counts()


@pytest.fixture(scope="session")
def moto_aws() -> Iterator[MotoServer]:
    srv = MotoServer().start()
    create_roles(srv)
    try:
        yield srv
    finally:
        srv.stop()


@pytest.fixture
def moto(moto_aws: MotoServer) -> Iterator[MotoServer]:
    moto_aws.reset_counts()
    moto_aws.clear_faults()
    yield moto_aws
    moto_aws.clear_faults()
    moto_aws.set_time_offset(timedelta())


@pytest.fixture
def clock() -> OffsetClock:
    return OffsetClock()
