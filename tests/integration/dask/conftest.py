"""Helpers for the Dask e2e tests: the real terraform 1.0.3 behind a small wrapper that can pause a
chosen command once (so a test can kill the worker running it at a known moment), and outputs-only
modules with the local backend."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import psutil

from orchestrator.config.models import ModuleConfig
from orchestrator.execution.task import ModuleTask
from orchestrator.terraform.commands import TfCommand

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


def kill_paused(pause_dir: Path, command: str, timeout: float = 120.0, *, kill_worker: bool = True) -> int:
    """Wait for the paused ``command``, then SIGKILL its worker process (unless not ``kill_worker``) and
    the wrapper's process group (the worker's machine is gone). Returns the wrapper's pid."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = sorted(pause_dir.glob(f"paused-{command}.*"))
        if found:
            pid = int(found[0].suffix.lstrip("."))
            worker = psutil.Process(pid).parent()
            assert worker is not None
            if kill_worker:
                os.kill(worker.pid, signal.SIGKILL)
                os.killpg(pid, signal.SIGKILL)  # the wrapper runs in its own session
            found[0].unlink()
            return pid
        time.sleep(0.1)
    raise AssertionError(f"terraform {command} never started")


def outputs_only_task(root: Path, name: str, terraform: str, command: str, account: str | None = None) -> ModuleTask:
    """A module with one output and the local backend (no AWS), as a task for ``command``."""
    path = root / name
    path.mkdir(parents=True, exist_ok=True)
    (path / "main.tf").write_text(MAIN_TF)
    (path / "terragrunt.hcl").write_text("")
    cfg = ModuleConfig(path=path, config_file=path / "terragrunt.hcl")
    return ModuleTask(
        run_id="t",
        module=name,
        root=str(root),
        config=cfg,
        terraform=terraform,
        command=TfCommand(command),
        account_id=account,
    )
