"""The credential broker end to end: the real terraform 1.0.3 (S3 backend with DynamoDB locking on a
moto server) and the sample provider, a role whose sessions last 10 seconds and an apply that lasts
longer. Everything is checked at the server (which access key signed what, ExpiredToken answers,
AssumeRole calls) and in /proc (what terraform's processes really received), not in tgo's counters.

Lifetimes are shortened with the knobs anyone can use to check the broker: the moto middleware's
``set_session_lifetime`` (AWS-like expiry: ExpiredToken for expired keys) and ``TGO_IAM_REFRESH_MARGIN``.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import pytest

from orchestrator.app.auth import AwsAuth
from orchestrator.app.run import RunOptions, RunServices, run_all
from orchestrator.aws.broker_protocol import TOKEN_ENV
from orchestrator.aws.roles import RoleOverrides
from orchestrator.aws.supply import CredentialMode
from orchestrator.config.models import ModuleConfig, RemoteState, RemoteStateGenerate
from orchestrator.demo import build_provider_mirror
from orchestrator.report.run_model import RunReport
from orchestrator.runtime import Console, Runtime
from orchestrator.terraform.commands import TfCommand
from tests.integration.aws.conftest import ROLES
from tests.support.console import Captured
from tests.support.fake_loader import static_tree
from tests.support.moto_server import MotoServer
from tests.support.terraform import terraform_path

pytestmark = pytest.mark.e2e

LIFETIME_S = 10
MARGIN_S = 3
DELAY_S = 13  # longer than a whole session: the final writes need a newer one
ROLE = ROLES[0]

MAIN_TF = """
terraform {
  required_providers {
    tgo = {
      source  = "tgo/tgo"
      version = "0.1.0"
    }
  }
}
resource "tgo_s3_object" "slow" {
  bucket              = "%(bucket)s"
  key                 = "objects/%(name)s.txt"
  content             = "written after a wait"
  write_delay_seconds = %(delay)d
}
output "caller" {
  value = tgo_s3_object.slow.caller_arn
}
"""


@dataclass
class Tree:
    """A stand-in config loader for modules built in Python."""

    root: Path
    configs: dict[Path, ModuleConfig] = field(default_factory=dict)

    def load_tree(self, dirs: list[Path], *, command: str | None = None, discovery: bool = False) -> Any:
        return static_tree(self.configs, dirs)

    def load_module(self, dir: Path, *, command: str | None = None, outputs: Any = None) -> ModuleConfig:
        return self.configs[dir]


@dataclass
class World:
    tmp: Path
    tree: Tree
    runtime: Runtime
    out: Captured
    bucket: str
    table: str
    account_client: Any


def _role_clients(moto: MotoServer) -> tuple[Any, Any]:
    sts = boto3.client(
        "sts", endpoint_url=moto.url, region_name="us-east-1", aws_access_key_id="t", aws_secret_access_key="t"
    )
    c = sts.assume_role(RoleArn=ROLE, RoleSessionName="setup")["Credentials"]
    kw: dict[str, Any] = {
        "endpoint_url": moto.url,
        "region_name": "us-east-1",
        "aws_access_key_id": c["AccessKeyId"],
        "aws_secret_access_key": c["SecretAccessKey"],
        "aws_session_token": c["SessionToken"],
    }
    return boto3.client("s3", **kw), boto3.client("dynamodb", **kw)


@pytest.fixture
def world(moto: MotoServer) -> Iterator[World]:
    tmp = Path(tempfile.mkdtemp(prefix="tgob", dir="/tmp"))  # short: plugin sockets live under TMPDIR
    try:
        s3, ddb = _role_clients(moto)
        bucket, table = f"state-{uuid.uuid4().hex[:10]}", f"locks-{uuid.uuid4().hex[:8]}"
        s3.create_bucket(Bucket=bucket)
        ddb.create_table(
            TableName=table,
            KeySchema=[{"AttributeName": "LockID", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "LockID", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        _mirror, cli_config = build_provider_mirror(tmp / "provider")
        (tmp / "home").mkdir()
        (tmp / "t").mkdir()
        environ = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "TMPDIR": str(tmp / "t"),
            "HOME": str(tmp / "home"),
            "XDG_RUNTIME_DIR": str(tmp / "t"),
            "CHECKPOINT_DISABLE": "1",
            "TF_IN_AUTOMATION": "1",
            "TF_CLI_CONFIG_FILE": str(cli_config),
            "TG_TF_PATH": str(terraform_path()),
            "TGO_IAM_REFRESH_MARGIN": str(MARGIN_S),
            # Sessions here last seconds: env mode would refuse them up front (SessionTooShort) unless
            # the minimum useful lifetime is off, and this file shows what env mode does mid-apply.
            "TGO_IAM_MIN_LIFETIME": "0",
            **moto.env(),
        }
        root = tmp / "live"
        root.mkdir()
        out = Captured()
        runtime = Runtime(environ=environ, cwd=root, console=Console(out=out, err=out, color=False))  # type: ignore[arg-type]
        moto.reset_counts()
        moto.set_session_lifetime(LIFETIME_S)
        yield World(tmp, Tree(root), runtime, out, bucket, table, ddb)
    finally:
        moto.set_session_lifetime(None)
        shutil.rmtree(tmp, ignore_errors=True)


def add_module(w: World, name: str, *, delay: int) -> Path:
    path = (w.tree.root / name).resolve()
    path.mkdir()
    (path / "terragrunt.hcl").write_text("# built by the test\n")
    (path / "main.tf").write_text(MAIN_TF % {"bucket": w.bucket, "name": name, "delay": delay})
    backend = {
        "bucket": w.bucket,
        "key": f"{name}/terraform.tfstate",
        "region": "us-east-1",
        "endpoint": w.runtime.environ["AWS_ENDPOINT_URL"],
        "dynamodb_endpoint": w.runtime.environ["AWS_ENDPOINT_URL"],
        "dynamodb_table": w.table,
        "force_path_style": True,
        "skip_credentials_validation": True,
        "skip_metadata_api_check": True,
        "skip_region_validation": True,
    }
    w.tree.configs[path] = ModuleConfig(
        path=path,
        config_file=path / "terragrunt.hcl",
        iam_role=ROLE,
        remote_state=RemoteState(
            backend="s3", config=backend, generate=RemoteStateGenerate(path="backend.tf", if_exists="overwrite")
        ),
    )
    return path


class ProcWatch:
    """Snapshots /proc/<pid>/cmdline and environ of this run's terraform and provider processes
    (those whose environment names ``directory`` as TMPDIR), and the broker directory's files."""

    def __init__(self, markers: tuple[str, ...], directory: Path) -> None:
        self.markers = markers
        self.ours = f"TMPDIR={directory}".encode() + b"\0"
        self.directory = directory
        self.procs: dict[int, tuple[bytes, bytes]] = {}
        self.files: dict[str, bytes] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self) -> None:
        while not self._stop.wait(0.05):
            for entry in Path("/proc").iterdir():
                if not entry.name.isdigit():
                    continue
                try:
                    cmdline = (entry / "cmdline").read_bytes()
                    if any(m.encode() in cmdline for m in self.markers):
                        environ = (entry / "environ").read_bytes()
                        # (tgo's own `terraform version` check runs under the base environment)
                        if self.ours in environ and b"\0version\0" not in cmdline:
                            self.procs[int(entry.name)] = (cmdline, environ)
                except OSError:
                    continue
            for f in self.directory.rglob("*"):
                try:
                    if f.is_file():
                        self.files[str(f)] = f.read_bytes()
                except OSError:
                    continue

    def __enter__(self) -> ProcWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def run(w: World, mode: CredentialMode, tag: str) -> tuple[RunReport, AwsAuth]:
    auth = AwsAuth.build(w.runtime, RoleOverrides(), mode=mode)
    options = RunOptions(
        command=TfCommand("apply", ("-auto-approve",)),
        working_dir=w.tree.root,
        parallelism=2,
        log_dir=w.tmp / f"run-{tag}",
        report_file=w.tmp / f"report-{tag}.json",
    )
    services = RunServices(
        loader=w.tree,
        credentials_env=auth.credentials_env,
        preflight=auth.preflight_and_print,
        sts_stats=auth.sts_stats,
        credential_mode=auth.credential_mode,
    )
    try:
        return run_all(w.runtime, options, services), auth
    finally:
        auth.close()


