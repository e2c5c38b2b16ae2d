"""SIGTERM, SIGHUP and a second Ctrl-C while terraform itself is busy mid-apply (the sample provider's
``tgo_sleep`` resource, state lock held in a DynamoDB table on the moto server), through the CLI.

- SIGTERM: terraform gets SIGINT, finishes the resource it is creating, releases its lock; tgo writes
  the report and the summary and exits 143; the lock table is empty afterwards.
- A second Ctrl-C kills terraform (SIGKILL to its process group): exit 130; the lock it held is still
  in the table, tgo lists it (module, table, LockID) and the command it prints releases it.
- SIGHUP with a short ``--shutdown-timeout``: terraform is still busy when the timeout passes, so tgo
  sends SIGTERM to its process group, then kills what is left of it (a provider plugin ignoring SIGTERM:
  no orphan); exit 129; the locks tgo lists are exactly those left in the table.
"""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from tests.integration.run.conftest import StubTree
from tests.support.moto_server import MotoServer

pytestmark = pytest.mark.e2e
REPO = Path(__file__).resolve().parents[3]

SLOW_TF = """
terraform {
  required_providers {
    tgo = { source = "tgo/tgo", version = "0.1.0" }
  }
}
variable "seconds" {
  type = number
}
resource "tgo_sleep" "s" {
  seconds = var.seconds
}
"""


