"""Fixtures for the Dask executor tests: one local cluster of two worker PROCESSES on 127.0.0.1 per
test module, the real terraform 1.0.3 behind a small wrapper that can pause a chosen command once
(so a test can kill the worker running it at a known moment), and outputs-only modules with the
local backend (no AWS needed for the executor's own behaviour)."""

from __future__ import annotations

import os
import shutil
import signal
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psutil
import pytest

from orchestrator.config.models import ModuleConfig
from orchestrator.execution.dask_executor import DaskExecutor, make_dask_executor
from orchestrator.execution.task import ModuleTask
from orchestrator.terraform.commands import TfCommand
from tests.support.terraform import terraform_env, terraform_path

MAIN_TF = 'variable "salt" {\n  default = "0"\n}\noutput "value" {\n  value = "v-${var.salt}"\n}\n'
WRAPPER = """#!/bin/sh
# Pauses the first `terraform <command>` for which $PAUSE_DIR/pause-<command> exists (taken atomically)
# and, when that file names a module, whose working directory is under that module.
want="$PAUSE_DIR/pause-$1"
if [ -n "$PAUSE_DIR" ] && [ -f "$want" ] && case "$PWD" in *"$(cat "$want")"*) true;; *) false;; esac \
   && mv "$want" "$PAUSE_DIR/paused-$1.$$" 2>/dev/null; then
  sleep 60
fi
exec {real} "$@"
"""


def kill_paused(pause_dir: Path, command: str, timeout: float = 120.0) -> int:
    """Wait for the paused ``command``, then SIGKILL its worker process and the wrapper's process
    group (the worker's machine is gone). Returns the killed worker's pid."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = sorted(pause_dir.glob(f"paused-{command}.*"))
        if found:
            pid = int(found[0].suffix.lstrip("."))
            worker = psutil.Process(pid).parent()
            assert worker is not None
            os.kill(worker.pid, signal.SIGKILL)
            os.killpg(pid, signal.SIGKILL)  # the wrapper runs in its own session
            found[0].unlink()
            return worker.pid
        time.sleep(0.1)
    raise AssertionError(f"terraform {command} never started")


@dataclass
class Cluster:
    root: Path
    executor: DaskExecutor
    pause_dir: Path
    terraform: str
    environ: dict[str, str]

    def module(self, name: str, *, salt: str = "0") -> ModuleConfig:
        path = self.root / name
        path.mkdir(parents=True, exist_ok=True)
        (path / "main.tf").write_text(MAIN_TF)
        (path / "terragrunt.hcl").write_text("")
        return ModuleConfig(path=path, config_file=path / "terragrunt.hcl", inputs={"salt": salt})

    def task(self, name: str, command: str, *args: str, account: str | None = None) -> ModuleTask:
        return ModuleTask(
            run_id="t",
            module=name,
            root=str(self.root),
            config=self.module(name),
            terraform=self.terraform,
            command=TfCommand(command, args),
            account_id=account,
        )

    def pause(self, command: str) -> None:
        (self.pause_dir / f"pause-{command}").write_text("")

    def kill_paused(self, command: str) -> int:
        return kill_paused(self.pause_dir, command)


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    root = Path(tempfile.mkdtemp(prefix="tgodask", dir="/tmp"))
    pause = root / "pause"
    pause.mkdir()
    wrapper = root / "terraform"
    wrapper.write_text(WRAPPER.format(real=terraform_path()))
    wrapper.chmod(0o755)
    environ = {**terraform_env(root / "home"), "PATH": os.environ.get("PATH", ""), "PAUSE_DIR": str(pause)}
    tree = root / "live"
    tree.mkdir()
    executor = make_dask_executor(
        "dask-local:2", run_id="t", environ=environ, root=tree, terraform=str(wrapper), mode="env", threads=2
    )
    try:
        yield Cluster(tree, executor, pause, str(wrapper), environ)
    finally:
        executor.close()
        shutil.rmtree(root, ignore_errors=True)
