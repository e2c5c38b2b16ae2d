"""Per-module IAM roles through the real run engine: real terraform, a moto server, AssumeRole counted
at the server, each module proving its role from a before_hook, pre-flight, and a secret scan."""

from __future__ import annotations

import os
import random
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from orchestrator.app.auth import AwsAuth
from orchestrator.app.run import RunOptions, RunServices, run_all
from orchestrator.aws.backoff import Backoff
from orchestrator.aws.roles import RoleOverrides
from orchestrator.config.models import Dependency, Hook, ModuleConfig, TerraformBlock
from orchestrator.errors import AuthError
from orchestrator.report.run_model import RunReport
from orchestrator.runtime import Console, Runtime
from orchestrator.terraform.commands import TfCommand
from tests.integration.aws.conftest import ACCOUNTS, ROLES
from tests.support.console import Captured
from tests.support.fake_loader import static_tree
from tests.support.moto_server import MotoServer
from tests.support.terraform import terraform_env, terraform_path

pytestmark = pytest.mark.e2e

MAIN_TF = """
variable "upstream" {
  type    = string
  default = ""
}
output "value" {
  value = "${var.upstream}/%s"
}
"""
# The hook asks STS who it is with exactly the environment terraform received, and records the ARN.
# A stdlib-only SigV4 GetCallerIdentity: 50 hooks starting botocore would cost ~15 s of CPU.
WHOAMI = """
import datetime, hashlib, hmac, os, re, sys, urllib.parse, urllib.request

def h(data):
    return hashlib.sha256(data.encode()).hexdigest()

def mac(key, msg):
    return hmac.new(key, msg.encode(), hashlib.sha256).digest()

env = os.environ
url = env["AWS_ENDPOINT_URL"]
body = "Action=GetCallerIdentity&Version=2011-06-15"
amz = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
headers = {
    "content-type": "application/x-www-form-urlencoded; charset=utf-8",
    "host": urllib.parse.urlparse(url).netloc,
    "x-amz-date": amz,
    "x-amz-security-token": env["AWS_SESSION_TOKEN"],
}
names = ";".join(sorted(headers))
canonical = "\\n".join(["POST", "/", "", *(k + ":" + headers[k] for k in sorted(headers)), "", names, h(body)])
scope = amz[:8] + "/us-east-1/sts/aws4_request"
to_sign = "\\n".join(["AWS4-HMAC-SHA256", amz, scope, h(canonical)])
key = ("AWS4" + env["AWS_SECRET_ACCESS_KEY"]).encode()
for part in (amz[:8], "us-east-1", "sts", "aws4_request"):
    key = mac(key, part)
signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
headers["authorization"] = (
    "AWS4-HMAC-SHA256 Credential=" + env["AWS_ACCESS_KEY_ID"] + "/" + scope
    + ", SignedHeaders=" + names + ", Signature=" + signature
)
request = urllib.request.Request(url + "/", data=body.encode(), headers=headers, method="POST")
answer = urllib.request.urlopen(request, timeout=30).read().decode()
open(sys.argv[1], "w").write(re.search("<Arn>([^<]+)</Arn>", answer).group(1))
"""


@dataclass
class RoleTree:
    """A stand-in config loader: ModuleConfigs built in Python, dependency outputs into ``upstream``."""

    root: Path
    arns: Path
    configs: dict[Path, ModuleConfig] = field(default_factory=dict)

    def add(self, name: str, role: str, deps: tuple[str, ...] = ()) -> None:
        path = (self.root / name).resolve()
        path.mkdir(parents=True)
        (path / "terragrunt.hcl").write_text("# stub\n")
        (path / "main.tf").write_text(MAIN_TF % name)
        hook = Hook(
            name="whoami",
            commands=["apply", "plan"],
            execute=[sys.executable, "-I", "-S", str(self.root.parent / "whoami.py"), str(self.arns / name)],
        )
        self.configs[path] = ModuleConfig(
            path=path,
            config_file=path / "terragrunt.hcl",
            iam_role=role,
            terraform=TerraformBlock(before_hook=[hook]),
            dependency=[Dependency(name=d, config_path=(self.root / d).resolve()) for d in deps],
        )

    def load_tree(self, dirs: list[Path], *, command: str | None = None, discovery: bool = False) -> Any:
        return static_tree(self.configs, dirs)

    def load_module(
        self, dir: Path, *, command: str | None = None, outputs: Mapping[Path, Mapping[str, Any]] | None = None
    ) -> ModuleConfig:
        cfg = self.configs[dir]
        upstream = [str((outputs or {})[d.config_path]["value"]) for d in cfg.dependency]
        return cfg.model_copy(update={"inputs": {"upstream": "+".join(upstream)}} if upstream else {})


@dataclass
class Env:
    tree: RoleTree
    runtime: Runtime
    out: Captured
    tmp: Path


