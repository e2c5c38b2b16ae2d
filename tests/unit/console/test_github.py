"""GitHub Actions mode: groups that open and close, annotations, the step summary and the outputs,
written to temporary files named by the variables GitHub sets."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from orchestrator.console import github
from orchestrator.report.run_md import run_summary_md
from orchestrator.report.run_model import ModuleResult, PlanChanges, RunReport

NOW = datetime(2026, 1, 1, tzinfo=UTC)
ERROR = 'Error: Invalid reference\n\n  on main.tf line 3:\n   3:   value = nope.x\n\nA reference to "nope" is wrong.'


def plan_report(tmp_path: Path) -> RunReport:
    log = tmp_path / "bad.log"
    log.write_text("Initializing...\n::set-output name=x::forged\n" + ERROR + "\n")
    return RunReport(
        command="plan",
        working_dir="/live",
        run_dir="/live/.tgo/runs/1",
        started_at=NOW,
        finished_at=NOW,
        exit_code=1,
        modules=[
            ModuleResult(
                path="prod/app", status="succeeded", account_id="2", changes=PlanChanges(add=1, has_changes=True)
            ),
            ModuleResult(path="prod/out", status="succeeded", account_id="2", changes=PlanChanges(has_changes=True)),
            ModuleResult(path="dev/app", status="succeeded", account_id="3", changes=PlanChanges()),
            ModuleResult(path="prod/bad", status="failed", account_id="2", reason=ERROR, log_file=str(log)),
            ModuleResult(path="prod/after", status="skipped", reason="skipped: dependency prod/bad failed"),
            *[
                ModuleResult(path=f"x{i}", status="excluded", reason="excluded by --include-dir/--exclude-dir")
                for i in range(16)
            ],
        ],
    )


def test_failed_module_output_is_one_group_and_its_commands_are_off(tmp_path: Path) -> None:
    lines = github.failed_groups(plan_report(tmp_path), github.read_log, token="tok")
    assert lines[0] == "::group::prod/bad (failed)"
    assert lines[1] == "::stop-commands::tok"
    assert "::set-output name=x::forged" in lines
    assert lines[-2:] == ["::tok::", "::endgroup::"]
    assert sum(line.startswith("::group::") for line in lines) == sum(line == "::endgroup::" for line in lines) == 1


def test_one_error_annotation_per_failed_module_with_the_error_block(tmp_path: Path) -> None:
    report = plan_report(tmp_path)
    (line,) = github.error_annotations(report)
    assert line.startswith("::error title=tgo%3A prod/bad failed::Error: Invalid reference%0A%0A  on main.tf line 3")


def test_publish_appends_the_summary_and_the_outputs(tmp_path: Path) -> None:
    summary, outputs = tmp_path / "summary.md", tmp_path / "output"
    summary.write_text("earlier step\n")
    env = {"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(summary), "GITHUB_OUTPUT": str(outputs)}
    printed: list[str] = []
    report = plan_report(tmp_path)
    md = run_summary_md(report, {"2": "prod", "3": "dev"})
    github.publish(report, env, printed.append, printed.append, summary_md=md)
    text = summary.read_text()
    assert text.startswith("earlier step\n## tgo plan: ")
    assert "| prod (2) | `prod/app` | 1 | 0 | 0 |  |" in text
    assert "| prod (2) | `prod/out` | 0 | 0 | 0 | outputs only |" in text
    assert "No changes: dev (3) (1 module)." in text
    assert "16 modules excluded by --include-dir/--exclude-dir." in text
    assert "<details><summary><code>prod/bad</code>: Error: Invalid reference</summary>" in text
    assert text.count("```") % 2 == 0 and text.count("<details>") == text.count("</details>")
    assert outputs.read_text() == "exit_code=1\nchanged=2\nfailed=1\ndrifted=0\n"
    assert printed[0] == "::group::prod/bad (failed)" and printed[-1].startswith("::error title=")


def test_a_summary_file_that_cannot_be_written_is_a_warning(tmp_path: Path) -> None:
    warned: list[str] = []
    env = {"GITHUB_STEP_SUMMARY": str(tmp_path / "no" / "dir" / "s.md")}
    assert not github.append(env, "GITHUB_STEP_SUMMARY", "x", warned.append)
    assert "cannot append to $GITHUB_STEP_SUMMARY" in warned[0]
    assert not github.append({}, "GITHUB_OUTPUT", "x", warned.append) and len(warned) == 1
