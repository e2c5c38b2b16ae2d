"""The compiled credential helper: built from credential_helper.c with the system's C compiler,
it must answer exactly as the Python helper does (same stdout, stderr and exit code) against the
real broker, and it must only be used from a directory private to this user."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from orchestrator.aws import broker_protocol as proto
from orchestrator.aws import credential_helper
from orchestrator.aws.broker import HELPER, CredentialBroker
from orchestrator.aws.model import AssumeRequest, Credentials
from orchestrator.aws.native_helper import CHOICE_ENV, native_helper
from orchestrator.errors import AuthError

pytestmark = pytest.mark.skipif(shutil.which("cc") is None, reason="needs a C compiler (cc)")

A = AssumeRequest("arn:aws:iam::111111111111:role/deploy", "tgo-run")
B = AssumeRequest("arn:aws:iam::222222222222:role/deploy", "tgo-run")
SECRET = "s3cr3t-value-never-logged"


def fetch(request: AssumeRequest) -> Credentials:
    if request.role_arn.endswith(":role/denied"):
        raise AuthError(f"cannot assume {request.role_arn}: AccessDenied: no")
    return Credentials("ASIA" + request.role_arn[13:25], SECRET, "token", datetime(2030, 1, 1, tzinfo=UTC))


@pytest.fixture(scope="module")
def native(tmp_path_factory: pytest.TempPathFactory) -> Path:
    built = native_helper(tmp_path_factory.mktemp("state"), os.environ)
    assert built is not None
    return built


@pytest.fixture
def broker(tmp_path: Path, native: Path) -> Iterator[CredentialBroker]:
    with CredentialBroker(fetch, margin=timedelta(minutes=5), base_dir=tmp_path, native=native) as b:
        yield b


def run(argv: list[str], token: str | None) -> tuple[int, str, str]:
    env = {"PATH": os.environ.get("PATH", "")}
    if token is not None:
        env[proto.TOKEN_ENV] = token
    done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    return done.returncode, done.stdout, done.stderr


def both(native: Path, args: list[str], token: str | None) -> tuple[int, str, str]:
    """The compiled helper's answer, asserted equal to the Python helper's."""
    got = run([str(native), *args], token)
    assert got == run([sys.executable, "-I", "-S", str(HELPER), *args], token)
    return got


def test_the_config_file_runs_the_compiled_helper(broker: CredentialBroker, native: Path) -> None:
    grant = broker.grant("/live/a", A)
    assert broker.files is not None
    assert f"credential_process = {native} --socket " in broker.files.config.read_text()
    assert grant.token not in broker.files.config.read_text()


def test_same_answers_as_the_python_helper(broker: CredentialBroker, native: Path) -> None:
    a = broker.grant("/live/a", A)
    b = broker.grant("/live/b", B)
    denied = broker.grant("/live/d", AssumeRequest("arn:aws:iam::111111111111:role/denied", "s"))
    assert broker.files is not None
    sock = ["--socket", str(broker.files.socket)]
    code, out, err = both(native, [*sock, a.profile], a.token)
    assert (code, err) == (0, "") and f'"SecretAccessKey": "{SECRET}"' in out.replace('":"', '": "')
    code, out, err = both(native, [*sock, b.profile], a.token)  # another module's role
    assert code == credential_helper.EXIT_REFUSED and out == "" and "does not grant" in err
    assert err.count("\n") == 1 and a.token not in err
    code, _, err = both(native, [*sock, a.profile], None)  # no token
    assert code == credential_helper.EXIT_REFUSED and "TGO_BROKER_TOKEN" in err
    code, _, err = both(native, [*sock, a.profile], "not/a token")  # refused as no token, not sent
    assert code == credential_helper.EXIT_REFUSED and "TGO_BROKER_TOKEN" in err
    code, _, err = both(native, [*sock, denied.profile], denied.token)
    assert code == credential_helper.EXIT_REFUSED and "AccessDenied" in err
    code, out, err = both(native, [*sock, "bad profile"], a.token)
    assert code == credential_helper.EXIT_USAGE and out == "" and err.startswith("tgo credential-helper: usage")
    assert both(native, ["--socket"], a.token)[0] == credential_helper.EXIT_USAGE


def test_after_the_run_it_says_so_in_one_line(broker: CredentialBroker, native: Path) -> None:
    grant = broker.grant("/live/a", A)
    assert broker.files is not None
    sock = str(broker.files.socket)
    broker.close()
    code, out, err = both(native, ["--socket", sock, grant.profile], grant.token)
    assert code == credential_helper.EXIT_UNREACHABLE and out == ""
    assert err.count("\n") == 1 and "has ended" in err and "No such file or directory" in err


def test_built_once_and_reused(tmp_path: Path) -> None:
    first = native_helper(tmp_path, os.environ)
    assert first is not None and first.parent == tmp_path / "bin"
    assert first.stat().st_mode & 0o777 == 0o700 and (tmp_path / "bin").stat().st_mode & 0o777 == 0o700
    built = first.stat().st_mtime_ns
    assert native_helper(tmp_path, os.environ) == first and first.stat().st_mtime_ns == built
    assert [p.name for p in (tmp_path / "bin").iterdir()] == [first.name]  # no build leftovers


def test_falls_back_to_the_python_helper(tmp_path: Path) -> None:
    assert native_helper(tmp_path, {**os.environ, CHOICE_ENV: "python"}) is None
    assert native_helper(None, os.environ) is None
    assert native_helper(tmp_path / "nocc", {"PATH": str(tmp_path)}) is None  # no compiler on PATH
    assert native_helper(tmp_path / "badcc", {**os.environ, "CC": "/bin/false"}) is None  # the build fails
    assert not [p for p in (tmp_path / "badcc" / "bin").iterdir()]
    shared = tmp_path / "shared"
    (shared / "bin").mkdir(parents=True)
    (shared / "bin").chmod(0o777)  # writable by others: a file there could be swapped
    assert native_helper(shared, os.environ) is None
    with CredentialBroker(fetch, margin=timedelta(0), base_dir=tmp_path, native=None) as broker:
        assert broker.helper == (sys.executable, "-I", "-S", str(HELPER))
