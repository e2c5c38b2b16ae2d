"""``--auth-provider-cmd``: Terragrunt's JSON answer, which source names the command, caching by expiry."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from orchestrator.aws.auth_provider import command_from, parse_answer
from orchestrator.aws.model import AssumeRequest
from orchestrator.errors import AuthError, UsageError
from tests.unit.aws.conftest import T0


def test_credentials_role_and_envs_are_read_from_terragrunts_json() -> None:
    out = json.dumps(
        {
            "awsCredentials": {
                "ACCESS_KEY_ID": "AK",
                "SECRET_ACCESS_KEY": "SK",
                "SESSION_TOKEN": "ST",
                "EXPIRATION": "2026-01-01T13:00:00Z",
            },
            "envs": {"A": "1"},
        }
    )
    answer = parse_answer(out, "cmd", "s")
    assert answer.credentials is not None and answer.credentials.session_token == "ST"
    assert answer.credentials.expiration == T0 + timedelta(hours=1)
    assert dict(answer.envs) == {"A": "1"} and "SK" not in repr(answer)
    role = parse_answer(json.dumps({"awsRole": {"roleARN": "arn:aws:iam::1:role/r", "duration": 900}}), "cmd", "s")
    assert role.role == AssumeRequest("arn:aws:iam::1:role/r", "s", 900)
    assert parse_answer("{}", "cmd", "s").credentials is None


@pytest.mark.parametrize(
    ("out", "reason"),
    [
        ("not json S3CR3T", "printed no JSON"),
        ("[1]", "not an object"),
        ('{"awsCredentials": {"ACCESS_KEY_ID": "S3CR3T"}}', "needs ACCESS_KEY_ID and SECRET_ACCESS_KEY"),
        ('{"awsRole": {"duration": 1}}', "needs roleARN"),
        ('{"envs": {"A": 1}}', "envs must map"),
    ],
)
def test_bad_answers_name_the_problem_never_the_output(out: str, reason: str) -> None:
    with pytest.raises(AuthError, match=reason) as info:
        parse_answer(out, "cmd", "s")
    assert "S3CR3T" not in info.value.format()


def test_flag_beats_tg_beats_terragrunt_variable() -> None:
    env = {"TG_AUTH_PROVIDER_CMD": "tg 'a b'", "TERRAGRUNT_AUTH_PROVIDER_CMD": "old"}
    assert command_from("flag x", env) == ["flag", "x"]
    assert command_from(None, env) == ["tg", "a b"]
    assert command_from(None, {"TERRAGRUNT_AUTH_PROVIDER_CMD": "old"}) == ["old"]
    assert command_from(None, {}) is None
    with pytest.raises(UsageError):
        command_from("'unbalanced", {})
