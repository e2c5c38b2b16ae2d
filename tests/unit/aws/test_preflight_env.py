"""Pre-flight (distinct roles once, failures name role and modules) and the env/identity factories."""

from __future__ import annotations

from pathlib import Path

import pytest

from orchestrator.aws.credentials import CredentialCache
from orchestrator.aws.environment import module_env_factory, role_env_factory
from orchestrator.aws.identity import identity_factory
from orchestrator.aws.preflight import format_table, preflight
from orchestrator.aws.roles import RoleOverrides, RoleResolver
from orchestrator.config.models import ModuleConfig
from orchestrator.errors import AuthError
from tests.unit.aws.conftest import FakeSts, ManualClock

A = "arn:aws:iam::111111111111:role/a"
B = "arn:aws:iam::222222222222:role/b"


def tree(tmp_path: Path) -> list[ModuleConfig]:
    out = []
    for i in range(6):
        d = tmp_path / f"m{i}"
        role = [A, B, None][i % 3]
        out.append(ModuleConfig(path=d, config_file=d / "terragrunt.hcl", iam_role=role))
    return out


def test_preflight_assumes_each_distinct_role_once(tmp_path: Path, sts: FakeSts, clock: ManualClock) -> None:
    cache = CredentialCache(sts, clock)  # type: ignore[arg-type]
    resolver = RoleResolver(RoleOverrides(), "tgo-run", tmp_path)
    result = preflight(tree(tmp_path), cache, resolver, tmp_path)
    assert sts.calls["AssumeRole"] == 2
    assert [(r.role_arn, r.account_id, r.modules) for r in result.rows] == [
        (A, "111111111111", ("m0", "m3")),
        (B, "222222222222", ("m1", "m4")),
    ]
    assert result.base_modules == ("m2", "m5")
    table = format_table(result)
    assert table.splitlines()[0].split() == ["ROLE", "ACCOUNT", "CALLER", "ARN", "EXPIRES", "MODULES"]
    assert "assumed-role/a/tgo-run" in table and "m0, m3" in table and "(base credentials)" in table
    # the run after the pre-flight reuses the sessions
    env = module_env_factory(cache, resolver)
    for cfg in tree(tmp_path):
        env(cfg)
    assert sts.calls["AssumeRole"] == 2


def test_preflight_failure_names_role_and_modules(tmp_path: Path, sts: FakeSts, clock: ManualClock) -> None:
    sts.deny.add(B)
    cache = CredentialCache(sts, clock)  # type: ignore[arg-type]
    with pytest.raises(AuthError) as info:
        preflight(tree(tmp_path), cache, RoleResolver(RoleOverrides(), "s1", tmp_path), tmp_path)
    text = info.value.format()
    assert f"cannot assume {B}: AccessDenied" in text
    assert "m1, m4" in text
    assert A not in text
    assert info.value.exit_code == 1


def test_module_env(tmp_path: Path, sts: FakeSts, clock: ManualClock) -> None:
    cache = CredentialCache(sts, clock)  # type: ignore[arg-type]
    resolver = RoleResolver(RoleOverrides(), "s1", tmp_path)
    env = module_env_factory(cache, resolver)
    configs = tree(tmp_path)
    a_env = env(configs[0])
    assert a_env["AWS_PROFILE"] is None
    assert a_env["AWS_SESSION_TOKEN"] == a_env["AWS_SECURITY_TOKEN"]
    assert env(configs[3]) == a_env
    assert env(configs[1])["AWS_ACCESS_KEY_ID"] != a_env["AWS_ACCESS_KEY_ID"]
    assert env(configs[2]) == {}
    assert role_env_factory(cache, resolver)(A) == a_env
    assert role_env_factory(cache, resolver)(None) == {}


def test_identity_factory(tmp_path: Path, sts: FakeSts, clock: ManualClock) -> None:
    cache = CredentialCache(sts, clock)  # type: ignore[arg-type]
    ident = identity_factory(cache, RoleResolver(RoleOverrides(), "s1", tmp_path))
    assert ident(A)["account_id"] == "111111111111"
    assert ident(None) == {"account_id": "123456789012", "arn": sts.base_arn, "user_id": "AIDA"}
    ident(A)
    ident(None)
    assert sts.calls == {"AssumeRole": 1, "GetCallerIdentity": 1}
