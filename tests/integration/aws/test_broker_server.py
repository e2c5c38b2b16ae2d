"""The credential broker's socket server with a fake fetch, talked to by the real helper
(in-process and as a child process, as an SDK's credential_process would run it)."""

from __future__ import annotations

import configparser
import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import redirect_stderr, redirect_stdout
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from orchestrator.aws import broker_protocol as proto
from orchestrator.aws import credential_helper
from orchestrator.aws.broker import HELPER, CredentialBroker
from orchestrator.aws.model import AssumeRequest, Credentials
from orchestrator.errors import AuthError

A = AssumeRequest("arn:aws:iam::111111111111:role/deploy", "tgo-run")
B = AssumeRequest("arn:aws:iam::222222222222:role/deploy", "tgo-run")
EXPIRES = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
SECRET = "s3cr3t-value-never-logged"


def creds_for(request: AssumeRequest, n: int = 1) -> Credentials:
    return Credentials(f"ASIA{request.role_arn[13:25]}{n}", SECRET + str(n), "token" + str(n), EXPIRES)


# -- the server, with the real helper ------------------------------------------------------------


class Fetch:
    def __init__(self) -> None:
        self.n = 1
        self.calls: list[AssumeRequest] = []

    def __call__(self, request: AssumeRequest) -> Credentials:
        self.calls.append(request)
        if request.role_arn.endswith(":role/denied"):
            raise AuthError(f"cannot assume {request.role_arn}: AccessDenied: no")
        return creds_for(request, self.n)


@pytest.fixture
def fetch() -> Fetch:
    return Fetch()


@pytest.fixture
def logs() -> list[str]:
    return []


@pytest.fixture
def broker(tmp_path: Path, fetch: Fetch, logs: list[str]) -> Iterator[CredentialBroker]:
    b = CredentialBroker(fetch, margin=timedelta(minutes=5), base_dir=tmp_path, log=logs.append).start()
    try:
        yield b
    finally:
        b.close()


def ask(broker: CredentialBroker, profile: str, token: str) -> tuple[int, str, str]:
    assert broker.files is not None
    out, err = io.StringIO(), io.StringIO()
    old = os.environ.get(proto.TOKEN_ENV)
    os.environ[proto.TOKEN_ENV] = token
    try:
        with redirect_stdout(out), redirect_stderr(err):
            code = credential_helper.main(["--socket", str(broker.files.socket), profile])
    finally:
        if old is None:
            os.environ.pop(proto.TOKEN_ENV, None)
        else:
            os.environ[proto.TOKEN_ENV] = old
    return code, out.getvalue(), err.getvalue()


def test_directory_and_files_are_private_and_hold_no_secret(broker: CredentialBroker) -> None:
    grant = broker.grant("/live/app", A)
    files = broker.files
    assert files is not None
    assert files.directory.stat().st_mode & 0o777 == 0o700
    assert files.socket.stat().st_mode & 0o077 == 0
    assert files.empty_credentials.read_text() == ""
    config = files.config.read_text()
    assert f"[profile {grant.profile}]" in config and "credential_process" in config
    code, out, _ = ask(broker, grant.profile, grant.token)
    assert code == 0 and json.loads(out)["SecretAccessKey"] == SECRET + "1"
    for f in files.directory.iterdir():
        if f.is_file():
            assert SECRET not in f.read_text() and grant.token not in f.read_text()


def test_helper_gets_credentials_and_broker_counts_refreshes(broker: CredentialBroker, fetch: Fetch) -> None:
    grant = broker.grant("/live/app", A)
    code, out, err = ask(broker, grant.profile, grant.token)
    assert (code, err) == (0, "")
    data = json.loads(out)
    assert data["AccessKeyId"].startswith("ASIA") and data["Expiration"] == "2030-01-01T11:55:00Z"
    ask(broker, grant.profile, grant.token)
    fetch.n = 2  # the cache re-assumed: the next answer is a new session
    ask(broker, grant.profile, grant.token)
    assert broker.stats() == {"broker_requests": 3, "broker_refreshes": 1}


def test_token_of_one_module_cannot_get_another_modules_role(broker: CredentialBroker, logs: list[str]) -> None:
    a = broker.grant("/live/a", A)
    b = broker.grant("/live/b", B)
    code, out, err = ask(broker, b.profile, a.token)
    assert code == credential_helper.EXIT_REFUSED and out == ""
    assert "does not grant" in err and err.count("\n") == 1
    assert any("does not grant" in line for line in logs)
    assert not any(a.token in line for line in logs)
    code, _, err = ask(broker, a.profile, "")
    assert code == credential_helper.EXIT_REFUSED and "TGO_BROKER_TOKEN" in err


def test_a_role_that_cannot_be_assumed_is_refused_with_the_reason(broker: CredentialBroker) -> None:
    grant = broker.grant("/live/x", AssumeRequest("arn:aws:iam::111111111111:role/denied", "s"))
    code, _, err = ask(broker, grant.profile, grant.token)
    assert code == credential_helper.EXIT_REFUSED and "AccessDenied" in err


def test_another_uid_is_refused(tmp_path: Path, fetch: Fetch, logs: list[str]) -> None:
    with CredentialBroker(
        fetch, margin=timedelta(0), base_dir=tmp_path, allowed_uid=os.getuid() + 1, log=logs.append
    ) as broker:
        grant = broker.grant("/live/a", A)
        code, _, err = ask(broker, grant.profile, grant.token)
    assert code == credential_helper.EXIT_REFUSED and "may not use" in err
    assert fetch.calls == [] and any("uid" in line for line in logs)


def test_after_close_the_directory_is_gone_and_the_helper_says_so_in_one_line(
    broker: CredentialBroker,
) -> None:
    grant = broker.grant("/live/a", A)
    files = broker.files
    assert files is not None
    broker.close()
    broker.close()  # idempotent
    assert not files.directory.exists()
    env = {proto.TOKEN_ENV: grant.token, "PATH": os.environ.get("PATH", "")}
    done = subprocess.run(
        [sys.executable, "-I", "-S", str(HELPER), "--socket", str(files.socket), grant.profile],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == credential_helper.EXIT_UNREACHABLE and done.stdout == ""
    assert done.stderr.count("\n") == 1 and "has ended" in done.stderr


def test_the_helper_runs_from_the_config_file_command_as_an_sdk_would(broker: CredentialBroker) -> None:
    grant = broker.grant("/live/a", A)
    files = broker.files
    assert files is not None
    parser = configparser.ConfigParser()
    parser.read(files.config)
    command = parser[f"profile {grant.profile}"]["credential_process"]
    done = subprocess.run(
        ["sh", "-c", command], env={proto.TOKEN_ENV: grant.token}, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["Version"] == 1
