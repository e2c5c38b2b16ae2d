"""The committed stack repository end to end, as a user runs it: ``tgo run-all apply`` from a clean
checkout generates the stacks, orders units by the dependencies their values name, applies each
under its account's role with S3 state in that account (real terraform 1.0.3, a moto server); a
second plan is clean and ``stack output --format json`` shows every unit's outputs."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from tests.integration.stacks.conftest import StackRepo, copy_sample
from tests.support.cli import run_tgo
from tests.support.moto_server import MotoServer
from tests.support.terraform import terraform_env, terraform_path

pytestmark = pytest.mark.e2e

ACCOUNTS = {"dev": "111111111111", "prod": "222222222222"}
TRUST = json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}]}
)
UNITS = {
    "dev/.terragrunt-stack/service/.terragrunt-stack/network": "dev",
    "dev/.terragrunt-stack/service/.terragrunt-stack/app": "dev",
    "dev/dns": "dev",
    "prod/.terragrunt-stack/network": "prod",
    "prod/.terragrunt-stack/app": "prod",
}
# unit -> the unit it must follow (from values.network_path)
AFTER = {
    "dev/.terragrunt-stack/service/.terragrunt-stack/app": "dev/.terragrunt-stack/service/.terragrunt-stack/network",
    "dev/dns": "dev/.terragrunt-stack/service/.terragrunt-stack/network",
    "prod/.terragrunt-stack/app": "prod/.terragrunt-stack/network",
}
OUTPUTS = {
    "dev": {
        "service": {
            "network": {"vpc_id": "vpc-dev-net", "cidr": "10.10.0.0/16"},
            "app": {"endpoint": "dev-app.vpc-dev-net:1"},
        },
        "dns": {"zone": "dev.example.internal@vpc-dev-net"},
    },
    "prod": {
        "network": {"vpc_id": "vpc-prod-net", "cidr": "10.20.0.0/16"},
        "app": {"endpoint": "prod-app.vpc-prod-net:3"},
    },
}


def _admin(moto: MotoServer, account: str, service: str) -> Any:
    kw: dict[str, Any] = {"endpoint_url": moto.url, "region_name": "us-east-1"}
    sts = boto3.client("sts", aws_access_key_id="testing", aws_secret_access_key="testing", **kw)
    creds = sts.assume_role(
        RoleArn=f"arn:aws:iam::{account}:role/OrganizationAccountAccessRole", RoleSessionName="setup"
    )["Credentials"]
    return boto3.client(
        service,
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
        **kw,
    )


@pytest.fixture(scope="module")
def moto() -> Iterator[MotoServer]:
    srv = MotoServer().start()
    try:
        for account in ACCOUNTS.values():
            # moto keeps one backend per process: another test module of this worker may have made the
            # same role already (its server is gone, its state is not).
            try:
                _admin(srv, account, "iam").create_role(RoleName="tgo-deploy", AssumeRolePolicyDocument=TRUST)
            except ClientError as exc:
                if exc.response["Error"]["Code"] != "EntityAlreadyExists":
                    raise
            _admin(srv, account, "s3").create_bucket(Bucket=f"tgo-stacks-state-{account}")
        srv.reset_counts()
        yield srv
    finally:
        srv.stop()


def _env(repo: StackRepo, moto: MotoServer, home: Path) -> dict[str, str]:
    env = repo.env(TG_TF_PATH=str(terraform_path()), PYTHONPATH=str(Path(__file__).resolve().parents[3]))
    env.update(moto.env())
    env.update(terraform_env(home))
    return env


def _time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def test_run_all_apply_on_the_stack_repository(moto: MotoServer, tmp_path: Path) -> None:
    repo = copy_sample(tmp_path / "repo")
    env = _env(repo, moto, tmp_path / "home")
    assert not list(repo.live.rglob(".terragrunt-stack")), "a clean checkout"

    report_file = tmp_path / "apply.json"
    done = run_tgo(env, repo.live, "run-all", "apply", "--yes", "--report-file", str(report_file), timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(report_file.read_text())
    modules = {m["path"]: m for m in report["modules"]}
    assert set(modules) == set(UNITS)
    for path, account_name in UNITS.items():
        m = modules[path]
        assert m["status"] == "succeeded", m
        assert m["iam_role"] == f"arn:aws:iam::{ACCOUNTS[account_name]}:role/tgo-deploy", path
        assert m["account_id"] == ACCOUNTS[account_name]
    for unit, first in AFTER.items():
        assert _time(modules[first]["finished_at"]) <= _time(modules[unit]["started_at"]), f"{unit} before {first}"
    assert sorted(set(moto.assumed_roles())) == [f"arn:aws:iam::{a}:role/tgo-deploy" for a in ACCOUNTS.values()]
    # state went to each account's own bucket, keyed by the path under .terragrunt-stack
    for account_name, account in ACCOUNTS.items():
        listed = _admin(moto, account, "s3").list_objects_v2(Bucket=f"tgo-stacks-state-{account}")
        keys = sorted(o["Key"] for o in listed.get("Contents", []))
        assert keys == sorted(f"{p}/terraform.tfstate" for p, a in UNITS.items() if a == account_name)

    plan = run_tgo(env, repo.live, "run-all", "plan", "-detailed-exitcode", "--non-interactive", timeout=600)
    assert plan.returncode == 0, plan.stdout + plan.stderr

    # stack run: the stacks' units only (here prod's two), generated first, in dependency order
    (repo.live / "prod" / "extra").mkdir()
    (repo.live / "prod" / "extra" / "terragrunt.hcl").write_text("# not a stack unit: stack run leaves it out\n")
    stack_report = tmp_path / "stack-run.json"
    ran = run_tgo(
        env,
        repo.live / "prod",
        "stack",
        "run",
        "plan",
        "--non-interactive",
        "--report-file",
        str(stack_report),
        timeout=600,
    )
    assert ran.returncode == 0, ran.stdout + ran.stderr
    statuses = {m["path"]: m["status"] for m in json.loads(stack_report.read_text())["modules"]}
    assert statuses == {
        ".terragrunt-stack/network": "succeeded",
        ".terragrunt-stack/app": "succeeded",
        "extra": "excluded",
    }
    (repo.live / "prod" / "extra" / "terragrunt.hcl").unlink()
    (repo.live / "prod" / "extra").rmdir()

    shown = run_tgo(env, repo.live, "stack", "output", "--format", "json", timeout=300)
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout) == OUTPUTS
