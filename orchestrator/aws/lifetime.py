"""Lifetime pre-flight: how long each role's credentials (and the base credentials) have left before
an apply/destroy starts, and a warning when environment credentials will not last the run.

Pure: every input (the pre-flight rows, the clock's now, the base credentials' expiry, the previous
report's module durations) is given. Thread-safety: nothing shared.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime, timedelta
from pathlib import Path

from orchestrator.aws.preflight import PreflightResult


def human(delta: timedelta) -> str:
    """``1h05m``, ``12m``, ``40s``; ``expired`` when negative."""
    seconds = int(delta.total_seconds())
    if seconds <= 0:
        return "expired"
    hours, rest = divmod(seconds, 3600)
    minutes = rest // 60
    if hours:
        return f"{hours}h{minutes:02d}m"
    return f"{minutes}m" if minutes else f"{seconds}s"


def previous_durations(report: Path | None) -> dict[str, float]:
    """Module path -> seconds from an earlier JSON run report (``--report-file`` of the last run), if
    it exists and parses; ``{}`` otherwise (a missing or foreign file is not an error)."""
    if report is None or not report.is_file():
        return {}
    try:
        data = json.loads(report.read_text())
        return {m["path"]: float(m["duration_s"]) for m in data.get("modules", []) if m.get("duration_s") is not None}
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return {}


def lifetime_lines(
    result: PreflightResult,
    now: datetime,
    *,
    base_expiry: datetime | None,
    mode: str,
    durations: Mapping[str, float],
) -> list[str]:
    """Lines to print after the pre-flight table (without the ``[tgo]`` prefix)."""
    lines = []
    for row in result.rows:
        if row.expires is not None:
            lines.append(f"credentials of {row.role_arn} last {human(row.expires - now)} more")
    if base_expiry is not None:
        lines.append(f"base credentials expire at {base_expiry:%Y-%m-%d %H:%M:%SZ} ({human(base_expiry - now)} left)")
    if mode != "env":
        return lines
    for row in result.rows:
        if row.expires is None:
            continue
        left = (row.expires - now).total_seconds()
        longest = max(((durations[m], m) for m in row.modules if m in durations), default=None)
        if longest is not None and longest[0] > left:
            lines.append(
                f"warning: module {longest[1]} took {human(timedelta(seconds=longest[0]))} last time, longer than "
                f"the {human(timedelta(seconds=left))} left on {row.role_arn}'s environment credentials: terraform "
                "cannot refresh them mid-apply; use --credentials broker (the default) or a longer "
                "iam_assume_role_duration"
            )
    return lines
