"""Ctrl-C during `tgo run-all`: SIGINT reaches the running module's processes, nothing new starts,
the report is still written, exit 130. Hooks see the module's inputs in their environment."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.integration.run.conftest import MAIN_TF, StubTree

pytestmark = pytest.mark.e2e

SLOW = """
inputs = {
  salt = "from-inputs"
}
terraform {
  before_hook "record" {
    commands = ["plan"]
    execute  = ["sh", "-c", "echo $TF_VAR_salt > hook-env.txt"]
  }
  before_hook "slow" {
    commands = ["plan"]
    execute  = ["sleep", "60"]
  }
}
"""


def test_sigint_interrupts_running_modules_and_writes_the_report(runtime: Any, stub_tree: StubTree) -> None:
    root = stub_tree.root
    for name, body in (("slow", SLOW), ("after", 'dependencies {\n  paths = ["../slow"]\n}\n')):
        (root / name).mkdir()
        (root / name / "main.tf").write_text(MAIN_TF % name)
        (root / name / "terragrunt.hcl").write_text(body)
    env = dict(runtime.environ, PYTHONPATH=str(Path(__file__).resolve().parents[3]))
    report_file = root.parent / "interrupted.json"
    proc = subprocess.Popen(
        [sys.executable, "-m", "orchestrator", "run-all", "plan", f"--report-file={report_file}"],
        cwd=root,
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
    )
    assert proc.stdout is not None
    try:
        for line in proc.stdout:  # wait until the slow hook runs
            if "before_hook 'slow'" in line:
                break
        os.kill(proc.pid, signal.SIGINT)
        rest, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, rest + err
    report = json.loads(report_file.read_text())
    assert report["interrupted"] is True and report["exit_code"] == 130
    assert {m["path"]: m["status"] for m in report["modules"]} == {"slow": "interrupted", "after": "interrupted"}
    assert (root / "slow" / "hook-env.txt").read_text().strip() == "from-inputs"
    assert not (root / "after" / ".terraform").exists(), "nothing new starts after Ctrl-C"
