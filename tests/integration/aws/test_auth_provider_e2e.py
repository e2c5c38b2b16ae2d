"""``--auth-provider-cmd`` through the CLI with the real terraform and a moto server: a script that
prints credentials of the moto server runs once per role session (not once per module), each
module's ``iam_role`` is assumed *with* what it printed (Terragrunt's chain, checked by the access key
that signed each AssumeRole at the server), the broker serves the chained sessions, and its ``envs``
reach the modules."""

from __future__ import annotations

import json
import os
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from orchestrator.aws.auth_provider import AuthProvider
from orchestrator.aws.model import AssumeRequest
from tests.integration.aws.conftest import ACCOUNTS, ROLES
from tests.support.cli import run_tgo
from tests.support.moto_server import MotoServer
from tests.support.terraform import terraform_env, terraform_path
from tests.unit.aws.conftest import ManualClock

pytestmark = pytest.mark.e2e

# Terragrunt-style: the command knows nothing of the module's role; it logs in as a CI role and
# prints that session. tgo must assume each module's iam_role *with* it (a chain).
PROVIDER = """
import json, os, sys
import boto3
role = os.environ["TGO_AUTH_ROLE_ARN"]
with open(sys.argv[1], "a") as log:
    log.write((role or "base") + "\\n")
sts = boto3.client("sts", aws_access_key_id="testing", aws_secret_access_key="testing")
c = sts.assume_role(RoleArn=sys.argv[2], RoleSessionName="from-provider")["Credentials"]
creds = {"ACCESS_KEY_ID": c["AccessKeyId"], "SECRET_ACCESS_KEY": c["SecretAccessKey"],
         "SESSION_TOKEN": c["SessionToken"], "EXPIRATION": c["Expiration"].isoformat()}
print(json.dumps({"awsCredentials": creds, "envs": {"FROM_PROVIDER": role or "base"}}))
"""
HOOK = """
import json, os, sys
import boto3
arn = boto3.client("sts").get_caller_identity()["Arn"]
json.dump({"arn": arn, "env": os.environ.get("FROM_PROVIDER")}, open(sys.argv[1], "w"))
"""
MODULE = """
%s
terraform {
  before_hook "who" {
    commands = ["plan"]
    execute  = ["%s", "%s", "${get_terragrunt_dir()}/who.json"]
  }
}
"""


def _env(tmp_path: Path, moto: MotoServer, command: str) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", ""),
        "NO_COLOR": "1",
        "TG_TF_PATH": str(terraform_path()),
        "XDG_RUNTIME_DIR": str(tmp_path),
        "TG_AUTH_PROVIDER_CMD": command,
        **moto.env(),
        **terraform_env(tmp_path / "home"),
    }


def test_each_role_is_assumed_with_the_commands_credentials_once_per_session(tmp_path: Path, moto: MotoServer) -> None:
    (tmp_path / "provider.py").write_text(PROVIDER)
    (tmp_path / "hook.py").write_text(HOOK)
    root = tmp_path / "live"
    roles = {"a1": ROLES[0], "a2": ROLES[0], "b1": ROLES[1], "base": None}
    for name, role in roles.items():
        (root / name).mkdir(parents=True)
        line = f'iam_role = "{role}"' if role else ""
        (root / name / "terragrunt.hcl").write_text(MODULE % (line, sys.executable, tmp_path / "hook.py"))
        (root / name / "main.tf").write_text('output "x" {\n  value = 1\n}\n')
    runs = tmp_path / "runs.log"
    ci = ROLES[2]
    env = _env(tmp_path, moto, f"{sys.executable} {tmp_path / 'provider.py'} {runs} {ci}")
    done = run_tgo(env, root, "run-all", "plan", "--report-file", str(tmp_path / "r.json"), timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr

    assert sorted(runs.read_text().split()) == sorted([ROLES[0], ROLES[1], "base"]), "once per session"
    provider_keys = {key for role, key in moto.issued_keys() if role == ci}
    signers = moto.assume_signers()
    assert sorted(role for role, _ in signers if role != ci) == sorted([ROLES[0], ROLES[1]]), "one STS call per role"
    assert all(key in provider_keys for role, key in signers if role != ci), "signed with the command's credentials"
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["sts"]["assume_role_calls"] == 2 and report["sts"]["broker_requests"] >= 3
    modes = {m["path"]: m["credential_mode"] for m in report["modules"]}
    assert modes == {"a1": "broker", "a2": "broker", "b1": "broker", "base": "base"}
    for name, role in roles.items():
        who = json.loads((root / name / "who.json").read_text())
        if role is None:  # no role: the command's credentials are the module's own, as in Terragrunt
            assert who["arn"].endswith("assumed-role/deploy-2/from-provider") and who["env"] == "base"
            continue
        account, role_name = role.split(":")[4], role.rsplit("/", 1)[1]
        assert who["arn"].startswith(f"arn:aws:sts::{account}:assumed-role/{role_name}/tgo-")
        assert who["env"] == role and account in ACCOUNTS


def test_an_aws_role_answer_is_assumed_once_and_each_role_chained_from_it(tmp_path: Path, moto: MotoServer) -> None:
    ci = ROLES[2]
    root = tmp_path / "live"
    for name, role in {"a": ROLES[0], "b": ROLES[1]}.items():
        (root / name).mkdir(parents=True)
        (root / name / "terragrunt.hcl").write_text(f'iam_role = "{role}"\n')
    script = tmp_path / "p.sh"
    script.write_text(f"#!/bin/sh\necho '{json.dumps({'awsRole': {'roleARN': ci, 'roleSessionName': 'ci'}})}'\n")
    script.chmod(0o755)
    done = run_tgo(_env(tmp_path, moto, str(script)), root, "auth", "check", timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr

    signers = moto.assume_signers()
    assert [role for role, _ in signers].count(ci) == 1, "the awsRole session is shared by every role session"
    assert (ci, "testing") in signers, "the awsRole itself is assumed with the base credentials"
    ci_keys = {key for role, key in moto.issued_keys() if role == ci}
    chained = [(role, key) for role, key in signers if role != ci]
    assert sorted(role for role, _ in chained) == sorted([ROLES[0], ROLES[1]])
    assert all(key in ci_keys for _, key in chained)
    assert "assumed-role/deploy-0/tgo-" in done.stdout, done.stdout


def test_the_command_runs_once_per_session_until_its_credentials_expire(tmp_path: Path) -> None:
    log = tmp_path / "log"
    script = tmp_path / "p.sh"
    script.write_text(
        f'#!/bin/sh\necho "$TGO_AUTH_ROLE_ARN" >> {log}\n'
        'echo \'{"awsCredentials": {"ACCESS_KEY_ID": "AK", "SECRET_ACCESS_KEY": "SK", '
        '"EXPIRATION": "2026-01-01T12:30:00Z"}}\'\n'
    )
    script.chmod(0o755)
    clock = ManualClock()
    provider = AuthProvider([str(script)], {"PATH": "/usr/bin:/bin"}, tmp_path, clock, margin=timedelta(minutes=5))
    a = AssumeRequest("arn:aws:iam::1:role/a", "s")
    for _ in range(3):
        provider.answer(a, "s")
        provider.answer(None, "s")
    assert log.read_text().splitlines() == ["arn:aws:iam::1:role/a", ""]
    clock.advance(26 * 60)  # inside the margin of the 12:30 expiry
    provider.answer(a, "s")
    assert provider.runs == 3
