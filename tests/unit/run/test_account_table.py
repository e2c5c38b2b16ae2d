"""The per-account plan table printed after `run-all plan` (pure)."""

from __future__ import annotations

from datetime import UTC, datetime

from orchestrator.report.run_model import ModuleResult, PlanChanges, RunReport
from orchestrator.report.summary import account_plan_lines

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def result(
    path: str, account: str | None, add: int = 0, change: int = 0, addresses: tuple[str, ...] = ()
) -> ModuleResult:
    changes = PlanChanges(add=add, change=change, has_changes=bool(add or change), addresses=list(addresses))
    return ModuleResult(path=path, status="succeeded", account_id=account, changes=changes)


def report(*modules: ModuleResult) -> RunReport:
    return RunReport(
        command="plan", working_dir="/x", started_at=NOW, finished_at=NOW, exit_code=0, modules=list(modules)
    )


def test_groups_modules_by_account_with_totals_and_addresses() -> None:
    lines = account_plan_lines(
        report(
            result("prod/app", "444444444444", add=1, addresses=("tgo_s3_object.app",)),
            result("prod/db", "444444444444", change=2, addresses=("tgo_s3_object.a", "tgo_s3_object.b")),
            result("dev/app", "222222222222"),
        ),
        {"444444444444": "prod"},
    )
    text = "\n".join(lines)
    assert lines[0] == "PLAN BY ACCOUNT"
    assert "account 222222222222" not in text, "an account without changes is only in the last line"
    assert lines[-1] == "no changes: 222222222222 (1 module)"
    prod = lines[lines.index("account prod (444444444444): +1 ~2 -0") :]
    assert prod[2].split() == ["prod/app", "1", "0", "0"]
    assert prod[3].strip() == "tgo_s3_object.app"
    assert prod[4].split() == ["prod/db", "0", "2", "0"]
    assert [line.strip() for line in prod[5:7]] == ["tgo_s3_object.a", "tgo_s3_object.b"]


def test_read_only_and_unplanned_modules_are_left_out() -> None:
    read = result("shared/vpc", "111111111111").model_copy(update={"role": "read"})
    unplanned = ModuleResult(path="x", status="skipped", account_id="111111111111")
    assert account_plan_lines(report(read, unplanned)) == []
    assert account_plan_lines(report(result("local", None, add=1)))[1] == "account unknown: +1 ~0 -0"


def test_output_only_changes_are_named_so_the_exit_code_2_has_a_reason() -> None:
    only = ModuleResult(path="prod/out", status="succeeded", account_id="4", changes=PlanChanges(has_changes=True))
    lines = account_plan_lines(report(only, result("dev/a", "2"), result("dev/b", "2")), {"2": "dev"})
    assert lines[1] == "account 4: +0 ~0 -0"
    assert lines[3].split() == ["prod/out", "0", "0", "0", "(outputs", "only)"]
    assert lines[-1] == "no changes: dev (2) (2 modules)"
