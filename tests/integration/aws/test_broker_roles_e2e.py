"""A normal broker run over three roles with the real terraform: one AssumeRole per role at the
server, each module's hook reaches AWS through the profile with boto3 (as hooks calling the AWS CLI
or boto3 do), and a module's token is refused every role session but its own and its dependencies'."""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from orchestrator.app.auth import AwsAuth
from orchestrator.app.run import RunOptions, RunServices, run_all
from orchestrator.aws.roles import RoleOverrides
from orchestrator.config.models import Dependency, Hook, ModuleConfig, TerraformBlock
from orchestrator.runtime import Console, Runtime
from orchestrator.terraform.commands import TfCommand
from tests.integration.aws.conftest import ACCOUNTS, ROLES
from tests.support.console import Captured
from tests.support.fake_loader import static_tree
from tests.support.moto_server import MotoServer
from tests.support.terraform import terraform_env, terraform_path

pytestmark = pytest.mark.e2e

MAIN_TF = 'output "value" {\n  value = "%s"\n}\n'
# Runs in a before_hook with exactly the environment terraform gets: who am I through the profile
# (boto3 resolves credential_process), and which other profiles this module's token can get.
PROBE = """
import configparser, json, os, subprocess, sys
import boto3
arn = boto3.client("sts").get_caller_identity()["Arn"]
config = configparser.ConfigParser()
config.read(os.environ["AWS_CONFIG_FILE"])
others = {}
for section in config.sections():
    name = section.split(" ", 1)[1]
    if name != os.environ["AWS_PROFILE"]:
        done = subprocess.run(["sh", "-c", config[section]["credential_process"]], capture_output=True, text=True)
        others[name] = [done.returncode, done.stderr.strip()]
keys = sorted(k for k in os.environ if k.startswith("AWS_") and "SECRET" in k or k == "AWS_ACCESS_KEY_ID")
json.dump({"arn": arn, "others": others, "keys": keys}, open(sys.argv[1], "w"))
"""


@dataclass
class Tree:
    root: Path
    probes: Path
    configs: dict[Path, ModuleConfig] = field(default_factory=dict)

    def add(self, name: str, role: str, deps: tuple[str, ...] = ()) -> None:
        path = (self.root / name).resolve()
        path.mkdir(parents=True)
        (path / "terragrunt.hcl").write_text("# stub\n")
        (path / "main.tf").write_text(MAIN_TF % name)
        hook = Hook(
            name="probe",
            commands=["plan"],
            execute=[sys.executable, str(self.root.parent / "probe.py"), str(self.probes / f"{name}.json")],
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

    def load_module(self, dir: Path, *, command: str | None = None, outputs: Any = None) -> ModuleConfig:
        return self.configs[dir]


def test_broker_run_over_three_roles(tmp_path: Path, moto: MotoServer) -> None:
    (tmp_path / "probe.py").write_text(PROBE)
    probes = tmp_path / "probes"
    probes.mkdir()
    xdg = Path(tempfile.mkdtemp(prefix="tgox", dir="/tmp"))  # short enough for the socket path
    tree = Tree(tmp_path / "live", probes)
    tree.root.mkdir()
    for i in range(6):
        tree.add(f"m{i}", ROLES[i % 3], (f"m{i - 1}",) if i == 4 else ())  # m4 reads m3's outputs
    environ = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "TMPDIR": str(tmp_path),
        "XDG_RUNTIME_DIR": str(xdg),
        "TG_TF_PATH": str(terraform_path()),
        **moto.env(),
        **terraform_env(tmp_path / "home"),
    }
    out = Captured()
    runtime = Runtime(environ=environ, cwd=tree.root, console=Console(out=out, err=out, color=False))  # type: ignore[arg-type]
    auth = AwsAuth.build(runtime, RoleOverrides(), mode="broker")
    services = RunServices(
        loader=tree,
        credentials_env=auth.credentials_env,
        preflight=auth.preflight_and_print,
        sts_stats=auth.sts_stats,
        credential_mode=auth.credential_mode,
    )
    options = RunOptions(command=TfCommand("plan"), working_dir=tree.root, parallelism=3, log_dir=tmp_path / "run")
    try:
        report = run_all(runtime, options, services)
    finally:
        auth.close()
    left = [p for p in xdg.iterdir() if p.name.startswith("tgo-")]
    shutil.rmtree(xdg, ignore_errors=True)
    assert left == [], "broker directory removed"

    assert {m.path: m.status for m in report.modules} == {f"m{i}": "succeeded" for i in range(6)}, out.text[-2000:]
    assert {m.credential_mode for m in report.modules} == {"broker"}
    assert moto.calls("AssumeRole") == 3, "one AssumeRole per role: the broker serves from the cache"
    assert report.sts is not None and report.sts.broker_requests >= 6
    for i in range(6):
        probe = json.loads((probes / f"m{i}.json").read_text())
        account, role = ACCOUNTS[i % 3], ROLES[i % 3].rsplit("/", 1)[1]
        assert probe["arn"].startswith(f"arn:aws:sts::{account}:assumed-role/{role}/"), (i, probe)
        assert probe["keys"] == [], "no key in a hook's environment"
        for profile, (code, err) in probe["others"].items():
            if i == 4 and ACCOUNTS[0] in profile:
                assert code == 0, "m4's token may read its dependency m3's session (for outputs)"
            else:
                assert code == 3 and "does not grant" in err, (i, profile, err)
    assert json.loads((probes / "m4.json").read_text())["others"], "m4 saw other profiles to try"
