"""``tgo run-all plan --source DIR --queue-include-units-reading FILE`` with the real terraform: modules
run from the local checkout (Terragrunt's ``<source>//<subdir>``), ``get_terragrunt_source_cli_flag()``
sees the flag, and only modules whose config read FILE (here through ``mark_as_read``) run."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.support.cli import run_tgo
from tests.support.terraform import terraform_env, terraform_path

pytestmark = pytest.mark.e2e

MODULE_TF = 'variable "src" {\n  type = string\n}\noutput "src" {\n  value = var.src\n}\n'
UNIT = """
terraform {
  source = "git::https://git.invalid/org/modules.git//echo?ref=v1"
}
locals {
  marked = %s
}
inputs = {
  src = get_terragrunt_source_cli_flag()
}
"""


def test_source_override_and_units_reading(tmp_path: Path) -> None:
    src = tmp_path / "src"
    (src / "echo").mkdir(parents=True)
    (src / "echo" / "main.tf").write_text(MODULE_TF)
    live = tmp_path / "live"
    for name, marked in (("reads", 'mark_as_read("../shared.yaml")'), ("other", '"none"')):
        (live / name).mkdir(parents=True)
        (live / name / "terragrunt.hcl").write_text(UNIT % marked)
    (live / "shared.yaml").write_text("a: 1\n")
    env = {"PATH": os.environ.get("PATH", ""), "NO_COLOR": "1", "TG_TF_PATH": str(terraform_path())}
    env.update(terraform_env(tmp_path / "home"))
    report = tmp_path / "report.json"
    res = run_tgo(
        env,
        live,
        "run-all",
        "plan",
        "--source",
        str(src),
        "--queue-include-units-reading",
        "shared.yaml",
        "--report-file",
        str(report),
    )
    assert res.returncode in (0, 2), res.stdout + res.stderr
    modules = {Path(m["path"]).name: m for m in json.loads(report.read_text())["modules"]}
    assert modules["reads"]["status"] in ("succeeded", "changes")
    assert modules["other"]["status"] == "excluded"
    assert modules["other"]["reason"] == "does not read any --queue-include-units-reading file"
    workdir = Path(modules["reads"]["working_dir"])
    assert workdir.name == "echo" and (workdir / "main.tf").read_text() == MODULE_TF  # copied from --source
    assert f'+ src = "{src}"' in res.stdout
