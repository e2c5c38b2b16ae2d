"""Where a module runs (role and account) as the run engine sees it, against a real moto server."""

from __future__ import annotations

from pathlib import Path

import pytest

from orchestrator.app.auth import AwsAuth
from orchestrator.aws.roles import RoleOverrides
from orchestrator.config.models import ModuleConfig
from orchestrator.runtime import Console, Runtime
from tests.integration.aws.conftest import ROLES
from tests.support.moto_server import MotoServer

pytestmark = pytest.mark.e2e
MOTO_BASE_ACCOUNT = "123456789012"  # moto's account for the fake base credentials


def module(tmp_path: Path, role: str | None) -> ModuleConfig:
    return ModuleConfig(path=tmp_path, config_file=tmp_path / "terragrunt.hcl", iam_role=role)


def auth(moto: MotoServer, tmp_path: Path, overrides: RoleOverrides) -> AwsAuth:
    runtime = Runtime(environ=moto.env(), cwd=tmp_path, console=Console())
    return AwsAuth.build(runtime, overrides)


def test_module_without_role_is_in_the_base_credentials_account_when_asked(moto: MotoServer, tmp_path: Path) -> None:
    a = auth(moto, tmp_path, RoleOverrides())
    assert a.placement(ask_base=True)(module(tmp_path, None)) == (None, MOTO_BASE_ACCOUNT)
    assert a.placement(ask_base=True)(module(tmp_path, None)) == (None, MOTO_BASE_ACCOUNT)
    assert moto.calls("GetCallerIdentity") == 1, "the base identity is asked once per process"
    assert a.placement(ask_base=False)(module(tmp_path, None)) == (None, None)
    assert moto.calls("AssumeRole") == 0


def test_role_override_wins_over_the_config_role(moto: MotoServer, tmp_path: Path) -> None:
    a = auth(moto, tmp_path, RoleOverrides(role=ROLES[2]))
    assert a.placement(ask_base=True)(module(tmp_path, ROLES[0])) == (ROLES[2], "333333333333")
    plain = auth(moto, tmp_path, RoleOverrides())
    assert plain.placement(ask_base=False)(module(tmp_path, ROLES[0])) == (ROLES[0], "111111111111")
    assert moto.calls("GetCallerIdentity") == 0 and moto.calls("AssumeRole") == 0
