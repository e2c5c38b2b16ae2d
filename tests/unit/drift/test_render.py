"""drift.md and drift.junit.xml are rendered from the model."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable

from orchestrator.drift.build import ModuleOutcome
from orchestrator.report.drift_junit import render_junit
from orchestrator.report.drift_md import MAX_ROWS, render_markdown
from orchestrator.report.drift_model import DriftReport
from tests.unit.drift.conftest import planned

Build = Callable[..., DriftReport]


def sample(build: Build) -> DriftReport:
    return build(
        [
            planned("dev/app", "edited"),
            planned("dev/app2", "edited"),
            planned("prod/app", "edited", "444444444444", "prod"),
            planned("prod/db", "deleted", "444444444444", "prod"),
            planned("prod/network", "clean", "444444444444", "prod"),
            ModuleOutcome(path="stage/app", kind="error", reason="Error: bad | thing", account_id="333333333333"),
            ModuleOutcome(path="stage/dns", kind="skipped", reason="dependency stage/app failed"),
        ]
    )


def test_markdown_totals_tables_per_account_and_grouped_rows(build: Build) -> None:
    md = render_markdown(sample(build))
    assert md.startswith("## tgo drift: 4 drifted, 1 error, 1 clean, 1 skipped (7 modules)")
    assert "### dev (222222222222)" in md and "### prod (444444444444)" in md
    dev_rows = [line for line in md.split("### dev")[1].split("###")[0].splitlines() if line.startswith("| `")]
    assert len(dev_rows) == 1 and "`dev/app`, `dev/app2`" in dev_rows[0]  # identical drift: one row
    assert "`stage/app`" in md and "bad \\| thing" in md
    assert "<details>" in md and "</details>" in md
    assert '`{"replicas": 5}` → `{"replicas": 2}`' in md


def test_markdown_stays_one_screen_with_many_modules(build: Build) -> None:
    outcomes = [planned(f"dev/m{i:03}", "replace" if i % 2 else "deleted") for i in range(200)]
    outcomes += [planned(f"acct{i}/app", "edited", f"{i:012}", f"acct{i}") for i in range(40)]
    md = render_markdown(build(outcomes))
    head = md.split("<details>")[0]
    assert head.count("\n| ") <= 2 * MAX_ROWS + 40 * 2 and "more rows in drift.json" in head


def test_markdown_never_shows_sensitive_values(build: Build) -> None:
    md = render_markdown(build([planned("dev/app", "deleted")]))
    assert "hidden-value" not in md


def test_clean_report_says_so(build: Build) -> None:
    assert "No drift." in render_markdown(build([planned("dev/app", "clean")]))


def test_junit_one_case_per_module_with_failures_errors_skips(build: Build) -> None:
    root = ET.fromstring(render_junit(sample(build)))
    suite = root.find("testsuite")
    assert suite is not None
    counts = [suite.get(k) for k in ("tests", "failures", "errors", "skipped")]
    assert counts == ["7", "4", "1", "1"]
    cases = {c.get("name"): c for c in suite.iter("testcase")}
    assert set(cases) == {"dev/app", "dev/app2", "prod/app", "prod/db", "prod/network", "stage/app", "stage/dns"}
    failure = cases["prod/db"].find("failure")
    assert failure is not None and "tgo_s3_object.token: create" in (failure.text or "")
    assert cases["stage/app"].find("error") is not None
    assert cases["stage/dns"].find("skipped") is not None
    assert len(list(cases["prod/network"])) == 0
    assert cases["prod/app"].get("classname") == "drift.prod"


def test_junit_survives_terminal_colours_and_control_characters(build: Build) -> None:
    text = "\x1b[31mError:\x1b[0m bad\x00 value\x07"
    root = ET.fromstring(render_junit(build([ModuleOutcome(path="a", kind="error", reason=text)])))
    error = next(root.iter("error"))
    assert error.get("message") == "Error: bad value"


def test_markdown_shows_a_failed_module_s_error_block(build: Build) -> None:
    block = 'Error: Invalid reference\n\n  on main.tf line 3:\n   3: x = nope.x\n\nA reference to "nope" is wrong.'
    md = render_markdown(build([ModuleOutcome(path="stage/app", kind="error", reason=block, account_id="3")]))
    assert "- `stage/app` (3): Error: Invalid reference\n" in md
    assert "\n  ```text\n  Error: Invalid reference\n\n    on main.tf line 3:\n     3: x = nope.x\n" in md
    assert md.count("```") == 2
