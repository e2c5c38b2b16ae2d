"""``tgo run-all`` as a user runs it, in the default broker mode: the private directory exists while
terraform runs and is gone after a normal exit, a config error, Ctrl-C and SIGTERM."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.aws.conftest import ROLES
from tests.support.cli import run_tgo
from tests.support.moto_server import MotoServer
from tests.support.terraform import terraform_env, terraform_path

pytestmark = pytest.mark.e2e

MODULE = f"""
iam_role = "{ROLES[0]}"
terraform {{
  before_hook "slow" {{
    commands = ["plan"]
    execute  = ["sleep", "60"]
  }}
}}
"""


@pytest.fixture
def xdg() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="tgox", dir="/tmp"))  # short: a deep one is replaced by /tmp
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def _tree(tmp_path: Path, moto: MotoServer, body: str, xdg: Path) -> tuple[Path, dict[str, str], Path]:
    root = tmp_path / "live"
    (root / "m").mkdir(parents=True)
    (root / "m" / "terragrunt.hcl").write_text(body)
    (root / "m" / "main.tf").write_text('output "x" {\n  value = 1\n}\n')
    env = {
        "PATH": os.environ.get("PATH", ""),
        "NO_COLOR": "1",
        "TG_TF_PATH": str(terraform_path()),
        "XDG_RUNTIME_DIR": str(xdg),
        **moto.env(),
        **terraform_env(tmp_path / "home"),
    }
    return root, env, xdg


def _broker_dirs(xdg: Path) -> list[Path]:
    return [p for p in xdg.iterdir() if p.name.startswith("tgo-")]


@pytest.mark.parametrize(
    "sig",
    [signal.SIGINT, signal.SIGTERM],
    ids=["sigint", "sigterm"],
)
def test_broker_directory_is_removed_when_tgo_is_interrupted(
    tmp_path: Path, moto: MotoServer, sig: int, xdg: Path
) -> None:
    root, env, xdg = _tree(tmp_path, moto, MODULE, xdg)
    proc = subprocess.Popen(
        [sys.executable, "-m", "orchestrator", "run-all", "plan"],
        cwd=root,
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
    )
    assert proc.stdout is not None
    seen: list[Path] = []
    try:
        for line in proc.stdout:  # wait until the module's hook runs under the broker
            if "before_hook 'slow'" in line:
                seen = _broker_dirs(xdg)
                break
        os.kill(proc.pid, sig)
        rest, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert len(seen) == 1, "the broker directory existed while the module ran"
    assert proc.returncode in {130, 143, -sig}, rest
    assert _broker_dirs(xdg) == [], f"left behind after {signal.Signals(sig).name}: {_broker_dirs(xdg)}"


def test_broker_directory_is_removed_after_a_normal_run_and_a_failed_one(
    tmp_path: Path, moto: MotoServer, xdg: Path
) -> None:
    root, env, xdg = _tree(tmp_path, moto, f'iam_role = "{ROLES[1]}"\n', xdg)
    done = run_tgo(env, root, "run-all", "plan", "--report-file", str(tmp_path / "r.json"))
    assert done.returncode == 0, done.stdout + done.stderr
    assert '"credential_mode": "broker"' in (tmp_path / "r.json").read_text()
    assert _broker_dirs(xdg) == []
    moto.deny(ROLES[1])  # the module fails when its role is refused (no pre-flight for plan)
    failed = run_tgo(env, root, "run-all", "plan", "--credentials", "broker")
    assert failed.returncode == 1 and "AccessDenied" in failed.stdout + failed.stderr
    assert _broker_dirs(xdg) == []
    bad = run_tgo(env, root, "run-all", "plan", "--credentials", "file")
    assert bad.returncode == 64 and "--credentials must be broker or env" in bad.stderr