@pytest.fixture
def env(tmp_path: Path, moto: MotoServer) -> Env:
    (tmp_path / "whoami.py").write_text(WHOAMI)
    arns = tmp_path / "arns"
    arns.mkdir()
    root = tmp_path / "live"
    root.mkdir()
    tmpdir = tmp_path / "t"
    tmpdir.mkdir()
    environ = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "TMPDIR": str(tmpdir),
        "TG_TF_PATH": str(terraform_path()),
    }
    environ.update(moto.env())
    environ.update(terraform_env(tmp_path / "home"))
    out = Captured()
    runtime = Runtime(environ=environ, cwd=root, console=Console(out=out, err=out, color=False))  # type: ignore[arg-type]
    return Env(RoleTree(root, arns), runtime, out, tmp_path)


def run(
    e: Env, auth: AwsAuth, command: str, *args: str, parallelism: int = 4, tag: str = "", only: tuple[str, ...] = ()
) -> RunReport:
    options = RunOptions(
        include_dirs=only,
        command=TfCommand(command, args),
        working_dir=e.tree.root,
        parallelism=parallelism,
        log_dir=e.tmp / f"run-{command}{tag}",
        report_file=e.tmp / f"report-{command}{tag}.json",
    )
    services = RunServices(
        loader=e.tree,
        credentials_env=auth.credentials_env,
        preflight=auth.preflight_and_print,
        sts_stats=auth.sts_stats,
    )
    return run_all(e.runtime, options, services)


def scan_for_secrets(paths: list[Path], texts: list[str], secrets: set[str]) -> list[str]:
    hits = []
    for base in paths:
        for f in [base] if base.is_file() else base.rglob("*"):
            if f.is_file() and not f.is_symlink():
                data = f.read_bytes()
                hits += [f"{f}" for s in secrets if s.encode() in data]
    hits += [f"output:{s[:6]}" for t in texts for s in secrets if s in t]
    return hits


def test_fifty_modules_three_roles_three_assume_role_calls(env: Env, moto: MotoServer) -> None:
    for i in range(50):
        deps = (f"m{i - 1:02d}",) if i % 5 else ()  # chains of 5 whose links alternate roles
        env.tree.add(f"m{i:02d}", ROLES[i % 3], deps)
    auth = AwsAuth.build(env.runtime, RoleOverrides())

    report = run(env, auth, "apply", "-auto-approve", parallelism=16)

    assert {m.status for m in report.modules} == {"succeeded"}, [(m.path, m.reason) for m in report.modules]
    assert moto.calls("AssumeRole") == 3, "one AssumeRole per role, dependency output fetches included"
    assert sorted(moto.assumed_roles()) == sorted(ROLES)
    for i in range(50):
        arn = (env.tree.arns / f"m{i:02d}").read_text()
        account, role = ACCOUNTS[i % 3], ROLES[i % 3].rsplit("/", 1)[1]
        assert arn.startswith(f"arn:aws:sts::{account}:assumed-role/{role}/tgo-"), (i, arn)
    by_path = {m.path: m for m in report.modules}
    assert by_path["m04"].iam_role == ROLES[1] and by_path["m04"].account_id == ACCOUNTS[1]
    assert report.sts is not None and report.sts.assume_role_calls == 3
    assert report.sts.cache_hits > 50
    console = env.out.text
    assert "ROLE" in console and "deploy-2" in console, "the pre-flight table is printed"

    # a second command in the same process reuses the cache: no new AssumeRole
    again = run(env, auth, "plan", tag="-2", only=("m00", "m01", "m02"))
    assert {m.path: m.status for m in again.modules if m.status != "excluded"} == dict.fromkeys(
        ("m00", "m01", "m02"), "succeeded"
    )
    assert moto.calls("AssumeRole") == 3

    secrets = moto.issued_secrets()
    assert len(secrets) >= 6
    hits = scan_for_secrets([env.tmp], [env.out.text], secrets)
    assert hits == [], f"secrets found in {hits[:5]}"


def test_preflight_stops_the_run_before_any_terraform(env: Env, moto: MotoServer) -> None:
    for i in range(4):
        env.tree.add(f"m{i}", ROLES[i % 3])
    moto.deny(ROLES[1])
    auth = AwsAuth.build(env.runtime, RoleOverrides())
    with pytest.raises(AuthError) as info:
        run(env, auth, "apply", "-auto-approve")
    text = info.value.format()
    assert f"cannot assume {ROLES[1]}: AccessDenied" in text and "m1" in text
    assert list(env.tree.arns.iterdir()) == [], "no hook ran"
    assert not list(env.tree.root.rglob(".terragrunt-cache")), "no working directory was prepared"
    assert not (env.tmp / "run-apply").exists()


def test_plan_with_throttling_and_a_denied_role_fails_only_its_modules(env: Env, moto: MotoServer) -> None:
    for i in range(3):
        env.tree.add(f"m{i}", ROLES[i])
    moto.throttle(2)
    moto.deny(ROLES[2])
    fast = Backoff(max_attempts=5, base_delay=0.01, max_delay=0.05, rng=random.Random(3))
    auth = AwsAuth.build(env.runtime, RoleOverrides(), backoff=fast)
    report = run(env, auth, "plan", parallelism=1)
    status = {m.path: m.status for m in report.modules}
    assert status == {"m0": "succeeded", "m1": "succeeded", "m2": "failed"}
    assert f"cannot assume {ROLES[2]}" in (report.module("m2").reason or "")
    assert report.sts is not None and report.sts.throttled_retries == 2
    assert report.exit_code == 1
