from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from orchestrator.drift.build import BuildOptions, ModuleOutcome, build_report
from orchestrator.report.drift_model import DriftReport

FIXTURES = Path(__file__).parent / "fixtures"
NOW = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)


def load_plan(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / f"{name}.plan.json").read_text())
    return data


def planned(path: str, fixture: str, account: str = "222222222222", name: str = "dev") -> ModuleOutcome:
    exit_codes = json.loads((FIXTURES / "manifest.json").read_text())
    return ModuleOutcome(
        path=path,
        kind="planned",
        account_id=account,
        account_name=name,
        iam_role=f"arn:aws:iam::{account}:role/tgo-deploy",
        plan=load_plan(fixture),
        exit_code=exit_codes[fixture],
    )


@pytest.fixture
def build() -> Callable[..., DriftReport]:
    def _build(outcomes: list[ModuleOutcome], **kw: Any) -> DriftReport:
        opts = {"mode": "plan", "now": NOW, "working_dir": "/live", "tool_version": "0.1.0", **kw}
        return build_report(outcomes, BuildOptions(**opts))

    return _build