def lock_items(w: World) -> list[str]:
    items = w.account_client.scan(TableName=w.table)["Items"]
    return [i["LockID"]["S"] for i in items if not i["LockID"]["S"].endswith("-md5")]


def test_broker_apply_outlives_its_credentials_and_releases_the_lock(world: World, moto: MotoServer) -> None:
    add_module(world, "slow", delay=DELAY_S)
    with ProcWatch((str(terraform_path()), "terraform-provider-tgo"), Path(world.runtime.environ["TMPDIR"])) as seen:
        report, _auth = run(world, "broker", "broker")

    mod = report.module("slow")
    assert mod.status == "succeeded", (mod.reason, mod.stderr_tail, world.out.text[-3000:])
    assert mod.credential_mode == "broker"
    # At the server: the apply took the lock with one session and wrote its final state and
    # released the lock with a newer one; nothing was refused as expired.
    state_key = f"/{world.bucket}/slow/terraform.tfstate"
    ddb = moto.signed_requests("dynamodb")
    lock, unlock = next(r for r in ddb if r.operation == "PutItem"), ddb[-1]
    state_writes = [r for r in moto.signed_requests("s3") if r.operation == f"PUT {state_key}"]
    assert unlock.operation == "DeleteItem" and state_writes
    assert lock_items(world) == [], "the lock was released"
    assert state_writes[-1].access_key != lock.access_key, "final state write signed by a second session"
    assert unlock.access_key != lock.access_key, "lock release signed by a second session"
    assert (unlock.at - lock.at).total_seconds() > LIFETIME_S
    assert moto.calls("ExpiredToken", "dynamodb") + moto.calls("ExpiredToken", "s3") == 0
    # STS at the server: one AssumeRole for the role, plus one per refresh
    assert report.sts is not None
    assert report.sts.refreshes >= 1 and report.sts.broker_refreshes >= 1
    assert moto.calls("AssumeRole") == 1 + report.sts.refreshes
    assert report.sts.broker_requests >= 3

    # What terraform's processes received: a profile and a token, never a key.
    secrets = moto.issued_secrets()
    assert seen.procs, "terraform processes were observed"
    tokens = set()
    for cmdline, environ in seen.procs.values():
        env = dict(v.split(b"=", 1) for v in environ.split(b"\0") if b"=" in v)
        assert b"AWS_ACCESS_KEY_ID" not in env and b"AWS_SECRET_ACCESS_KEY" not in env
        assert env[b"AWS_PROFILE"].startswith(b"tgo-") and env[b"AWS_EC2_METADATA_DISABLED"] == b"true"
        token = env[TOKEN_ENV.encode()]
        tokens.add(token.decode())
        assert token not in cmdline
        assert not [s for s in secrets if s.encode() in cmdline or s.encode() in environ]
    assert len(tokens) == 1, "one module, one capability"
    assert seen.files, "the broker directory was observed"
    for name, data in seen.files.items():
        assert not [s for s in secrets | tokens if s.encode() in data], name
    # ... and nothing on disk or in the output after the run; the broker directory is gone
    for f in world.tmp.rglob("*"):
        if f.is_file() and not f.is_symlink():
            data = f.read_bytes()
            assert not [s for s in secrets | tokens if s.encode() in data], f
    assert not [s for s in secrets | tokens if s in world.out.text]
    assert not [p for p in Path(world.runtime.environ["TMPDIR"]).iterdir() if p.name.startswith("tgo-")]


