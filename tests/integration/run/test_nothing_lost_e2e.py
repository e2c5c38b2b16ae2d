"""Nothing a run finds out is lost to a failing disk, through the CLI with the real terraform: a full
run directory (a tiny tmpfs filled to the last byte), a read-only one (a read-only tmpfs), and an
unwritable ``--report-file``. Each module's real outcome is reported, the log failure is a warning
naming the path, terraform's output still reaches the console, and the exit code is the modules'.
And a second tgo process on the same tree fails the module the first is running, naming its pid."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.integration.run.conftest import MAIN_TF, StubTree
from tests.support.cli import run_tgo

pytestmark = pytest.mark.e2e
REPO = Path(__file__).resolve().parents[3]


def _mount(where: Path, *options: str) -> None:
    where.mkdir(parents=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", ",".join(("size=64k", *options)), "tmpfs", str(where)], check=True)


@pytest.fixture
def disks(tmp_path: Path) -> Iterator[tuple[Path, Path]]:
    """(a full tmpfs, a read-only tmpfs); root can mount them, and the suite runs as root."""
    full, readonly = tmp_path / "full", tmp_path / "readonly"
    _mount(full)
    _mount(readonly, "ro")
    try:
        fd = os.open(full / "filler", os.O_WRONLY | os.O_CREAT)
        for chunk in (b"\0" * 4096, b"\0"):  # pages, then the last bytes
            with contextlib.suppress(OSError):  # ENOSPC: full
                while True:
                    os.write(fd, chunk)
        os.close(fd)
        yield full, readonly
    finally:
        for where in (full, readonly):
            subprocess.run(["umount", "-l", str(where)], check=False)


def _tree(root: Path) -> None:
    for name, body in (("ok", MAIN_TF % "ok"), ("bad", 'output "x" {\n  value = var.missing\n}\n')):
        (root / name).mkdir()
        (root / name / "main.tf").write_text(body)
        (root / name / "terragrunt.hcl").write_text("")


def _check_outcomes(res: subprocess.CompletedProcess[str], report: dict[str, Any], where: Path) -> None:
    out = res.stdout + res.stderr
    assert res.returncode == 1, out
    assert "Traceback" not in out
    assert {m["path"]: (m["status"], m["exit_code"], m["bug"]) for m in report["modules"]} == {
        "ok": ("succeeded", 0, False),
        "bad": ("failed", 1, False),
    }, "the real outcomes, from terraform's exit codes"
    assert f"cannot write the log {where / 'logs' / 'ok.log'}" in out
    assert "[ok] Apply complete!" in out and "[bad] Error: Reference to undeclared input variable" in out


def test_a_full_or_read_only_run_directory_loses_no_result(runtime: Any, stub_tree: StubTree, disks: Any) -> None:
    root = stub_tree.root
    _tree(root)
    env = dict(runtime.environ, PYTHONPATH=str(REPO))
    full, readonly = disks
    for where in (full, readonly):
        report_file = root.parent / f"{where.name}.json"
        res = run_tgo(env, root, "run-all", "apply", "--yes", "--log-dir", str(where), f"--report-file={report_file}")
        _check_outcomes(res, json.loads(report_file.read_text()), where)


def test_an_unwritable_report_file_falls_back_with_a_message(runtime: Any, stub_tree: StubTree, disks: Any) -> None:
    root = stub_tree.root
    (root / "ok").mkdir()
    (root / "ok" / "main.tf").write_text(MAIN_TF % "ok")
    (root / "ok" / "terragrunt.hcl").write_text("")
    env = dict(runtime.environ, PYTHONPATH=str(REPO))
    full, readonly = disks
    run_dir = root.parent / "run"
    res = run_tgo(env, root, "run-all", "apply", "--yes", "--log-dir", str(run_dir), f"--report-file={readonly}/r.json")
    assert res.returncode == 0, res.stdout + res.stderr
    assert (
        f"cannot write the report to {readonly}/r.json: Read-only file system; wrote it to {run_dir}/report.json"
        in (res.stderr)
    )
    assert json.loads((run_dir / "report.json").read_text())["modules"][0]["status"] == "succeeded"
    # Nowhere to write it at all: it is printed (stderr), and the exit code is still the modules'.
    res = run_tgo(env, root, "run-all", "apply", "--yes", "--log-dir", str(full), f"--report-file={full}/r.json")
    assert res.returncode == 0 and "Traceback" not in res.stderr, res.stdout + res.stderr
    printed = res.stderr[res.stderr.index("here it is:") + len("here it is:") :]
    assert json.loads(printed[: printed.rindex("}") + 1])["exit_code"] == 0


BUSY = """
terraform {
  before_hook "slow" {
    commands = ["plan"]
    execute  = ["sleep", "60"]
  }
}
"""


def test_a_second_tgo_on_the_same_tree_fails_the_busy_module_naming_the_pid(runtime: Any, stub_tree: StubTree) -> None:
    root = stub_tree.root
    for name, body in (("busy", BUSY), ("free", "")):
        (root / name).mkdir()
        (root / name / "main.tf").write_text(MAIN_TF % name)
        (root / name / "terragrunt.hcl").write_text(body)
    env = dict(runtime.environ, PYTHONPATH=str(REPO))
    first = subprocess.Popen(
        [sys.executable, "-m", "orchestrator", "run-all", "plan", "--include-dir", "busy"],
        cwd=root,
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
    )
    assert first.stdout is not None
    try:
        for line in first.stdout:  # the first run is inside the module (its hook runs)
            if "before_hook 'slow'" in line:
                break
        second = run_tgo(env, root, "run-all", "plan", "--report-file", str(root.parent / "second.json"))
    finally:
        first.send_signal(signal.SIGINT)
        first.communicate(timeout=60)
    out = second.stdout + second.stderr
    assert second.returncode == 1, out
    assert f"module in use by tgo pid {first.pid}" in out
    assert "state lock" not in out.lower(), "never terraform's own lock error"
    report = json.loads((root.parent / "second.json").read_text())
    assert {m["path"]: m["status"] for m in report["modules"]} == {"busy": "failed", "free": "succeeded"}
