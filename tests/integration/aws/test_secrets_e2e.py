"""Credentials tgo hands out never reach its console, logs or report, even at ``TF_LOG=TRACE``
(terraform then prints ``X-Amz-Security-Token`` headers), nor through a hook or ``run_cmd`` that
prints its environment, in either credential mode; and in environment-credential mode a new
terraform process never starts with a session about to expire (the broker refreshes, so needs no floor).
Real terraform 1.0.3, S3 state on the moto server, a role per module."""

from __future__ import annotations

import json
import os
from datetime import timedelta
from pathlib import Path

import boto3
import pytest

from orchestrator.redaction import MASK
from tests.integration.aws.conftest import ROLES
from tests.support.cli import run_tgo
from tests.support.moto_server import MotoServer
from tests.support.terraform import terraform_env, terraform_path

pytestmark = pytest.mark.e2e

ROOT_HCL = """
iam_role = "%(role)s"
iam_assume_role_duration = 3600
inputs = {
  # evaluated after iam_role, so run_cmd runs under the module's role
  echoed = run_cmd("sh", "-c", "echo run_cmd sees $AWS_SESSION_TOKEN $AWS_SECRET_ACCESS_KEY")
}
remote_state {
  backend = "s3"
  generate = {
    path      = "backend.tf"
    if_exists = "overwrite"
  }
  config = {
    bucket                      = "%(bucket)s"
    key                         = "${path_relative_to_include()}/tf.tfstate"
    region                      = "us-east-1"
    endpoint                    = "%(url)s"
    force_path_style            = true
    skip_credentials_validation = true
    skip_metadata_api_check     = true
    skip_region_validation      = true
  }
}
terraform {
  before_hook "env" {
    commands = ["apply", "plan"]
    execute  = ["sh", "-c", "env | grep '^AWS_'"]
  }
}
"""
MAIN_TF = 'output "ok" {\n  value = "yes"\n}\n'


def _tree(tmp_path: Path, moto: MotoServer, bucket: str, *, run_cmd: bool = True) -> Path:
    boto3.client(
        "s3",
        endpoint_url=moto.url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    ).create_bucket(Bucket=bucket)
    live = tmp_path / "live"
    (live / "app").mkdir(parents=True)
    root = ROOT_HCL % {"role": ROLES[0], "bucket": bucket, "url": moto.url}
    if not run_cmd:  # a run_cmd is a new process too: its refusal would end the run as a config error
        root = root.replace('run_cmd("sh", "-c", ', "trimspace(")
    (live / "root.hcl").write_text(root)
    (live / "app" / "terragrunt.hcl").write_text('include "root" {\n  path = find_in_parent_folders("root.hcl")\n}\n')
    (live / "app" / "main.tf").write_text(MAIN_TF)
    return live


def _env(tmp_path: Path, moto: MotoServer, **extra: str) -> dict[str, str]:
    env = {"PATH": os.environ.get("PATH", ""), "NO_COLOR": "1", "TG_TF_PATH": str(terraform_path()), **moto.env()}
    env.update(terraform_env(tmp_path / "home"))
    env.update(extra)
    return env


@pytest.mark.parametrize("mode", ["env", "broker"])
def test_trace_logs_hooks_and_run_cmd_output_are_redacted(moto: MotoServer, tmp_path: Path, mode: str) -> None:
    live = _tree(tmp_path, moto, f"tgo-secrets-trace-{mode}")
    report_file = tmp_path / "report.json"
    args = ("run-all", "apply", "--yes", "--credentials", mode, "--report-file", str(report_file))
    res = run_tgo(_env(tmp_path, moto, TF_LOG="TRACE"), live, *args)
    output = res.stdout + res.stderr
    assert res.returncode == 0, output[-3000:]
    secrets = moto.issued_secrets()
    assert secrets, "the module ran under an assumed role"
    assert "X-Amz-Security-Token" in output, "terraform traced its requests"
    if mode == "env":  # the hook and run_cmd got the keys themselves, and printed them
        shown = [ln for ln in output.splitlines() if "AWS_SESSION_TOKEN" in ln or "run_cmd" in ln]
        assert f"AWS_SESSION_TOKEN={MASK}" in output, shown
        assert f"run_cmd: run_cmd sees {MASK} {MASK}" in output, shown
    assert not [s for s in secrets if s in output]
    assert output.count("were redacted") == 1
    written = [p for p in (live / ".tgo").rglob("*") if p.is_file()] + [report_file]
    assert any(p.suffix == ".log" for p in written)
    for path in written:
        data = path.read_bytes()
        assert not [s for s in secrets if s.encode() in data], path
    assert json.loads(report_file.read_text())["modules"][0]["status"] == "succeeded"


def test_new_terraform_never_gets_a_session_with_minutes_left(moto: MotoServer, tmp_path: Path) -> None:
    live = _tree(tmp_path, moto, "tgo-secrets-lifetime", run_cmd=False)
    # Sessions the server hands out now end 10 minutes from now (as if assumed 50 minutes ago).
    moto.set_time_offset(-timedelta(minutes=50))
    plan = ("run-all", "plan", "--non-interactive", "--credentials", "env")
    refused = run_tgo(_env(tmp_path, moto), live, *plan)
    assert refused.returncode == 1, refused.stdout + refused.stderr
    assert "SessionTooShort" in refused.stdout + refused.stderr and "TGO_IAM_MIN_LIFETIME" in refused.stdout
    assert not list(live.rglob("terraform.tfstate")) and not list(live.rglob(".terraform"))
    allowed = run_tgo(_env(tmp_path, moto, TGO_IAM_MIN_LIFETIME="120"), live, *plan)
    assert allowed.returncode == 0, allowed.stdout + allowed.stderr


def test_the_fatal_error_at_exit_is_redacted_too(moto: MotoServer, tmp_path: Path) -> None:
    """A run_cmd under the module's role fails printing the session's secrets: the config error tgo
    prints as it exits (outside every command's console) masks them like every other line."""
    module = tmp_path / "live" / "m"
    module.mkdir(parents=True)
    (module / "terragrunt.hcl").write_text(
        f'iam_role = "{ROLES[0]}"\n'
        'inputs = {\n  x = run_cmd("sh", "-c", "echo $AWS_SESSION_TOKEN $AWS_SECRET_ACCESS_KEY >&2; exit 1")\n}\n'
    )
    env = {"PATH": os.environ.get("PATH", ""), "NO_COLOR": "1", **moto.env(), **terraform_env(tmp_path / "home")}
    done = run_tgo(env, module.parent, "run-all", "plan", "--credentials", "env", timeout=120)
    assert done.returncode == 3, done.stdout + done.stderr
    assert "run_cmd" in done.stderr and MASK in done.stderr, done.stderr
    secrets = moto.issued_secrets()
    assert secrets, "the role was assumed for run_cmd"
    assert not [s for s in secrets if s in done.stdout + done.stderr]
