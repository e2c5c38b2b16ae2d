"""Fixtures for the drift e2e tests: a moto server, the sample provider, and a reduced copy of the
sample live tree (same root.hcl, modules and conventions; 3 accounts, 5 modules) applied once.

Everything runs for real: terraform 1.0.3, the ``tgo/tgo`` provider writing to moto under each account's
``tgo-deploy`` role, the real config loader and run engine. Kept small for the suite's time budget."""

from __future__ import annotations

import io
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from orchestrator.app.auth import AwsAuth
from orchestrator.app.drift import DriftOptions, DriftResult, drift
from orchestrator.app.run import RunOptions, RunServices, run_all
from orchestrator.aws.roles import RoleOverrides
from orchestrator.cli.run_cmds import make_loader
from orchestrator.demo import Sandbox
from orchestrator.report.run_model import RunReport
from orchestrator.runtime import Console, Runtime
from orchestrator.terraform.commands import TfCommand
from tests.support.moto_server import MotoServer
from tests.support.terraform import terraform_path

ACCOUNTS = {"dev": "222222222222", "stage": "333333333333", "prod": "444444444444"}
KEEP = {
    "dev/us-east-1/dev/network",
    "dev/us-east-1/dev/app",
    "stage/us-east-1/stage/network",
    "prod/us-east-1/prod/network",
    "prod/us-east-1/prod/app",
}


def reduce_tree(live: Path) -> None:
    """Drop every module directory not in KEEP (and the security account)."""
    shutil.rmtree(live / "security")
    shutil.rmtree(live / "prod" / "eu-west-1")
    for cfg in sorted(live.rglob("terragrunt.hcl")):
        rel = cfg.parent.relative_to(live).as_posix()
        if rel not in KEEP:
            shutil.rmtree(cfg.parent)


@dataclass
class World:
    box: Sandbox
    live: Path
    server: MotoServer
    out: io.StringIO

    def runtime(self) -> Runtime:
        self.out = io.StringIO()
        return Runtime(environ=dict(self.box.env), cwd=self.live, console=Console(self.out, self.out, color=False))

    def services(self, runtime: Runtime) -> RunServices:
        aws = AwsAuth.build(runtime, RoleOverrides())
        loader = make_loader(runtime, aws)
        return RunServices(loader=loader, credentials_env=aws.credentials_env, sts_stats=aws.sts_stats)

    def run(self, command: str, *args: str) -> RunReport:
        runtime = self.runtime()
        options = RunOptions(command=TfCommand(command, args), working_dir=self.live, parallelism=4)
        return run_all(runtime, options, self.services(runtime))

    def drift(self, out_dir: Path, **kw: object) -> DriftResult:
        runtime = self.runtime()
        options = DriftOptions(working_dir=self.live, parallelism=4, output_dir=out_dir, **kw)  # type: ignore[arg-type]
        return drift(runtime, options, self.services(runtime))


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    root = Path(tempfile.mkdtemp(prefix="tgod", dir="/tmp"))  # short: provider sockets live under TMPDIR
    server = MotoServer().start()
    try:
        box = Sandbox.create(root, server.url)
        box.tf_path = str(terraform_path())
        box.env["TG_TF_PATH"] = box.tf_path
        box.provision(ACCOUNTS)
        live = box.copy_live_tree()
        reduce_tree(live)
        w = World(box, live, server, io.StringIO())
        report = w.run("apply")
        assert report.exit_code == 0, w.out.getvalue()[-4000:]
        yield w
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)