def test_env_mode_shows_the_failure_the_broker_prevents(world: World, moto: MotoServer) -> None:
    add_module(world, "slow", delay=DELAY_S)
    report, _auth = run(world, "env", "env")

    mod = report.module("slow")
    assert mod.status == "failed" and mod.credential_mode == "env"
    assert moto.calls("ExpiredToken", "s3") + moto.calls("ExpiredToken", "dynamodb") >= 1
    assert lock_items(world) != [], "terraform could not release its lock with expired credentials"
    assert any("ExpiredToken" in line or "expired" in line for line in mod.stderr_tail), mod.stderr_tail


def test_processes_of_the_same_user_are_served_but_others_are_not(world: World) -> None:
    """A helper run as ``nobody`` cannot reach the socket (0700 directory, SO_PEERCRED)."""
    if os.getuid() != 0:
        pytest.skip("needs root to run a process as another user")
    import subprocess

    from orchestrator.aws.broker import HELPER
    from orchestrator.aws.broker_protocol import profile_name
    from orchestrator.aws.model import AssumeRequest

    auth = AwsAuth.build(world.runtime, RoleOverrides(), mode="broker")
    try:
        cfg = ModuleConfig(path=world.tree.root / "m", config_file=world.tree.root / "m" / "terragrunt.hcl")
        overlay = auth.credentials_env(cfg.model_copy(update={"iam_role": ROLE}))
        token = overlay[TOKEN_ENV]
        assert token is not None
        broker = auth.supply.broker
        assert broker is not None and broker.files is not None
        profile = profile_name(AssumeRequest(ROLE, auth.resolver.default_session_name))
        argv = [sys.executable, "-I", "-S", str(HELPER), "--socket", str(broker.files.socket), profile]
        shutil.copy(HELPER, world.tmp / "helper.py")  # readable by nobody, unlike the checkout maybe
        (world.tmp / "helper.py").chmod(0o755)
        world.tmp.chmod(0o755)
        nobody = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", sys.executable, "-I", "-S"]
        as_nobody = subprocess.run(
            [*nobody, str(world.tmp / "helper.py"), *argv[4:]],
            env={TOKEN_ENV: token},
            capture_output=True,
            text=True,
            check=False,
        )
        assert as_nobody.returncode != 0 and as_nobody.stdout == ""
        assert as_nobody.stderr.count("\n") == 1 and "cannot reach" in as_nobody.stderr
        as_me = subprocess.run(argv, env={TOKEN_ENV: token}, capture_output=True, text=True, check=False)
        assert as_me.returncode == 0 and '"AccessKeyId"' in as_me.stdout
    finally:
        auth.close()
