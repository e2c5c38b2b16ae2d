"""The text summary: excluded modules in one line, the failure's reason is terraform's error block."""

from __future__ import annotations

from pathlib import Path

from orchestrator.report.run_model import ModuleResult
from orchestrator.report.summary import summary_lines
from orchestrator.terraform.error_block import error_text
from tests.unit.console.test_github import ERROR, plan_report

FRAMED = [
    "\x1b[31m╷\x1b[0m",
    "\x1b[31m│\x1b[0m \x1b[1m\x1b[31mError: \x1b[0m\x1b[0m\x1b[1mUnsupported argument\x1b[0m",
    "\x1b[31m│\x1b[0m ",
    '\x1b[31m│\x1b[0m \x1b[0m  on main.tf line 2, in output "x":',
    "\x1b[31m│\x1b[0m \x1b[0m   2:   foo = 1",
    "\x1b[31m│\x1b[0m ",
    '\x1b[31m│\x1b[0m An argument named "foo" is not expected here.',
    "\x1b[31m╵\x1b[0m",
    "",
    "Releasing state lock. This may take a few moments...",
]


def test_excluded_modules_are_one_line_and_the_error_block_is_the_reason(tmp_path: Path) -> None:
    lines = summary_lines(plan_report(tmp_path))
    assert "16 modules excluded by --include-dir/--exclude-dir" in lines
    assert not any(line.startswith("x1 ") for line in lines)
    at = lines.index("FAILED prod/bad: Error: Invalid reference")
    assert lines[at + 1 : at + 6] == [
        "    |",
        "    |   on main.tf line 3:",
        "    |    3:   value = nope.x",
        "    |",
        '    | A reference to "nope" is wrong.',
    ]
    assert ERROR.splitlines()[0] in lines[at]


def test_error_block_from_framed_colour_output() -> None:
    assert error_text(FRAMED) == (
        'Error: Unsupported argument\n\n  on main.tf line 2, in output "x":\n   2:   foo = 1\n\n'
        'An argument named "foo" is not expected here.'
    )


def test_error_block_without_colour_and_none_without_errors() -> None:
    plain = ["", "Error: No configuration files", "", "Plan requires configuration.", "", "Warning: x", "more"]
    assert error_text(plain) == "Error: No configuration files\n\nPlan requires configuration."
    assert error_text(["just output", "Warning: deprecated"]) is None


def test_modules_of_accounts_left_out_by_account_are_one_line(tmp_path: Path) -> None:
    report = plan_report(tmp_path)
    others = [
        ModuleResult(path=f"{a}/m{i}", status="excluded", reason=f"account {a} not selected by --account")
        for a, n in (("111111111111", 1), ("222222222222", 5))
        for i in range(n)
    ]
    lines = summary_lines(report.model_copy(update={"modules": [*report.modules, *others]}))
    assert "6 modules excluded: not selected by --account (accounts 111111111111, 222222222222)" in lines
    assert not any("account 111111111111 not selected" in line for line in lines)
