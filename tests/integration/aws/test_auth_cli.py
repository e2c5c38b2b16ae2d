"""``tgo auth check`` as a user runs it: a real HCL tree, the real config loader, a moto server."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.integration.aws.conftest import ROLES
from tests.support.cli import run_tgo
from tests.support.moto_server import MotoServer

pytestmark = pytest.mark.e2e

ROOT_HCL = """
locals {
  account = read_terragrunt_config(find_in_parent_folders("account.hcl"))
}
iam_role = "arn:aws:iam::${local.account.locals.account_id}:role/${local.account.locals.role}"
"""


def write_tree(root: Path) -> None:
    root.mkdir()
    (root / "root.hcl").write_text(ROOT_HCL)
    for i, role in enumerate(ROLES[:2]):
        account, name = role.split(":")[4], role.rsplit("/", 1)[1]
        env = root / f"env{i}"
        env.mkdir(parents=True)
        (env / "account.hcl").write_text(f'locals {{\n  account_id = "{account}"\n  role = "{name}"\n}}\n')
        for mod in ("vpc", "app"):
            (env / mod).mkdir()
            (env / mod / "terragrunt.hcl").write_text(
                'include "root" {\n  path = find_in_parent_folders("root.hcl")\n}\n'
            )
    (root / "shared").mkdir()
    (root / "shared" / "terragrunt.hcl").write_text("inputs = {}\n")


def tgo(moto: MotoServer, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path), "NO_COLOR": "1", **moto.env()}
    return run_tgo(env, tmp_path, *args, timeout=60)


def test_auth_check_prints_one_row_per_role(moto: MotoServer, tmp_path: Path) -> None:
    write_tree(tmp_path / "live")
    res = tgo(moto, tmp_path, "auth", "check", "--working-dir", "live")
    assert res.returncode == 0, res.stderr
    lines = res.stdout.splitlines()
    assert lines[0].split()[:2] == ["ROLE", "ACCOUNT"]
    row0 = next(line for line in lines if line.startswith(ROLES[0]))
    assert "111111111111" in row0 and "assumed-role/deploy-0/tgo-" in row0 and "env0/app, env0/vpc" in row0
    assert any(line.startswith(ROLES[1]) and "env1/app, env1/vpc" in line for line in lines)
    assert any(line.startswith("(base credentials)") and "shared" in line for line in lines)
    assert moto.calls("AssumeRole") == 2


def test_auth_check_fails_naming_the_role_and_modules(moto: MotoServer, tmp_path: Path) -> None:
    write_tree(tmp_path / "live")
    moto.deny(ROLES[1])
    res = tgo(moto, tmp_path, "auth", "check", "--working-dir", "live")
    assert res.returncode == 1
    assert f"cannot assume {ROLES[1]}: AccessDenied" in res.stderr
    assert "env1/app, env1/vpc" in res.stderr
    assert "Traceback" not in res.stderr


def test_iam_role_flag_overrides_every_module(moto: MotoServer, tmp_path: Path) -> None:
    write_tree(tmp_path / "live")
    res = tgo(moto, tmp_path, "auth", "check", "--working-dir", "live", "--terragrunt-iam-role", ROLES[2])
    assert res.returncode == 0, res.stderr
    assert moto.assumed_roles() == [ROLES[2]]
    assert "env0/app, env0/vpc, env1/app, env1/vpc, shared" in res.stdout
