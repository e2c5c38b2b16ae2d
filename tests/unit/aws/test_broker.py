"""The credential broker's pure rules: profiles, grants, wire format, environment."""

from __future__ import annotations

import configparser
import shlex
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from orchestrator.aws import broker_protocol as proto
from orchestrator.aws.broker import HELPER
from orchestrator.aws.model import AssumeRequest, Credentials

A = AssumeRequest("arn:aws:iam::111111111111:role/deploy", "tgo-run")
B = AssumeRequest("arn:aws:iam::222222222222:role/deploy", "tgo-run")
EXPIRES = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
SECRET = "s3cr3t-value-never-logged"


def creds_for(request: AssumeRequest, n: int = 1) -> Credentials:
    return Credentials(f"ASIA{request.role_arn[13:25]}{n}", SECRET + str(n), "token" + str(n), EXPIRES)


# -- pure rules -------------------------------------------------------------------------------------


def test_profile_names_are_stable_safe_and_differ_per_session() -> None:
    assert proto.profile_name(A) == proto.profile_name(replace(A))
    assert proto.profile_name(A).startswith("tgo-111111111111-deploy-")
    assert proto.profile_name(A) != proto.profile_name(B)
    assert proto.profile_name(A) != proto.profile_name(replace(A, duration_seconds=900))
    with_token = replace(A, web_identity_token="eyJ.secret.jwt")
    assert "secret" not in proto.profile_name(with_token)
    assert proto.profile_name(with_token) != proto.profile_name(A)


def test_config_file_holds_commands_that_sdks_split_back_into_the_same_words(tmp_path: Path) -> None:
    sock = tmp_path / "dir with space" / "broker.sock"
    command = proto.helper_command(("/venv/bin/python", "-I", "-S", str(HELPER)), sock, "tgo-1-x-abc")
    text = proto.config_text({"tgo-1-x-abc": command})
    parser = configparser.ConfigParser()
    parser.read_string(text)
    line = parser["profile tgo-1-x-abc"]["credential_process"]
    assert shlex.split(line) == ["/venv/bin/python", "-I", "-S", str(HELPER), "--socket", str(sock), "tgo-1-x-abc"]


def test_process_credentials_report_expiry_minus_margin() -> None:
    out = proto.process_credentials(creds_for(A), timedelta(minutes=10))
    assert out["Version"] == 1 and out["SessionToken"] == "token1"
    assert out["Expiration"] == "2030-01-01T11:50:00Z"
    never = proto.process_credentials(replace(creds_for(A), expiration=None), timedelta(minutes=10))
    assert "Expiration" not in never


def test_grants_serve_own_and_dependency_profiles_only() -> None:
    grants = proto.Grants()
    dep, new = grants.register("/live/vpc", B)
    assert new
    app, _ = grants.register("/live/app", A, ["/live/vpc"])
    other, _ = grants.register("/live/other", A)
    assert app.token != other.token and len(app.token) == 64
    assert grants.authorize(proto.profile_name(A), app.token) == A
    assert grants.authorize(proto.profile_name(B), app.token) == B, "dependency outputs are read under B"
    with pytest.raises(PermissionError, match="does not grant") as info:
        grants.authorize(proto.profile_name(A), dep.token)
    assert dep.token not in str(info.value)
    with pytest.raises(PermissionError, match="unknown capability"):
        grants.authorize(proto.profile_name(A), "0" * 64)
    again, new_again = grants.register("/live/app", A, ["/live/vpc"])
    assert again.token == app.token and not new_again


def test_parse_request_rejects_garbage_with_reasons() -> None:
    assert proto.parse_request(proto.encode_request("p", "ab" * 32)) == ("p", "ab" * 32)
    for raw, reason in [
        (b"nope", "not JSON"),
        (b"[]", "not a JSON object"),
        (b'{"v": 9, "profile": "p", "token": "t"}', "version"),
        (b'{"v": 1, "token": "t"}', "no profile"),
        (b'{"v": 1, "profile": "p", "token": ""}', "TGO_BROKER_TOKEN"),
        (b"x" * 5000, "too large"),
    ]:
        with pytest.raises(proto.ProtocolError, match=reason):
            proto.parse_request(raw)


def test_broker_env_removes_everything_that_beats_the_profile(tmp_path: Path) -> None:
    environ = {"AWS_ACCESS_KEY_ID": "AKIA", "AWS_CONTAINER_FOO": "x", "AWS_REGION": "us-east-1", "PATH": "/bin"}
    grant = proto.ModuleGrant("tgo-p", frozenset({"tgo-p"}), "ab" * 32)
    overlay = proto.broker_env(grant, proto.BrokerFiles(tmp_path), environ)
    for name in ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"]:
        assert overlay[name] is None
    assert overlay["AWS_CONTAINER_FOO"] is None and overlay["AWS_ROLE_ARN"] is None
    assert overlay["AWS_WEB_IDENTITY_TOKEN_FILE"] is None
    assert overlay["AWS_PROFILE"] == "tgo-p" and overlay["AWS_EC2_METADATA_DISABLED"] == "true"
    assert overlay["AWS_SHARED_CREDENTIALS_FILE"] == str(tmp_path / proto.CREDENTIALS_FILE_NAME)
    assert overlay["AWS_CONFIG_FILE"] == str(tmp_path / proto.CONFIG_FILE_NAME)
    assert overlay[proto.TOKEN_ENV] == grant.token
    assert "AWS_REGION" not in overlay and "PATH" not in overlay
    assert grant.token not in repr(grant)


def test_the_helpers_hand_made_request_is_what_the_broker_parses() -> None:
    from orchestrator.aws.credential_helper import request_line

    assert proto.parse_request(request_line("tgo-1-x-ab12", "ab" * 32)) == ("tgo-1-x-ab12", "ab" * 32)
    with pytest.raises(proto.ProtocolError, match="no capability token"):
        proto.parse_request(request_line("tgo-1-x-ab12", 'x"}, "v": 2'))
