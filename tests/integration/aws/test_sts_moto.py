"""The cache against a real moto server: STS calls counted at the server, faults injected there."""

from __future__ import annotations

import random
import threading
from datetime import timedelta
from pathlib import Path

import pytest

from orchestrator.app.auth import AwsAuth
from orchestrator.aws.backoff import Backoff
from orchestrator.aws.credentials import BaseIdentityError, CredentialCache
from orchestrator.aws.model import AssumeRequest
from orchestrator.aws.roles import RoleOverrides
from orchestrator.aws.sts import BotoStsClient
from orchestrator.config.models import ModuleConfig
from orchestrator.errors import AuthError
from orchestrator.runtime import Console, Runtime
from tests.integration.aws.conftest import ROLES, OffsetClock
from tests.support.moto_server import MotoServer

pytestmark = pytest.mark.e2e
FAST = Backoff(max_attempts=6, base_delay=0.01, max_delay=0.05, rng=random.Random(1))


def cache_for(moto: MotoServer, clock: OffsetClock, **kw: object) -> CredentialCache:
    kw.setdefault("backoff", FAST)
    return CredentialCache(BotoStsClient(moto.env()), clock, **kw)  # type: ignore[arg-type]


def test_many_threads_three_roles_three_calls_at_the_server(moto: MotoServer, clock: OffsetClock) -> None:
    cache = cache_for(moto, clock)
    requests = [AssumeRequest(role, "tgo-it", 900) for role in ROLES]
    barrier = threading.Barrier(30)
    got: list[str] = []

    def worker(i: int) -> None:
        barrier.wait()
        got.append(cache.get(requests[i % 3]).access_key_id)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(30)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert moto.calls("AssumeRole") == 3
    assert sorted(moto.assumed_roles()) == sorted(ROLES)
    assert len(set(got)) == 3
    assert cache.stats()["cache_hits"] == 27


def test_refresh_before_expiry_with_a_jumping_clock(moto: MotoServer, clock: OffsetClock) -> None:
    cache = cache_for(moto, clock, refresh_margin=timedelta(minutes=5))
    request = AssumeRequest(ROLES[0], "tgo-expiry", 900)
    first = cache.get(request)
    clock.advance(500)  # 400 s left: still outside the 300 s margin
    assert cache.get(request) is first
    assert moto.calls("AssumeRole") == 1
    clock.advance(110)  # 290 s left: inside the margin
    moto.set_time_offset(clock.offset)  # the server's clock moved too
    second = cache.get(request)
    assert second.access_key_id != first.access_key_id
    assert second.expiration is not None and second.expiration - clock.now() > timedelta(minutes=5)
    assert moto.calls("AssumeRole") == 2
    assert cache.stats()["refreshes"] == 1


def test_throttling_at_the_server_is_retried(moto: MotoServer, clock: OffsetClock) -> None:
    fault = moto.throttle(2)
    cache = cache_for(moto, clock)
    creds = cache.get(AssumeRequest(ROLES[1], "tgo-throttle", 900))
    assert creds.identity is not None and creds.identity.account_id == "222222222222"
    assert fault.hits == 2
    assert moto.calls("AssumeRole") == 3
    assert cache.stats()["throttled_retries"] == 2
    assert len(clock.sleeps) == 2


@pytest.mark.parametrize("status", [429, 503])
def test_http_429_and_503_are_retried(moto: MotoServer, clock: OffsetClock, status: int) -> None:
    from tests.support.moto_server import Fault

    moto.inject(Fault("AssumeRole", "ServiceUnavailable", "try later", status=status, times=1))
    cache = cache_for(moto, clock)
    cache.get(AssumeRequest(ROLES[2], "tgo-status", 900))
    assert moto.calls("AssumeRole") == 2
    assert cache.stats()["throttled_retries"] == 1


