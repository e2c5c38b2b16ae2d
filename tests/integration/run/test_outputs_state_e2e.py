"""Dependency outputs read from S3 state objects, with the real terraform, the real ``tgo`` command and
moto's S3: equal to ``terraform output -json`` for every output type (default and another workspace,
a dependency in another account under its own role), and each fallback to terraform."""

from __future__ import annotations

import json
import os
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest

from orchestrator.app.auth import AwsAuth
from orchestrator.aws.roles import RoleOverrides
from orchestrator.config.models import ModuleConfig, RemoteState
from orchestrator.outputs.state_reader import outputs_document
from orchestrator.runtime import Console, Runtime
from tests.support.cli import run_tgo
from tests.support.console import Captured
from tests.support.moto_server import Fault, MotoServer
from tests.support.terraform import terraform_env, terraform_path

pytestmark = pytest.mark.e2e

TYPES_TF = """
variable "salt" {
  type    = string
  default = "0"
}
output "s" { value = "text-${var.salt}" }
output "n" { value = 42.5 }
output "i" { value = 12345678901 }
output "b" { value = true }
output "l" { value = ["a", var.salt] }
output "m" { value = { a = "1", b = var.salt } }
output "t" { value = [1, "two", false] }
output "o" {
  value = { name = "x", tags = { k = "v" }, nums = [1, 2], deep = [{ a = true, b = null }] }
}
output "nul" { value = null }
output "secret" {
  value     = "hush-${var.salt}"
  sensitive = true
}
"""
CONSUMER_TF = """
variable "got" {
  type = string
}
output "got" { value = var.got }
"""
REMOTE = """
remote_state {
  backend = "s3"
  generate = {
    path      = "backend.tf"
    if_exists = "overwrite_terragrunt"
  }
  config = {
    bucket                      = "%(bucket)s"
    key                         = "%(key)s/terraform.tfstate"
    region                      = "us-east-1"
    endpoint                    = "%(url)s"
    force_path_style            = true
    skip_credentials_validation = true
    skip_metadata_api_check     = true
    skip_region_validation      = true
  }
}
"""
TRUST = json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}]}
)
DEP_ACCOUNT, USER_ACCOUNT = "222222222222", "333333333333"


def _admin(moto: MotoServer, account: str) -> dict[str, Any]:
    sts = boto3.client(
        "sts", endpoint_url=moto.url, region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="t"
    )
    got: dict[str, Any] = sts.assume_role(
        RoleArn=f"arn:aws:iam::{account}:role/OrganizationAccountAccessRole", RoleSessionName="setup"
    )["Credentials"]
    return got


def _client(moto: MotoServer, service: str, creds: dict[str, Any]) -> Any:
    return boto3.client(
        service,
        endpoint_url=moto.url,
        region_name="us-east-1",
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
    )


@dataclass
class World:
    moto: MotoServer
    root: Path
    env: dict[str, str]
    buckets: dict[str, str]
    roles: dict[str, str]

    def role_env(self, account: str) -> dict[str, str]:
        """The environment of a terraform started by the test itself under ``account``'s role."""
        sts = boto3.client("sts", endpoint_url=self.moto.url, region_name="us-east-1", **_BASE)
        creds = sts.assume_role(RoleArn=self.roles[account], RoleSessionName="test")["Credentials"]
        return {
            **self.env,
            "AWS_ACCESS_KEY_ID": creds["AccessKeyId"],
            "AWS_SECRET_ACCESS_KEY": creds["SecretAccessKey"],
            "AWS_SESSION_TOKEN": creds["SessionToken"],
        }

    def terraform(self, module: str, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(terraform_path()), *args], cwd=self.root / module, env=env, text=True, capture_output=True, check=False
        )

    def state_object(self, account: str, key: str) -> bytes:
        s3 = _client(self.moto, "s3", _admin(self.moto, account))
        body: bytes = s3.get_object(Bucket=self.buckets[account], Key=key)["Body"].read()
        return body


_BASE = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


def _module(root: Path, name: str, hcl: str, tf: str) -> None:
    (root / name).mkdir(parents=True)
    (root / name / "terragrunt.hcl").write_text(hcl)
    (root / name / "main.tf").write_text(tf)


