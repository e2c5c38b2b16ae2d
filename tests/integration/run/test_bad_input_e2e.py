"""Bad input through the CLI: a --tf-path that is not terraform, runs left with no module, module
directories whose names hold newlines or ANSI escapes. Each stops or prints the way a user can trust."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from tests.integration.run.conftest import MAIN_TF, StubTree
from tests.support.cli import run_tgo

pytestmark = pytest.mark.e2e

EVIL = "evil\n[tgo] prod: succeeded\x1b[31m"
EVIL_SHOWN = "evil\\n[tgo] prod: succeeded\\x1b[31m"


def _env(runtime: Any) -> dict[str, str]:
    return dict(runtime.environ, PYTHONPATH=str(Path(__file__).resolve().parents[3]))


def _module(root: Path, name: str, body: str = "") -> Path:
    d = root / name
    d.mkdir(parents=True)
    (d / "main.tf").write_text(MAIN_TF % "m")
    (d / "terragrunt.hcl").write_text(body)
    return d


def test_a_tf_path_that_is_not_terraform_is_exit_3_before_anything_runs(runtime: Any, stub_tree: StubTree) -> None:
    root = stub_tree.root
    _module(root, "a")
    fake = root.parent / "not-terraform"
    fake.write_text('#!/bin/sh\necho \'{"version": "2.0"}\'\n')
    fake.chmod(0o755)
    for tf in ("/bin/echo", str(fake)):
        res = run_tgo(_env(runtime), root, "run-all", "plan", "--tf-path", tf)
        assert res.returncode == 3, res.stdout + res.stderr
        assert f"'{tf}' is not terraform" in res.stderr and "Traceback" not in res.stderr
    assert not (root / "a" / ".terragrunt-cache").exists(), "nothing ran"


def test_a_run_with_no_modules_is_exit_3_naming_what_was_searched(runtime: Any, stub_tree: StubTree) -> None:
    root = stub_tree.root
    env = _env(runtime)
    (root / "empty").mkdir()
    wrong = run_tgo(env, root, "run-all", "plan", "--working-dir", "nowhere")
    assert wrong.returncode == 3 and f"{root / 'nowhere'} is not a directory" in wrong.stderr, wrong.stderr
    empty = run_tgo(env, root, "run-all", "plan", "--working-dir", "empty")
    assert empty.returncode == 3 and f"no terragrunt.hcl or terragrunt.hcl.json found under {root / 'empty'}" in (
        empty.stderr
    )
    _module(root, "a")
    _module(root, "b", "skip = true\n")
    filtered = run_tgo(env, root, "run-all", "apply", "--yes", "--exclude-dir", "a")
    assert filtered.returncode == 3, filtered.stdout + filtered.stderr
    assert "2 module(s) found" in filtered.stderr
    assert "excluded by --include-dir/--exclude-dir: 1 (a)" in filtered.stderr
    assert "skip = true: 1 (b)" in filtered.stderr
    drift = run_tgo(env, root, "drift", "--working-dir", "empty")
    assert drift.returncode == 3 and "no terragrunt.hcl" in drift.stderr, drift.stdout + drift.stderr
    assert "no drift" not in (drift.stdout + drift.stderr).lower()
    assert not (root / "a" / ".terragrunt-cache").exists()


def test_module_paths_with_newlines_and_escapes_are_shown_escaped(runtime: Any, stub_tree: StubTree) -> None:
    root = stub_tree.root
    _module(root, EVIL)
    report_file = root.parent / "report.json"
    res = run_tgo(_env(runtime), root, "run-all", "plan", f"--report-file={report_file}", "--log-dir", "run")
    assert res.returncode == 0, res.stdout + res.stderr
    out = res.stdout + res.stderr
    assert "\x1b" not in out, "no escape sequence of the directory name reaches the terminal"
    forged = [line for line in out.splitlines() if line.startswith("[tgo] prod")]
    assert forged == [], forged
    assert f"[tgo] {EVIL_SHOWN}: succeeded" in out
    assert f"[{EVIL_SHOWN}] " in out, "terraform's lines carry the escaped prefix"
    logs = os.listdir(root / "run" / "logs")
    assert logs == [EVIL_SHOWN.replace("/", "__") + ".log"], logs
    report = json.loads(report_file.read_text())
    assert [m["path"] for m in report["modules"]] == [EVIL_SHOWN]