def test_access_denied_names_the_role_and_its_modules(moto: MotoServer, clock: OffsetClock, tmp_path: Path) -> None:
    moto.deny(ROLES[1])
    out = tmp_path / "console.txt"
    with out.open("w") as fh:
        runtime = Runtime(environ=moto.env(), cwd=tmp_path, clock=clock, console=Console(out=fh, err=fh, color=False))
        auth = AwsAuth.build(runtime, RoleOverrides(), backoff=FAST)
        configs = [
            ModuleConfig(path=tmp_path / n, config_file=tmp_path / n / "terragrunt.hcl", iam_role=ROLES[i % 2])
            for i, n in enumerate(["vpc", "app", "db", "dns"])
        ]
        with pytest.raises(AuthError) as info:
            auth.preflight(configs)
    text = info.value.format()
    assert f"cannot assume {ROLES[1]}: AccessDenied" in text
    assert "app, dns" in text
    assert "vpc" not in text
    assert moto.calls("AssumeRole") == 2


def test_web_identity_token_uses_assume_role_with_web_identity(
    moto: MotoServer, clock: OffsetClock, tmp_path: Path
) -> None:
    token_file = tmp_path / "token"
    token_file.write_text("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ0Z28ifQ.c2ln\n")
    runtime = Runtime(environ=moto.env(), cwd=tmp_path, clock=clock)
    auth = AwsAuth.build(runtime, RoleOverrides(web_identity_token=str(token_file)), backoff=FAST)
    cfg = ModuleConfig(path=tmp_path, config_file=tmp_path / "terragrunt.hcl", iam_role=ROLES[0])
    env = auth.credentials_env(cfg)
    assert env["AWS_ACCESS_KEY_ID"]
    assert moto.calls("AssumeRoleWithWebIdentity") == 1
    assert moto.calls("AssumeRole") == 0


def test_role_chaining_clamps_the_duration_at_the_server(moto: MotoServer, clock: OffsetClock, tmp_path: Path) -> None:
    base = CredentialCache(BotoStsClient(moto.env()), clock).get(AssumeRequest(ROLES[0], "sso-admin", 3600))
    env = {**moto.env(), **{k: v for k, v in base.environment().items() if v is not None}}
    warnings: list[str] = []
    cache = CredentialCache(BotoStsClient(env), clock, warn=warnings.append, backoff=FAST)
    moto.reset_counts()
    cache.get(AssumeRequest(ROLES[1], "chained", 7200))
    cache.get(AssumeRequest(ROLES[2], "chained", 7200))
    assert [r["DurationSeconds"] for r in moto.assume_requests()] == ["3600", "3600"]
    assert len(warnings) == 1 and "role chaining" in warnings[0]


def test_base_credentials_come_from_the_runtime_environment_not_os_environ(
    moto: MotoServer, clock: OffsetClock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    env = {
        "AWS_ENDPOINT_URL_STS": moto.url,
        "AWS_CONFIG_FILE": str(tmp_path / "none"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"),
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_REGION": "us-east-1",
    }
    cache = CredentialCache(BotoStsClient(env), clock, backoff=FAST)
    with pytest.raises(BaseIdentityError, match="NoCredentials"):
        cache.identity(None)
    assert moto.calls("GetCallerIdentity") == 0
    env.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing")
    who = CredentialCache(BotoStsClient(env), clock).identity(None)
    assert who.account_id == "123456789012"
    assert moto.calls("GetCallerIdentity") == 1


def test_a_profile_named_in_the_runtime_environment_is_honoured(
    moto: MotoServer, clock: OffsetClock, tmp_path: Path
) -> None:
    creds = tmp_path / "credentials"
    creds.write_text("[dev]\naws_access_key_id = testing\naws_secret_access_key = testing\n")
    env = {
        "AWS_ENDPOINT_URL": moto.url,
        "AWS_PROFILE": "dev",
        "AWS_SHARED_CREDENTIALS_FILE": str(creds),
        "AWS_CONFIG_FILE": str(tmp_path / "none"),
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    assert CredentialCache(BotoStsClient(env), clock).identity(None).account_id == "123456789012"
    assert moto.calls("GetCallerIdentity") == 1


def test_refresh_margin_from_the_environment(moto: MotoServer, tmp_path: Path) -> None:
    runtime = Runtime(environ={**moto.env(), "TGO_IAM_REFRESH_MARGIN": "600"}, cwd=tmp_path)
    assert AwsAuth.build(runtime, RoleOverrides()).cache.refresh_margin == timedelta(minutes=10)
