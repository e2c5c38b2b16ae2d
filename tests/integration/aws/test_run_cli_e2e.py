"""``tgo run-all apply`` as a user runs it: real HCL with iam_role from account.hcl, the real loader,
real terraform, a moto server. get_aws_account_id() and a before_hook answer for each module's role."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from tests.integration.aws.conftest import ROLES
from tests.support.cli import run_tgo
from tests.support.moto_server import MotoServer
from tests.support.terraform import terraform_env, terraform_path

pytestmark = pytest.mark.e2e

ROOT_HCL = """
locals {
  account = read_terragrunt_config(find_in_parent_folders("account.hcl"))
}
iam_role = "arn:aws:iam::${local.account.locals.account_id}:role/${local.account.locals.role}"
inputs = {
  acct = get_aws_account_id()
}
terraform {
  before_hook "whoami" {
    commands = ["apply"]
    execute  = ["%s", "%s", "${get_terragrunt_dir()}/arn.txt"]
  }
}
"""
MAIN_TF = 'variable "acct" {\n  type = string\n}\noutput "acct" {\n  value = var.acct\n}\n'
WHOAMI = """
import sys, botocore.session
arn = botocore.session.get_session().create_client("sts").get_caller_identity()["Arn"]
open(sys.argv[1], "w").write(arn)
"""


def test_run_all_apply_under_each_modules_role(moto: MotoServer, tmp_path: Path) -> None:
    root = tmp_path / "live"
    root.mkdir()
    (tmp_path / "whoami.py").write_text(WHOAMI)
    (root / "root.hcl").write_text(ROOT_HCL % (sys.executable, tmp_path / "whoami.py"))
    modules = {}
    for i, role in enumerate(ROLES[:2]):
        account, name = role.split(":")[4], role.rsplit("/", 1)[1]
        (root / f"env{i}").mkdir()
        (root / f"env{i}" / "account.hcl").write_text(f'locals {{\n  account_id = "{account}"\n  role = "{name}"\n}}\n')
        for mod in ("a", "b"):
            d = root / f"env{i}" / mod
            d.mkdir()
            (d / "terragrunt.hcl").write_text('include "root" {\n  path = find_in_parent_folders("root.hcl")\n}\n')
            (d / "main.tf").write_text(MAIN_TF)
            modules[d] = (account, name)
    env = {"PATH": os.environ.get("PATH", ""), "NO_COLOR": "1", "TG_TF_PATH": str(terraform_path()), **moto.env()}
    env.update(terraform_env(tmp_path / "home"))
    report_file = tmp_path / "report.json"
    res = run_tgo(env, root, "run-all", "apply", "--yes", "--report-file", str(report_file))
    assert res.returncode == 0, res.stdout + res.stderr
    assert moto.calls("AssumeRole") == 2
    for d, (account, name) in modules.items():
        assert (d / "arn.txt").read_text().startswith(f"arn:aws:sts::{account}:assumed-role/{name}/tgo-")
    report = json.loads(report_file.read_text())
    assert report["sts"]["assume_role_calls"] == 2
    assert {m["account_id"] for m in report["modules"]} == {ROLES[0].split(":")[4], ROLES[1].split(":")[4]}
    states = [json.loads(p.read_text()) for p in root.rglob("terraform.tfstate")]
    accounts = sorted(s["outputs"]["acct"]["value"] for s in states)
    assert accounts == sorted(a for a, _ in modules.values()), "get_aws_account_id() answered per role"
    secrets = moto.issued_secrets()
    output = res.stdout + res.stderr
    assert not [s for s in secrets if s in output]
    for f in [*tmp_path.rglob("*")]:
        if f.is_file():
            data = f.read_bytes()
            assert not [s for s in secrets if s.encode() in data], f