@pytest.fixture(scope="module")
def cli_config() -> Iterator[Path]:
    spec = importlib.util.spec_from_file_location("sample_provider", REPO / "sample-infra/provider/sample_provider.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    with tempfile.TemporaryDirectory(prefix="tgosig", dir="/tmp") as tmp:
        _mirror, config = module.build_mirror(tmp)
        yield config


def _tree(stub: StubTree, seconds: int) -> Path:
    root = stub.root
    cfg = "\n".join(f"    {k} = {json.dumps(v)}" for k, v in stub.backend.items())
    (root / "root.hcl").write_text(
        'remote_state {\n  backend = "s3"\n  generate = {\n    path = "backend.tf"\n    if_exists = "overwrite"\n  }\n'
        f'  config = {{\n{cfg}\n    key = "${{path_relative_to_include()}}/tf.tfstate"\n  }}\n}}\n'
    )
    include = 'include "root" {\n  path = find_in_parent_folders("root.hcl")\n}\n'
    (root / "slow").mkdir()
    (root / "slow" / "main.tf").write_text(SLOW_TF)
    (root / "slow" / "terragrunt.hcl").write_text(include + f"inputs = {{\n  seconds = {seconds}\n}}\n")
    (root / "after").mkdir()
    (root / "after" / "main.tf").write_text('output "x" {\n  value = 1\n}\n')
    (root / "after" / "terragrunt.hcl").write_text(include + 'dependencies {\n  paths = ["../slow"]\n}\n')
    return root


def _env(runtime: Any, cli_config: Path) -> dict[str, str]:
    return dict(runtime.environ, PYTHONPATH=str(REPO), TF_CLI_CONFIG_FILE=str(cli_config))


def _interrupt(
    env: dict[str, str], root: Path, *flags: str, signals: tuple[int, ...]
) -> tuple[int, str, str, dict[str, Any]]:
    """Start ``tgo run-all apply``, send ``signals`` once terraform is creating tgo_sleep.s (one second
    apart), and return (exit code, stdout, stderr, report)."""
    report_file = root.parent / "report.json"
    report_file.unlink(missing_ok=True)
    proc = subprocess.Popen(
        [sys.executable, "-m", "orchestrator", "run-all", "apply", "--yes", f"--report-file={report_file}", *flags],
        cwd=root,
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
    )
    assert proc.stdout is not None
    seen: list[str] = []
    try:
        for line in proc.stdout:
            seen.append(line)
            if "tgo_sleep.s: Creating..." in line:
                break
        for n, sig in enumerate(signals):
            if n:
                time.sleep(1)
            proc.send_signal(sig)
        rest, err = proc.communicate(timeout=90)
    finally:
        if proc.poll() is None:
            proc.kill()
    out = "".join(seen) + rest
    assert report_file.exists(), out + err
    return proc.returncode, out, err, json.loads(report_file.read_text())


def _locks(stub: StubTree, moto: MotoServer) -> dict[str, dict[str, Any]]:
    client = boto3.client(
        "dynamodb",
        endpoint_url=moto.url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    items = client.scan(TableName=stub.backend["dynamodb_table"])["Items"]
    return {i["LockID"]["S"]: i for i in items if not i["LockID"]["S"].endswith("-md5")}


def _plugins(marker: str) -> list[int]:
    """Pids of live processes whose command line names ``marker`` (the test's provider mirror)."""
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
            state = Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1][:1]
        except OSError:
            continue
        if marker in cmdline and state != "Z":
            found.append(int(pid))
    return found


def test_sigterm_lets_terraform_release_its_lock_then_exits_143(
    runtime: Any, stub_tree: StubTree, moto: MotoServer, cli_config: Path
) -> None:
    root = _tree(stub_tree, seconds=4)
    code, out, err, report = _interrupt(_env(runtime, cli_config), root, signals=(signal.SIGTERM,))
    assert code == 143, out + err
    assert "SIGTERM received" in err
    assert report["interrupted"] is True and report["interrupted_by"] == "SIGTERM" and report["exit_code"] == 143
    assert {m["path"]: m["status"] for m in report["modules"]} == {"slow": "interrupted", "after": "interrupted"}
    assert report["locks_left"] == [] and not report["modules"][1]["forced_stop"]
    assert "tgo apply: 2 interrupted; exit 143" in out, "the summary is printed"
    assert _locks(stub_tree, moto) == {}, "terraform released its state lock"
    assert not (root / "after" / ".terragrunt-cache").exists(), "nothing new started"


def test_second_ctrl_c_and_shutdown_timeout_kill_terraform_and_list_the_locks_left(
    runtime: Any, stub_tree: StubTree, moto: MotoServer, cli_config: Path
) -> None:
    root = _tree(stub_tree, seconds=300)
    env = _env(runtime, cli_config)
    lock_key = f"{stub_tree.backend['bucket']}/slow/tf.tfstate"
    table = stub_tree.backend["dynamodb_table"]

    # A second Ctrl-C kills terraform (SIGKILL): its lock stays in the table, and tgo lists it.
    code, out, err, report = _interrupt(env, root, signals=(signal.SIGINT, signal.SIGINT))
    assert code == 130, out + err
    assert report["interrupted_by"] == "SIGINT"
    slow = next(m for m in report["modules"] if m["path"] == "slow")
    assert slow["status"] == "interrupted" and slow["forced_stop"] is True
    assert len(report["locks_left"]) == 1, out + err
    [lock] = report["locks_left"]
    assert (lock["module"], lock["backend"], lock["lock_table"], lock["lock_key"]) == ("slow", "s3", table, lock_key)
    assert "STATE LOCKS POSSIBLY LEFT (1)" in out and lock["force_unlock"] in out and table in out
    held = _locks(stub_tree, moto)
    assert list(held) == [lock_key], "the lock tgo lists is the one left in the table"
    assert _plugins("tgosig") == [], "no provider plugin outlives its killed terraform"
    # The printed command, with the ID from the table, releases the lock.
    lock_id = json.loads(held[lock_key]["Info"]["S"])["ID"]
    unlock = lock["force_unlock"].replace("<LOCK_ID>", lock_id)
    done = subprocess.run(["sh", "-c", unlock], env=env, capture_output=True, text=True, check=False, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert _locks(stub_tree, moto) == {}

    # SIGHUP, and terraform still busy after --shutdown-timeout: SIGTERM, then what is left of its process
    # group is killed. The provider here ignores SIGTERM too, so it would outlive terraform without that.
    env["TGO_SAMPLE_PROVIDER_IGNORE_SIGTERM"] = "1"
    code, out, err, report = _interrupt(env, root, "--shutdown-timeout", "1", signals=(signal.SIGHUP,))
    assert code == 129, out + err
    assert report["interrupted_by"] == "SIGHUP" and report["exit_code"] == 129
    assert "--shutdown-timeout" in err and "tgo apply: 2 interrupted; exit 129" in out
    slow = next(m for m in report["modules"] if m["path"] == "slow")
    assert slow["forced_stop"] is True
    assert _plugins("tgosig") == [], "no provider plugin outlives its killed terraform"
    # terraform takes the SIGTERM as a second interrupt, exits at once and still releases its lock on
    # the way out: tgo lists no lock, and none is left.
    assert [lk["lock_key"] for lk in report["locks_left"]] == list(_locks(stub_tree, moto)), out + err
