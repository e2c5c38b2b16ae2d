"""A pre-flight that fails, through the CLI against the moto server: the report is still written with
the failing roles and their modules, and throttling that outlasts the retries says so instead of
blaming the trust policy. Nothing starts."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.integration.aws.conftest import ROLES
from tests.support.cli import run_tgo
from tests.support.moto_server import Fault, MotoServer
from tests.support.terraform import terraform_env, terraform_path

pytestmark = pytest.mark.e2e


def test_failed_preflight_writes_the_report_and_names_throttling(moto: MotoServer, tmp_path: Path) -> None:
    root = tmp_path / "live"
    for name, role in (("denied", ROLES[1]), ("throttled", ROLES[2])):
        (root / name).mkdir(parents=True)
        (root / name / "terragrunt.hcl").write_text(f'iam_role = "{role}"\n')
        (root / name / "main.tf").write_text('output "x" {\n  value = 1\n}\n')
    moto.deny(ROLES[1])
    moto.inject(Fault("AssumeRole", "Throttling", "Rate exceeded", role_arn=ROLES[2]))
    env = {
        "PATH": os.environ.get("PATH", ""),
        "NO_COLOR": "1",
        "TG_TF_PATH": str(terraform_path()),
        "TGO_STS_MAX_ATTEMPTS": "2",
        "TGO_CREDENTIALS": "env",
        "PYTHONPATH": str(Path(__file__).resolve().parents[3]),
        **moto.env(),
        **terraform_env(tmp_path / "home"),
    }
    report_file = tmp_path / "report.json"
    try:
        res = run_tgo(env, root, "run-all", "apply", "--yes", f"--report-file={report_file}")
    finally:
        moto.clear_faults()
    assert res.returncode == 1, res.stdout + res.stderr
    assert "Traceback" not in res.stderr
    throttled = next(part for part in res.stderr.split(";") if ROLES[2] in part)
    assert "still throttling after 2 attempts" in res.stderr
    assert "trust policy was not checked" in res.stderr and "check the role's trust policy" not in throttled
    report = json.loads(report_file.read_text())
    assert report["exit_code"] == 1
    assert {f["role_arn"]: f["modules"] for f in report["preflight_failures"]} == {
        ROLES[1]: ["denied"],
        ROLES[2]: ["throttled"],
    }
    assert "AccessDenied" in next(f["error"] for f in report["preflight_failures"] if f["role_arn"] == ROLES[1])
    assert {m["path"]: m["status"] for m in report["modules"]} == {"denied": "skipped", "throttled": "skipped"}
    assert not (root / "denied" / ".terraform").exists() and not (root / "throttled" / ".terraform").exists()
