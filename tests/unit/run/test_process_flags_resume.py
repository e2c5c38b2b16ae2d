"""The process flags declared once (run-all's parser and click agree), --max-per-account and
--executor parsing, and --resume's reading of earlier reports."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from orchestrator.app.resume import check_command, from_drift_report, from_run_report, parse_only
from orchestrator.cli.process_flags import PROCESS_FLAGS, ProcessFlags, click_process_flags
from orchestrator.cli.run_argv import FLAGS, split_run_argv
from orchestrator.errors import UsageError
from orchestrator.report.drift_model import DriftReport, ModuleDrift, Totals
from orchestrator.report.run_model import ModuleResult, RunReport


def test_every_process_flag_is_a_run_all_flag_with_its_aliases() -> None:
    for flag in PROCESS_FLAGS:
        assert FLAGS[flag.name] == (flag.takes_value, False, flag.aliases)


def test_run_argv_and_click_give_the_same_values() -> None:
    argv = ["plan", "--terragrunt-iam-role", "arn:aws:iam::1:role/r", "--max-per-account=2", "--executor", "local"]
    from_argv = ProcessFlags.from_argv(split_run_argv(argv).one, {})

    @click.command()
    @click_process_flags
    def cmd(**flags: object) -> None:
        seen.update(ProcessFlags.from_click(flags, {}).values)

    seen: dict[str, str | None] = {}
    result = CliRunner().invoke(cmd, argv[1:])
    assert result.exit_code == 0, result.output
    assert seen == dict(from_argv.values)
    assert from_argv.max_per_account() == 2


def test_max_per_account_from_the_environment_and_bad_values() -> None:
    assert ProcessFlags({}, {"TGO_MAX_PER_ACCOUNT": "3"}).max_per_account() == 3
    assert ProcessFlags({}, {}).max_per_account() is None
    with pytest.raises(UsageError, match="TGO_MAX_PER_ACCOUNT: expects a whole number"):
        ProcessFlags({}, {"TGO_MAX_PER_ACCOUNT": "0"}).max_per_account()
    with pytest.raises(UsageError, match="whole number >= 1, got 'x'"):
        ProcessFlags({"max_per_account": "x"}, {}).max_per_account()


def _run_report(tmp_path: Path) -> Path:
    now = datetime.now(UTC)
    report = RunReport(
        command="apply",
        args=[],
        working_dir=str(tmp_path),
        started_at=now,
        finished_at=now,
        exit_code=1,
        modules=[
            ModuleResult(path="a", status="succeeded"),
            ModuleResult(path="b", status="failed"),
            ModuleResult(path="c", status="skipped"),
            ModuleResult(path="d", status="interrupted"),
            ModuleResult(path="x", status="excluded", reason="skip = true"),
            ModuleResult(path="r", status="excluded", role="read"),
        ],
    )
    path = tmp_path / "report.json"
    path.write_text(report.model_dump_json())
    return path


def test_a_run_report_reruns_failed_skipped_and_interrupted_and_keeps_the_rest(tmp_path: Path) -> None:
    resume = from_run_report(_run_report(tmp_path))
    assert resume.rerun == {"b", "c", "d"}
    assert set(resume.kept_run) == {"a"}
    check_command(resume, "apply")
    with pytest.raises(UsageError, match="was made by `apply`, not `plan`"):
        check_command(resume, "plan")
    with pytest.raises(UsageError, match="not a tgo run report"):
        from_run_report(_drift_report(tmp_path))


def _drift_report(tmp_path: Path) -> Path:
    report = DriftReport(
        tool_version="0",
        generated_at=datetime.now(UTC),
        mode="plan",
        working_dir=str(tmp_path),
        totals=Totals(),
        exit_code=1,
        modules=[
            ModuleDrift(path="a", status="clean"),
            ModuleDrift(path="b", status="drifted"),
            ModuleDrift(path="c", status="error"),
        ],
    )
    path = tmp_path / "drift.json"
    path.write_text(report.model_dump_json())
    return path


def test_a_drift_report_reruns_the_statuses_asked_for(tmp_path: Path) -> None:
    path = _drift_report(tmp_path)
    assert from_drift_report(path).rerun == {"c"}
    resume = from_drift_report(path, parse_only("drifted,error"))
    assert resume.rerun == {"b", "c"} and set(resume.kept_drift) == {"a"}
    check_command(resume, "drift --mode plan")
    with pytest.raises(UsageError, match="drift --mode refresh-only"):
        check_command(resume, "drift --mode refresh-only")
    with pytest.raises(UsageError, match="takes drift statuses"):
        parse_only("drifted,bogus")
