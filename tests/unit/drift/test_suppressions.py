from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest

from orchestrator.drift.suppressions import load_suppressions, parse_suppressions
from orchestrator.errors import ConfigError
from orchestrator.report.drift_model import DriftReport
from tests.unit.drift.conftest import planned

TODAY = dt.date(2026, 11, 23)
Build = Callable[..., DriftReport]


def entries(text: str) -> list:  # type: ignore[type-arg]
    return parse_suppressions(text, Path(".tgo-drift-suppressions.yaml"), TODAY)


def test_active_suppression_hides_and_counts(build: Build) -> None:
    sup = entries(
        """
version: 1
suppressions:
  - module: "dev/*"
    address: tgo_s3_object.config
    reason: scaled by hand
    owner: team-a
    expires: 2026-12-31
"""
    )
    report = build([planned("dev/app", "edited"), planned("prod/app", "edited")], suppressions=sup)
    status = {m.path: (m.status, m.suppressed) for m in report.modules}
    assert status == {"dev/app": ("clean", 1), "prod/app": ("drifted", 0)}
    assert report.totals.suppressed == 1 and report.totals.drifted == 1 and report.totals.resources == 1
    dev = next(m for m in report.modules if m.path == "dev/app")
    assert dev.resources[0].suppressed is not None and dev.resources[0].suppressed.owner == "team-a"
    assert report.suppressions[0].matched == 1


def test_expired_suppression_hides_nothing_and_is_reported(build: Build) -> None:
    sup = entries(
        """
version: 1
suppressions:
  - module: "*"
    address: "tgo_s3_object.*"
    reason: old
    owner: team-b
    expires: 2026-11-22
"""
    )
    report = build([planned("dev/app", "edited")], suppressions=sup)
    [mod] = report.modules
    assert mod.status == "drifted" and mod.suppressed == 0
    assert mod.resources[0].expired_suppression is not None
    assert report.totals.expired_suppressions == 1 and report.exit_code == 2


def test_attribute_suppression_needs_every_changed_attribute(build: Build) -> None:
    only_content = entries(
        """
version: 1
suppressions:
  - {module: "*", address: "*", attribute: content, reason: r, owner: o, expires: 2027-01-01}
"""
    )
    report = build([planned("dev/app", "edited_refresh")], mode="refresh-only", suppressions=only_content)
    assert report.modules[0].status == "drifted"  # etag differs too
    both = entries(
        """
version: 1
suppressions:
  - {module: "*", address: "*", attribute: content, reason: r, owner: o, expires: 2027-01-01}
  - {module: "*", address: "*", attribute: etag, reason: r, owner: o, expires: 2027-01-01}
"""
    )
    report = build([planned("dev/app", "edited_refresh")], mode="refresh-only", suppressions=both)
    assert report.modules[0].status == "clean" and report.totals.suppressed == 1


@pytest.mark.parametrize(
    ("text", "where", "attr"),
    [
        ("version: 2\n", ":1:10", "version"),
        ("version: 1\nsuppressions:\n  - {module: a, address: b, reason: r, owner: o}\n", ":3:5", "expires"),
        ("version: 1\nsuppressions:\n  - {module: a, adress: b}\n", ":3:17", "suppressions[0].adress"),
        (
            "version: 1\nsuppressions:\n  - {module: a, address: b, reason: r, owner: o, expires: soon}\n",
            ":3:5",
            "expires",
        ),
        ("version: 1\nsuppressions: [\n", ":", ""),
    ],
)
def test_bad_files_name_file_line_col_and_attribute(text: str, where: str, attr: str) -> None:
    with pytest.raises(ConfigError) as err:
        entries(text)
    message = err.value.format()
    assert message.startswith(".tgo-drift-suppressions.yaml" + where)
    assert attr in message


def test_missing_default_file_is_no_suppressions(tmp_path: Path) -> None:
    assert load_suppressions(tmp_path / "none.yaml", TODAY, required=False) == []
    with pytest.raises(ConfigError):
        load_suppressions(tmp_path / "none.yaml", TODAY, required=True)
