"""STS error messages never carry a secret out, on every call path: AssumeRole and GetCallerIdentity
under the base credentials, AssumeRoleWithWebIdentity, GetCallerIdentity under a role session.
The fault-injecting proxy in front of moto answers with messages that echo what the request
carried (the session token header, the web identity token), as a careless endpoint could."""

from __future__ import annotations

from pathlib import Path

import pytest

from orchestrator.aws.model import AssumeRequest, StsError
from orchestrator.aws.sts import BotoStsClient
from tests.integration.aws.conftest import ROLES
from tests.support.cli import run_tgo
from tests.support.moto_server import Fault, MotoServer

BASE_TOKEN = "IQoJb3JpZ2luX2VjEBASEsessionTOKENforTHEbase" + "b" * 60
WEB_TOKEN = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ0Z28ifQ.c2lnbmF0dXJlLXNlY3JldA"


def _base_env(moto: MotoServer) -> dict[str, str]:
    return {**moto.env(), "AWS_SESSION_TOKEN": BASE_TOKEN}


def _scrubbed(err: StsError, secret: str) -> None:
    assert secret not in err.message and secret not in str(err)
    assert "<redacted>" in err.message, err.message


def test_assume_role_under_base_credentials(moto: MotoServer) -> None:
    moto.inject(Fault("AssumeRole", "InvalidClientTokenId", "The security token {token} is invalid"))
    with pytest.raises(StsError) as info:
        BotoStsClient(_base_env(moto)).assume_role(AssumeRequest(ROLES[0], "tgo-scrub"), None)
    assert info.value.code == "InvalidClientTokenId"
    _scrubbed(info.value, BASE_TOKEN)


def test_get_caller_identity_under_base_credentials(moto: MotoServer) -> None:
    moto.inject(Fault("GetCallerIdentity", "ExpiredToken", "token {token} has expired"))
    with pytest.raises(StsError) as info:
        BotoStsClient(_base_env(moto)).get_caller_identity(None)
    _scrubbed(info.value, BASE_TOKEN)


def test_assume_role_with_web_identity(moto: MotoServer) -> None:
    moto.inject(Fault("AssumeRoleWithWebIdentity", "InvalidIdentityToken", "token {web_identity_token} rejected"))
    request = AssumeRequest(ROLES[0], "tgo-scrub", web_identity_token=WEB_TOKEN)
    with pytest.raises(StsError) as info:
        BotoStsClient(moto.env()).assume_role(request, None)
    _scrubbed(info.value, WEB_TOKEN)


def test_get_caller_identity_under_a_role_session(moto: MotoServer) -> None:
    sts = BotoStsClient(moto.env())
    creds = sts.assume_role(AssumeRequest(ROLES[0], "tgo-scrub"), None)
    assert creds.session_token
    moto.inject(Fault("GetCallerIdentity", "ExpiredToken", "token {token} has expired"))
    with pytest.raises(StsError) as info:
        sts.get_caller_identity(creds)
    _scrubbed(info.value, creds.session_token)


@pytest.mark.e2e
def test_auth_check_prints_no_secret_from_an_sts_error(moto: MotoServer, tmp_path: Path) -> None:
    root = tmp_path / "live"
    (root / "app").mkdir(parents=True)
    (root / "app" / "terragrunt.hcl").write_text(f'iam_role = "{ROLES[0]}"\n')
    moto.inject(Fault("AssumeRole", "InvalidClientTokenId", "The security token {token} is invalid"))
    env = {**_base_env(moto), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "NO_COLOR": "1"}
    res = run_tgo(env, root, "auth", "check")
    assert res.returncode != 0
    assert "InvalidClientTokenId" in res.stdout + res.stderr
    assert BASE_TOKEN not in res.stdout + res.stderr