@pytest.fixture(scope="module")
def world(moto: MotoServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    tmp = tmp_path_factory.mktemp("outputs")
    root = tmp / "live"
    roles, buckets = {}, {}
    for account in (DEP_ACCOUNT, USER_ACCOUNT):
        admin = _admin(moto, account)
        roles[account] = f"arn:aws:iam::{account}:role/outputs-deploy"
        try:
            _client(moto, "iam", admin).create_role(RoleName="outputs-deploy", AssumeRolePolicyDocument=TRUST)
        except Exception as exc:  # moto keeps one backend per process: another test module made it
            assert "EntityAlreadyExists" in str(exc)
        buckets[account] = f"outputs-{account}-{uuid.uuid4().hex[:8]}"
        _client(moto, "s3", admin).create_bucket(Bucket=buckets[account])

    def remote(account: str, key: str) -> str:
        return REMOTE % {"bucket": buckets[account], "key": key, "url": moto.url}

    role = 'iam_role = "%s"\n'
    _module(root, "types", role % roles[DEP_ACCOUNT] + remote(DEP_ACCOUNT, "types"), TYPES_TF)
    _module(
        root,
        "consumer",
        role % roles[USER_ACCOUNT]
        + remote(USER_ACCOUNT, "consumer")
        + 'dependency "types" {\n  config_path = "../types"\n}\n'
        + "inputs = {\n  got = jsonencode(dependency.types.outputs)\n}\n",
        CONSUMER_TF,
    )
    local_backend = 'remote_state {\n  backend = "local"\n  config = {}\n}\n'
    _module(root, "localdep", local_backend, TYPES_TF)
    _module(root, "never", remote(DEP_ACCOUNT, "never"), TYPES_TF)
    _module(root, "future", remote(DEP_ACCOUNT, "future"), TYPES_TF)
    deps = "".join(
        f'dependency "{d}" {{\n  config_path = "../{d}"\n  mock_outputs = {{ s = "mock" }}\n'
        '  mock_outputs_allowed_terraform_commands = ["plan"]\n}\n'
        for d in ("localdep", "never", "future")
    )
    inputs = 'inputs = {\n  got = join(",", [dependency.localdep.outputs.s, dependency.never.outputs.s, '
    inputs += "dependency.future.outputs.s])\n}\n"
    _module(root, "user2", deps + inputs, CONSUMER_TF)
    env = {"PATH": os.environ.get("PATH", ""), "NO_COLOR": "1", "TG_TF_PATH": str(terraform_path()), **moto.env()}
    env.update(terraform_env(tmp / "home"))
    applied = run_tgo(
        env, root, "run-all", "apply", "--yes", "--exclude-dir", "never", "--exclude-dir", "user2", timeout=300
    )
    assert applied.returncode == 0, applied.stdout + applied.stderr
    future = json.loads(json.dumps({"version": 5, "terraform_version": "9.0.0", "outputs": {}}))
    _client(moto, "s3", _admin(moto, DEP_ACCOUNT)).put_object(
        Bucket=buckets[DEP_ACCOUNT], Key="future/terraform.tfstate", Body=json.dumps(future).encode()
    )
    yield World(moto, root, env, buckets, roles)


def test_state_outputs_equal_terraform_output_json_for_every_type(world: World) -> None:
    shown = world.terraform("types", "output", "-json", env=world.role_env(DEP_ACCOUNT))
    assert shown.returncode == 0, shown.stderr
    from_terraform = json.loads(shown.stdout)
    from_state = outputs_document(world.state_object(DEP_ACCOUNT, "types/terraform.tfstate"))
    assert from_state == from_terraform
    assert {"s", "n", "i", "b", "l", "m", "t", "o", "secret"} <= set(from_state)
    assert from_state["secret"]["sensitive"] is True and from_state["secret"]["value"] == "hush-0"


def test_another_workspace_is_read_from_its_own_key(world: World, tmp_path: Path) -> None:
    env = world.role_env(DEP_ACCOUNT)
    for args in (("workspace", "new", "blue"), ("apply", "-auto-approve", "-input=false", "-var", "salt=blue")):
        done = world.terraform("types", *args, env=env)
        assert done.returncode == 0, done.stderr
    try:
        shown = json.loads(world.terraform("types", "output", "-json", env=env).stdout)
        assert shown["s"]["value"] == "text-blue"
        assert outputs_document(world.state_object(DEP_ACCOUNT, "env:/blue/types/terraform.tfstate")) == shown
        # The reader the run uses: the workspace from .terraform/environment, the role from the config.
        runtime = Runtime(environ=world.env, cwd=world.root, console=Console(out=Captured(), err=Captured()))  # type: ignore[arg-type]
        auth = AwsAuth.build(runtime, RoleOverrides(), mode="env")
        cfg = _types_config(world)
        calls = world.moto.calls("AssumeRole")
        assert auth.state_outputs().read(cfg) == {name: item["value"] for name, item in shown.items()}
        assert world.moto.calls("AssumeRole") == calls + 1, "one role session, from the credential cache"
        with_env = AwsAuth.build(
            Runtime(environ={**world.env, "TF_WORKSPACE": "default"}, cwd=world.root, console=runtime.console),
            RoleOverrides(),
            mode="env",
        )
        assert with_env.state_outputs().read(cfg)["s"] == "text-0", "TF_WORKSPACE beats .terraform/environment"
    finally:
        world.terraform("types", "workspace", "select", "default", env=env)


def _types_config(world: World) -> ModuleConfig:
    path = (world.root / "types").resolve()
    backend = (path / "backend.tf").read_text()
    assert world.buckets[DEP_ACCOUNT] in backend
    return ModuleConfig(
        path=path,
        config_file=path / "terragrunt.hcl",
        iam_role=world.roles[DEP_ACCOUNT],
        remote_state=RemoteState(
            backend="s3",
            config={
                "bucket": world.buckets[DEP_ACCOUNT],
                "key": "types/terraform.tfstate",
                "region": "us-east-1",
                "endpoint": world.moto.url,
                "force_path_style": True,
            },
        ),
    )


def _modules(report_file: Path) -> dict[str, dict[str, Any]]:
    return {m["path"]: m for m in json.loads(report_file.read_text())["modules"]}


def test_plan_reads_s3_state_and_falls_back_to_terraform_where_it_must(world: World, tmp_path: Path) -> None:
    moto = world.moto
    runs = {}
    for mode in ("state", "terraform"):
        moto.reset_counts()
        report = tmp_path / f"{mode}.json"
        done = run_tgo(
            world.env,
            world.root,
            "run-all",
            "plan",
            "--exclude-dir",
            "future",
            "--dependency-outputs",
            mode,
            "--report-file",
            str(report),
            timeout=300,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        runs[mode] = (_modules(report), moto.calls("AssumeRole"), moto.signed_requests("s3"))
    modules, assumed, signed = runs["state"]
    assert modules["types"]["outputs_via"] == "state"
    assert modules["localdep"]["outputs_via"] == "terraform"
    assert modules["localdep"]["outputs_fallback"] == "the backend is local, not s3"
    assert modules["never"]["outputs_via"] == "terraform"
    assert "no state object at s3://" in modules["never"]["outputs_fallback"]
    assert modules["future"]["role"] == "read" and modules["future"]["outputs_via"] == "terraform"
    assert "state format version 5" in modules["future"]["outputs_fallback"]
    assert modules["consumer"]["outputs_via"] is None, "nothing depends on it"
    assert modules["user2"]["used_mock_outputs"] is True, "never applied and unreadable still give mocks"
    assert modules["consumer"]["status"] == "succeeded" and modules["consumer"]["used_mock_outputs"] is False
    reads = [r for r in signed if r.operation == f"GET /{world.buckets[DEP_ACCOUNT]}/types/terraform.tfstate"]
    assert reads and all(r.access_key != "testing" for r in reads), "read under the role, never the base keys"
    terraform_modules, terraform_assumed, _ = runs["terraform"]
    assert {m.get("outputs_via") for n, m in terraform_modules.items() if n in {"types", "localdep"}} == {"terraform"}
    assert assumed == terraform_assumed, "reading state costs no extra STS call"


def test_access_denied_names_the_dependency_and_the_role(world: World, tmp_path: Path) -> None:
    key = f"GET /{world.buckets[DEP_ACCOUNT]}/types/terraform.tfstate"
    fault = world.moto.inject(Fault(key, "AccessDenied", "Access Denied", 403, service="s3"))
    try:
        report = tmp_path / "denied.json"
        done = run_tgo(
            world.env, world.root, "run-all", "plan", "--include-dir", "consumer", "--report-file", str(report)
        )
    finally:
        world.moto.clear_faults()
    assert fault.hits >= 1
    assert done.returncode == 1, done.stdout + done.stderr
    consumer = _modules(report)["consumer"]
    assert consumer["status"] == "failed" and consumer["used_mock_outputs"] is False
    assert "cannot read the outputs of dependency types: AccessDenied" in consumer["reason"]
    assert world.roles[DEP_ACCOUNT] in consumer["reason"]
