"""`tgo drift` flag translation (no terraform runs here)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from orchestrator.cli import main
from orchestrator.cli.drift_cmds import options_from
from orchestrator.runtime import Runtime


def runtime(tmp_path: Path, **env: str) -> Runtime:
    return Runtime(environ=env, cwd=tmp_path)


def test_flags_become_typed_options(tmp_path: Path) -> None:
    opts = options_from(
        {
            "mode": "refresh-only",
            "working_dir": Path("live"),
            "account": ("prod", "111111111111"),
            "include_dir": ("prod/**",),
            "parallelism": 3,
            "previous": Path("old/drift.json"),
            "output_dir": Path("out"),
            "exit_zero": True,
        },
        runtime(tmp_path, TGO_ACCOUNT_FILE="acct.hcl"),
    )
    assert opts.mode == "refresh-only" and opts.parallelism == 3 and opts.exit_zero
    assert opts.working_dir == tmp_path / "live" and opts.previous == tmp_path / "old" / "drift.json"
    assert opts.output_dir == tmp_path / "out" and opts.suppressions is None
    assert opts.accounts == ("prod", "111111111111") and opts.include_dirs == ("prod/**",)
    assert opts.convention.file == "acct.hcl"


def test_defaults(tmp_path: Path) -> None:
    opts = options_from({}, runtime(tmp_path))
    assert (opts.mode, opts.working_dir, opts.output_dir, opts.exit_zero) == ("plan", tmp_path, None, False)


@pytest.mark.parametrize(
    ("argv", "code"),
    [(["drift", "--parallelism", "0"], 64), (["drift", "--mode", "nope"], 64), (["drift", "--bogus"], 64)],
)
def test_bad_flags_exit_64_before_anything_runs(argv: list[str], code: int, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(argv)
    assert done.value.code == code
    assert "Traceback" not in capsys.readouterr().err


def test_unknown_account_name_is_a_usage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "prod").mkdir()
    (tmp_path / "prod" / "account.hcl").write_text(
        'locals {\n  account_name = "prod"\n  account_id = "444444444444"\n}\n'
    )
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as done:
        main(["drift", "--account", "prdo"])
    assert done.value.code == 64
    err = capsys.readouterr().err
    assert "--account" in err and "prod (444444444444)" in err


def test_on_github_actions_drift_fills_the_step_summary_and_outputs(
    tmp_path: Path, build: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    from datetime import UTC, datetime

    from orchestrator.app.drift import DriftResult
    from orchestrator.cli.drift_cmds import publish_on_github
    from orchestrator.report.drift_md import render_markdown
    from orchestrator.report.run_model import ModuleResult, RunReport
    from tests.unit.drift.conftest import planned

    report = build([planned("prod/app", "edited", "444444444444", "prod"), planned("dev/net", "clean")])
    md = tmp_path / "drift.md"
    md.write_text(render_markdown(report))
    now = datetime(2026, 1, 1, tzinfo=UTC)
    run = RunReport(
        command="plan",
        working_dir="/live",
        started_at=now,
        finished_at=now,
        exit_code=0,
        modules=[ModuleResult(path="prod/app", status="succeeded"), ModuleResult(path="dev/net", status="succeeded")],
    )
    result = DriftResult(report=report, run=run, files={"md": md})
    summary, outputs = tmp_path / "summary.md", tmp_path / "outputs"
    env = {"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(summary), "GITHUB_OUTPUT": str(outputs)}
    publish_on_github(Runtime(environ=env, cwd=tmp_path), result)
    assert summary.read_text().startswith("## tgo drift: 1 drifted")
    assert outputs.read_text() == f"exit_code={result.exit_code}\nchanged=0\nfailed=0\ndrifted=1\n"
    publish_on_github(Runtime(environ={}, cwd=tmp_path), result)  # elsewhere: nothing more
    assert outputs.read_text().count("drifted=") == 1
