"""Lifetime pre-flight: remaining lifetimes, the base credentials' expiry, the env-mode warning."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from orchestrator.aws.lifetime import human, lifetime_lines, previous_durations
from orchestrator.aws.preflight import PreflightResult, RoleCheck
from tests.unit.aws.conftest import T0

ROLE = "arn:aws:iam::111111111111:role/deploy"
RESULT = PreflightResult((RoleCheck(ROLE, "111111111111", "arn", T0 + timedelta(minutes=50), ("slow", "fast")),), ())


def test_human_durations() -> None:
    assert [human(timedelta(seconds=s)) for s in (-1, 40, 720, 3900)] == ["expired", "40s", "12m", "1h05m"]


def test_lines_name_each_roles_lifetime_and_the_base_expiry() -> None:
    lines = lifetime_lines(RESULT, T0, base_expiry=T0 + timedelta(hours=2), mode="broker", durations={"slow": 9999})
    assert lines == [
        f"credentials of {ROLE} last 50m more",
        "base credentials expire at 2026-01-01 14:00:00Z (2h00m left)",
    ], "no warning in broker mode: the broker refreshes"


def test_env_mode_warns_when_the_previous_run_was_longer_than_what_is_left() -> None:
    lines = lifetime_lines(RESULT, T0, base_expiry=None, mode="env", durations={"slow": 3600, "fast": 10})
    assert len(lines) == 2 and lines[1].startswith("warning: module slow took 1h00m last time")
    assert "--credentials broker" in lines[1]
    quiet = lifetime_lines(RESULT, T0, base_expiry=None, mode="env", durations={"slow": 60})
    assert len(quiet) == 1


def test_previous_durations_from_a_report_file(tmp_path: Path) -> None:
    report = tmp_path / "r.json"
    assert previous_durations(report) == {} and previous_durations(None) == {}
    report.write_text(json.dumps({"modules": [{"path": "slow", "duration_s": 12.5}, {"path": "x"}]}))
    assert previous_durations(report) == {"slow": 12.5}
    report.write_text("not json")
    assert previous_durations(report) == {}
