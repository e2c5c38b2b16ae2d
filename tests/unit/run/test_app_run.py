"""run_all over a fake terraform (shell script) and a fake loader: exit codes, fail-fast reasons,
confirmation, preflight and sts stats wiring, report file."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pytest

from orchestrator.app.run import RunOptions, RunServices, run_all
from orchestrator.config.models import ModuleConfig
from orchestrator.errors import AuthError, UsageError
from orchestrator.runtime import Console, Runtime
from orchestrator.terraform.commands import TfCommand
from tests.unit.run.test_selection import tree

FAKE_TF = r"""#!/bin/sh
case "$1" in
  version) echo '{"terraform_version": "1.0.3"}'; exit 0 ;;
  plan|apply)
    case "$PWD" in *bad*) echo "Error: bad module" >&2; exit 1;; esac
    case "$PWD" in *changed*) if [ "$1" = plan ]; then echo "Plan: 0 to add, 1 to change"; exit 2; fi;; esac
    echo "No changes."; exit 0 ;;
esac
exit 0
"""


def runtime(tmp_path: Path) -> Runtime:
    tf = tmp_path / "bin" / "terraform"
    tf.parent.mkdir()
    tf.write_text(FAKE_TF)
    tf.chmod(0o755)
    env = {"PATH": f"{tf.parent}:{os.environ.get('PATH', '/usr/bin:/bin')}"}
    return Runtime(environ=env, cwd=tmp_path, console=Console(out=io.StringIO(), err=io.StringIO(), color=False))


def options(tmp_path: Path, command: TfCommand, **kw: object) -> RunOptions:
    return RunOptions(command=command, working_dir=tmp_path / "live", log_dir=tmp_path / "run", **kw)  # type: ignore[arg-type]


def test_exit_codes_and_fail_fast_reasons(tmp_path: Path) -> None:
    live = tmp_path / "live"
    loader = tree(live, {"bad": {}, "after-bad": {"deps": ["bad"]}, "other": {}, "changed": {}})
    rt = runtime(tmp_path)
    detailed = TfCommand("plan", ("-detailed-exitcode",))
    clean = run_all(rt, options(tmp_path, detailed, exclude_dirs=("bad", "after-bad", "changed")), RunServices(loader))
    assert clean.exit_code == 0
    changes = run_all(rt, options(tmp_path, detailed, exclude_dirs=("bad", "after-bad")), RunServices(loader))
    assert changes.exit_code == 2 and changes.module("changed").changes.has_changes  # type: ignore[union-attr]
    report_file = tmp_path / "r.json"
    failed = run_all(rt, options(tmp_path, detailed, report_file=report_file), RunServices(loader))
    assert failed.exit_code == 1, "an error beats changes"
    assert json.loads(report_file.read_text())["exit_code"] == 1
    assert failed.module("after-bad").reason == "skipped: dependency bad failed"

    fast = run_all(rt, options(tmp_path, TfCommand("plan"), parallelism=1, fail_fast=True), RunServices(loader))
    assert fast.module("bad").status == "failed"
    assert fast.module("after-bad").reason == "skipped: dependency bad failed"
    others = [fast.module(n) for n in ("other", "changed")]
    assert all(m.status == "skipped" and m.reason == "skipped: --fail-fast after bad failed" for m in others)


def test_apply_asks_confirmation_then_preflight_and_reports_sts(tmp_path: Path) -> None:
    live = tmp_path / "live"
    loader = tree(live, {"a": {"iam_role": "arn:aws:iam::123456789012:role/deploy"}})
    rt = runtime(tmp_path)
    asked: list[list[str]] = []
    preflighted: list[list[ModuleConfig]] = []

    def refuse(paths: list[str]) -> bool:
        asked.append(paths)
        return False

    with pytest.raises(UsageError, match="not confirmed"):
        run_all(rt, options(tmp_path, TfCommand("apply")), RunServices(loader, confirm=refuse))
    assert asked == [["a"]]

    def deny(configs: object) -> None:
        raise AuthError("cannot assume role")

    with pytest.raises(AuthError):
        run_all(rt, options(tmp_path, TfCommand("apply")), RunServices(loader, preflight=deny))
    assert not (live / "a" / ".terraform").exists(), "preflight failure: nothing ran"

    report = run_all(
        rt,
        options(tmp_path, TfCommand("apply")),
        RunServices(
            loader, preflight=lambda c: preflighted.append(list(c)), sts_stats=lambda: {"assume_role_calls": 1}
        ),
    )
    assert report.exit_code == 0 and [c.path.name for c in preflighted[0]] == ["a"]
    assert report.sts is not None and report.sts.assume_role_calls == 1
    assert report.module("a").account_id == "123456789012"
