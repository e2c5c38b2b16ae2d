"""``sops_decrypt_file`` with a KMS key and ``get_aws_account_alias()`` through ``tgo render --json``,
under the module's IAM role, against the moto server. The sops file's data key is encrypted by
moto's KMS (boto3, in the test) and its values by tests/support/sops_writer.py, not by tgo."""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path
from typing import Any

import boto3
import pytest

from tests.integration.aws.conftest import ACCOUNTS, ROLES
from tests.support.cli import run_tgo
from tests.support.moto_server import MotoServer
from tests.support.sops_writer import encrypt_tree, metadata, sops_json

pytestmark = pytest.mark.e2e

SECRETS = {"db": {"password": "hunter2", "port": 5432}, "flags": [True, False]}
CONTEXT = {"app": "tgo-test"}


def _admin(moto: MotoServer, account: str, service: str) -> Any:
    base = {"endpoint_url": moto.url, "region_name": "us-east-1"}
    sts = boto3.client("sts", aws_access_key_id="testing", aws_secret_access_key="testing", **base)
    creds = sts.assume_role(
        RoleArn=f"arn:aws:iam::{account}:role/OrganizationAccountAccessRole", RoleSessionName="setup"
    )["Credentials"]
    return boto3.client(
        service,
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
        **base,
    )


def _kms_sops_file(moto: MotoServer, path: Path) -> str:
    kms = _admin(moto, ACCOUNTS[0], "kms")
    arn = kms.create_key(Description="sops")["KeyMetadata"]["Arn"]
    data_key = os.urandom(32)
    blob = kms.encrypt(KeyId=arn, Plaintext=data_key, EncryptionContext=CONTEXT)["CiphertextBlob"]
    encrypted, mac = encrypt_tree(SECRETS, data_key)
    entry = {
        "arn": arn,
        "created_at": "2026-11-29T10:00:00Z",
        "enc": base64.b64encode(blob).decode(),
        "context": CONTEXT,
    }
    path.write_text(sops_json(encrypted, metadata(data_key, mac, kms=[entry])))
    return arn


def test_kms_sops_file_and_account_alias_under_the_modules_role(moto: MotoServer, tmp_path: Path) -> None:
    _admin(moto, ACCOUNTS[0], "iam").create_account_alias(AccountAlias="prod-core")
    live = tmp_path / "live"
    (live / "app").mkdir(parents=True)
    (live / "norole").mkdir()
    arn = _kms_sops_file(moto, live / "app" / "secrets.json")
    (live / "norole" / "secrets.json").write_text((live / "app" / "secrets.json").read_text())
    body = (
        "inputs = {\n"
        "  alias   = get_aws_account_alias()\n"
        '  secrets = jsondecode(sops_decrypt_file("secrets.json"))\n'
        '  again   = jsondecode(sops_decrypt_file("./secrets.json"))\n'
        "}\n"
    )
    (live / "app" / "terragrunt.hcl").write_text(f'iam_role = "{ROLES[0]}"\n{body}')
    (live / "norole" / "terragrunt.hcl").write_text('locals {\n  s = sops_decrypt_file("secrets.json")\n}\n')
    moto.reset_counts()
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path), "NO_COLOR": "1", **moto.env()}
    res = run_tgo(env, live / "app", "render", "--json", "--no-cache")
    assert res.returncode == 0, res.stderr
    inputs = json.loads(res.stdout)["inputs"]
    assert inputs == {"alias": "prod-core", "secrets": SECRETS, "again": SECRETS}
    # One role session for both functions, one KMS call for the two reads of the file.
    assert moto.calls("AssumeRole") == 1
    assert moto.calls("Decrypt", "kms") == 1
    # Without the role, the base credentials' account holds no such key: one clear error, exit 3.
    res = run_tgo(env, live, "validate", "--no-cache")
    assert res.returncode == 3
    lines = [line for line in res.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, lines
    assert (
        lines[0]
        .removeprefix("error: ")
        .startswith(
            "norole/terragrunt.hcl:2:7: locals.s: sops_decrypt_file(): cannot decrypt norole/secrets.json: "
            f"no key could decrypt the data key: kms {arn}: "
        )
    )
    assert "Traceback" not in res.stderr
    assert "hunter2" not in res.stdout + res.stderr
