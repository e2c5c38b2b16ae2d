"""The `exclude` block through the CLI with the real terraform: decided with the command known,
inherited through includes, `exclude_dependencies`, `no_run` for single runs, `all_except_output`,
and `tgo run --all` as `tgo run-all`."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.integration.run.conftest import MAIN_TF
from tests.support.cli import run_tgo

pytestmark = pytest.mark.e2e

UNITS = {
    # Inherited: the include's exclude block (plan only, and not even `tgo run plan`).
    "_envcommon/noplan.hcl": 'exclude {\n  if      = true\n  actions = ["plan"]\n  no_run  = true\n}\n',
    "noplan/terragrunt.hcl": 'include "common" {\n  path = "${get_terragrunt_dir()}/../_envcommon/noplan.hcl"\n}\n',
    "base/terragrunt.hcl": "inputs = {}\n",
    # A string `if` and an upper-case action, as Terragrunt accepts them.
    "app/terragrunt.hcl": (
        'dependencies {\n  paths = ["../base"]\n}\n'
        'exclude {\n  if                   = "true"\n  actions              = ["APPLY"]\n'
        "  exclude_dependencies = true\n}\n"
    ),
    "lone/terragrunt.hcl": "inputs = {}\n",
    "out/terragrunt.hcl": 'exclude {\n  if      = true\n  actions = ["all_except_output"]\n}\n',
}


def _tree(root: Path) -> None:
    for rel, body in UNITS.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(body)
        if rel.endswith("terragrunt.hcl"):
            (path.parent / "main.tf").write_text(MAIN_TF % path.parent.name)


def _statuses(report: Path) -> dict[str, Any]:
    return {m["path"]: m["status"] for m in json.loads(report.read_text())["modules"]}


def _ok(done: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    assert done.returncode == 0, done.stdout + done.stderr
    return done


def test_exclude_block_decided_with_the_command(tmp_path: Path, tgo_env: dict[str, str]) -> None:
    root = tmp_path / "live"
    _tree(root)

    # Single runs: no_run = true stops `tgo run plan` before terraform; without no_run a direct run runs.
    stopped = _ok(run_tgo(tgo_env, root / "noplan", "run", "plan"))
    assert "no_run" in stopped.stderr and not (root / "noplan/.terraform").exists()
    _ok(run_tgo(tgo_env, root / "out", "run", "plan"))
    assert (root / "out/.terraform").is_dir()

    # apply: app lists APPLY and takes its dependency base with it; out excludes everything but output.
    r1 = tmp_path / "apply.json"
    _ok(run_tgo(tgo_env, root, "run", "--all", "apply", "--non-interactive", f"--report-file={r1}"))
    assert _statuses(r1) == {
        "app": "excluded",
        "base": "excluded",
        "lone": "succeeded",
        "noplan": "succeeded",
        "out": "excluded",
    }

    # plan: now noplan (through its include) is out, app and base run.
    r2 = tmp_path / "plan.json"
    _ok(run_tgo(tgo_env, root, "run-all", "plan", f"--report-file={r2}"))
    assert _statuses(r2) == {
        "app": "succeeded",
        "base": "succeeded",
        "lone": "succeeded",
        "noplan": "excluded",
        "out": "excluded",
    }

    # The dry run agrees, command by command.
    listed = _ok(run_tgo(tgo_env, root, "find", "--as", "output", "--json"))
    assert [e["path"] for e in json.loads(listed.stdout)] == ["base", "lone", "noplan", "out", "app"]
    listed = _ok(run_tgo(tgo_env, root, "list", "--queue-construct-as", "apply"))
    assert listed.stdout.split() == ["lone", "noplan"]
