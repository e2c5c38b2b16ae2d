"""Role chains (``--auth-provider-cmd``, as Terragrunt does it): the module's role is assumed *with*
the command's credentials, or with its ``awsRole`` session, never with the base credentials."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from orchestrator.aws.auth_provider import AuthProvider, provider_source
from orchestrator.aws.credentials import CredentialCache
from orchestrator.aws.model import AssumeRequest, CallerIdentity, Credentials
from tests.unit.aws.conftest import FakeSts, ManualClock

ROLE = AssumeRequest("arn:aws:iam::111111111111:role/deploy", "tgo-test", 7200)
MARGIN = timedelta(minutes=5)


def _source(arn: str) -> Credentials:
    return Credentials("AKSOURCE", "source-secret", "source-token", None, CallerIdentity("999999999999", arn, "x"))


def test_the_role_is_assumed_with_the_source_credentials_once_per_session(sts: FakeSts, clock: ManualClock) -> None:
    asked: list[AssumeRequest] = []
    source = _source("arn:aws:iam::999999999999:user/ci")

    def give(request: AssumeRequest) -> Credentials:
        asked.append(request)
        return source

    cache = CredentialCache(sts, clock, refresh_margin=MARGIN, source=give)
    first = cache.get(ROLE)
    assert cache.get(ROLE) is first
    assert sts.sources == [source] and asked == [ROLE], "the source is asked only when a session is assumed"
    assert sts.durations == [7200], "a user's credentials are not a chain: the duration stands"
    clock.advance(7200 - 300)
    cache.get(ROLE)
    assert sts.sources == [source, source] and asked == [ROLE, ROLE]


def test_a_source_that_is_an_assumed_role_clamps_the_duration_to_an_hour(sts: FakeSts, clock: ManualClock) -> None:
    warned: list[str] = []
    source = _source("arn:aws:sts::999999999999:assumed-role/ci/provider")
    cache = CredentialCache(sts, clock, refresh_margin=MARGIN, source=lambda _r: source, warn=warned.append)
    cache.get(ROLE)
    assert sts.durations == [3600] and "assumed-role/ci/provider" in warned[0]
    assert sts.calls["GetCallerIdentity"] == 0, "who the source is came with it"


def test_no_source_means_the_base_credentials(sts: FakeSts, clock: ManualClock) -> None:
    cache = CredentialCache(sts, clock, refresh_margin=MARGIN, source=lambda _r: None)
    cache.get(AssumeRequest(ROLE.role_arn, "s"))
    assert sts.sources == [None]


def _provider(tmp_path: Path, answer: dict[str, object], clock: ManualClock) -> AuthProvider:
    script = tmp_path / "p.sh"
    script.write_text(f"#!/bin/sh\necho '{json.dumps(answer)}'\n")
    script.chmod(0o755)
    return AuthProvider([str(script)], {"PATH": "/usr/bin:/bin"}, tmp_path, clock, margin=MARGIN)


def test_provider_source_follows_terragrunts_order(tmp_path: Path, clock: ManualClock) -> None:
    assumed: list[AssumeRequest] = []
    ci = Credentials("AKCI", "ci-secret", "ci-token", None)

    def assume(request: AssumeRequest) -> Credentials:
        assumed.append(request)
        return ci

    creds = {"ACCESS_KEY_ID": "AK", "SECRET_ACCESS_KEY": "SK"}
    role = {"roleARN": "arn:aws:iam::999999999999:role/ci", "roleSessionName": "ci"}
    given = provider_source(_provider(tmp_path, {"awsCredentials": creds, "awsRole": role}, clock), assume, "s")(ROLE)
    assert given is not None and given.access_key_id == "AK" and assumed == [], "awsCredentials win over awsRole"
    got = provider_source(_provider(tmp_path, {"awsRole": role}, clock), assume, "s")(ROLE)
    assert got is ci and assumed == [AssumeRequest(role["roleARN"], "ci")], "awsRole is assumed, then chained from"
    assert provider_source(_provider(tmp_path, {"envs": {"A": "1"}}, clock), assume, "s")(ROLE) is None
