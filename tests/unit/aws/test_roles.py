"""Precedence of flags, TG_*/TERRAGRUNT_* variables and module config; token files; session names."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from orchestrator.aws.model import AssumeRequest
from orchestrator.aws.roles import RoleOverrides, RoleResolver, default_session_name
from orchestrator.config.models import SESSION_NAME_RE, ModuleConfig
from orchestrator.errors import UsageError

FLAG = "arn:aws:iam::111111111111:role/flag"
TG = "arn:aws:iam::222222222222:role/tg"
OLD = "arn:aws:iam::333333333333:role/terragrunt"
MOD = "arn:aws:iam::444444444444:role/module"


def module(tmp_path: Path, **kw: object) -> ModuleConfig:
    return ModuleConfig(path=tmp_path, config_file=tmp_path / "terragrunt.hcl", **kw)  # type: ignore[arg-type]


def resolver(overrides: RoleOverrides, tmp_path: Path) -> RoleResolver:
    return RoleResolver(overrides, "tgo-run", tmp_path)


@pytest.mark.parametrize(
    ("flag", "env", "expected"),
    [
        (FLAG, {"TG_IAM_ROLE": TG, "TERRAGRUNT_IAM_ROLE": OLD}, FLAG),
        (None, {"TG_IAM_ROLE": TG, "TERRAGRUNT_IAM_ROLE": OLD}, TG),
        (None, {"TERRAGRUNT_IAM_ROLE": OLD}, OLD),
        (None, {}, MOD),
    ],
)
def test_role_precedence(tmp_path: Path, flag: str | None, env: dict[str, str], expected: str) -> None:
    overrides = RoleOverrides.from_sources(env, role=flag)
    request = resolver(overrides, tmp_path).request_for(module(tmp_path, iam_role=MOD))
    assert request is not None
    assert request.role_arn == expected


def test_duration_and_session_precedence(tmp_path: Path) -> None:
    env = {"TG_IAM_ASSUME_ROLE_DURATION": "1800", "TERRAGRUNT_IAM_ASSUME_ROLE_SESSION_NAME": "from-env"}
    cfg = module(tmp_path, iam_role=MOD, iam_assume_role_duration=7200, iam_assume_role_session_name="from-module")
    assert resolver(RoleOverrides.from_sources(env), tmp_path).request_for(cfg) == AssumeRequest(MOD, "from-env", 1800)
    flags = RoleOverrides.from_sources(env, duration=900, session_name="from-flag")
    assert resolver(flags, tmp_path).request_for(cfg) == AssumeRequest(MOD, "from-flag", 900)
    assert resolver(RoleOverrides(), tmp_path).request_for(cfg) == AssumeRequest(MOD, "from-module", 7200)


def test_no_role_means_base_credentials(tmp_path: Path) -> None:
    assert resolver(RoleOverrides(), tmp_path).request_for(module(tmp_path)) is None
    assert resolver(RoleOverrides(), tmp_path).request_for_role(None) is None


def test_the_override_role_applies_to_modules_without_one(tmp_path: Path) -> None:
    r = resolver(RoleOverrides.from_sources({"TG_IAM_ROLE": TG}), tmp_path)
    request = r.request_for(module(tmp_path))
    assert request is not None and request.role_arn == TG
    bare = r.request_for_role(None)
    assert bare is not None and bare.role_arn == TG


def test_web_identity_token_from_a_file_relative_to_the_module(tmp_path: Path) -> None:
    (tmp_path / "token.jwt").write_text("eyJhbGciOi.payload.sig\n")
    cfg = module(tmp_path, iam_role=MOD, iam_web_identity_token="token.jwt")
    request = resolver(RoleOverrides(), tmp_path).request_for(cfg)
    assert request is not None and request.web_identity_token == "eyJhbGciOi.payload.sig"
    assert "eyJ" not in repr(request)


def test_web_identity_token_given_inline(tmp_path: Path) -> None:
    token = "eyJ" + "a" * 400 + ".b.c"  # longer than a file name may be
    overrides = RoleOverrides.from_sources({"TG_IAM_ASSUME_ROLE_WEB_IDENTITY_TOKEN": token})
    request = resolver(overrides, tmp_path).request_for(module(tmp_path, iam_role=MOD))
    assert request is not None and request.web_identity_token == token
    assert token not in repr(overrides)


@pytest.mark.parametrize(
    ("env", "attr"),
    [
        ({"TG_IAM_ROLE": "not-an-arn"}, "TG_IAM_ROLE"),
        ({"TERRAGRUNT_IAM_ASSUME_ROLE_DURATION": "10"}, "TERRAGRUNT_IAM_ASSUME_ROLE_DURATION"),
        ({"TG_IAM_ASSUME_ROLE_DURATION": "soon"}, "TG_IAM_ASSUME_ROLE_DURATION"),
        ({"TG_IAM_ASSUME_ROLE_SESSION_NAME": "has space"}, "TG_IAM_ASSUME_ROLE_SESSION_NAME"),
    ],
)
def test_bad_override_values_name_their_source(env: dict[str, str], attr: str) -> None:
    with pytest.raises(UsageError) as info:
        RoleOverrides.from_sources(env)
    assert info.value.attr == attr


def test_bad_flag_names_the_flag() -> None:
    with pytest.raises(UsageError) as info:
        RoleOverrides.from_sources({}, role="arn:aws:iam::1:role/x")
    assert info.value.attr == "--iam-role"


def test_default_session_name_is_valid_and_bounded() -> None:
    name = default_session_name(datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC), "run/with spaces" + "x" * 80)
    assert name.startswith("tgo-20260102T030405Z-")
    assert len(name) <= 64
    assert SESSION_NAME_RE.match(name)
