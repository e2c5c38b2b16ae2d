"""Report assembly: statuses, totals, exit codes, history against --previous."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import jsonschema
import pytest

from orchestrator.drift.build import ModuleOutcome
from orchestrator.drift.history import load_previous
from orchestrator.errors import ConfigError
from orchestrator.report.drift_model import DriftReport
from tests.unit.drift.conftest import NOW, planned

SCHEMA = json.loads((Path(__file__).parents[3] / "schemas" / "drift-report.schema.json").read_text())
Build = Callable[..., DriftReport]


def test_statuses_totals_and_exit_codes(build: Build) -> None:
    outcomes = [
        planned("dev/app", "edited"),
        planned("dev/network", "clean"),
        planned("dev/dns", "outputs_only"),
        ModuleOutcome(path="dev/db", kind="error", reason="plan failed: boom", exit_code=1),
        ModuleOutcome(path="dev/x", kind="skipped", reason="dependency dev/db failed"),
    ]
    report = build(outcomes)
    status = {m.path: m.status for m in report.modules}
    assert status == {
        "dev/app": "drifted",
        "dev/network": "clean",
        "dev/dns": "drifted",
        "dev/db": "error",
        "dev/x": "skipped",
    }
    t = report.totals
    assert (t.modules, t.clean, t.drifted, t.error, t.skipped, t.resources, t.outputs_only) == (5, 1, 2, 1, 1, 1, 1)
    assert report.exit_code == 1
    assert build(outcomes[:3]).exit_code == 2
    assert build(outcomes[1:2]).exit_code == 0
    assert build(outcomes, exit_zero=True).exit_code == 0
    assert next(m for m in report.modules if m.path == "dev/dns").outputs_only


def test_json_validates_against_the_checked_in_schema(build: Build) -> None:
    report = build([planned("dev/app", "edited"), ModuleOutcome(path="e", kind="error", reason="x")])
    jsonschema.validate(json.loads(report.model_dump_json()), SCHEMA)
    assert DriftReport.model_validate_json(report.model_dump_json()) == report


def test_previous_marks_new_ongoing_and_resolved(build: Build, tmp_path: Path) -> None:
    first = build([planned("dev/app", "edited"), planned("prod/app", "deleted", "444444444444", "prod")])
    assert first.totals.new == 2 and first.totals.ongoing == 0
    prev_file = tmp_path / "drift.json"
    prev_file.write_text(first.model_dump_json())
    previous = load_previous(prev_file)

    later = NOW + timedelta(days=1)
    second = build(
        [planned("dev/app", "edited"), planned("prod/app", "clean", "444444444444", "prod")],
        previous=previous,
        previous_path=str(prev_file),
        now=later,
    )
    app = next(m for m in second.modules if m.path == "dev/app")
    assert app.history == "ongoing" and app.first_seen == NOW
    assert app.resources[0].history == "ongoing"
    assert [(r.path, r.address) for r in second.resolved] == [("prod/app", "tgo_s3_object.token")]
    assert (second.totals.new, second.totals.ongoing, second.totals.resolved) == (0, 1, 1)


def test_previous_does_not_resolve_modules_that_failed_or_were_not_run(build: Build) -> None:
    first = build([planned("dev/app", "edited"), planned("prod/app", "edited")])
    second = build([ModuleOutcome(path="dev/app", kind="error", reason="x")], previous=first)
    assert second.resolved == []


def test_new_drift_next_to_ongoing_drift_is_new(build: Build) -> None:
    first = build([planned("dev/app", "edited")])
    second = build([planned("dev/app", "edited"), planned("dev/db", "deleted")], previous=first)
    hist = {m.path: m.history for m in second.modules}
    assert hist == {"dev/app": "ongoing", "dev/db": "new"}


def test_bad_previous_file_is_a_config_error(tmp_path: Path) -> None:
    bad = tmp_path / "drift.json"
    bad.write_text('{"schema_version": 99}')
    with pytest.raises(ConfigError) as err:
        load_previous(bad)
    assert str(bad) in err.value.format() and "--previous" in err.value.format()
    with pytest.raises(ConfigError):
        load_previous(tmp_path / "missing.json")
