"""The board's ETA comes from an earlier run of the same command: each module's duration in the
most recent ``report.json`` next to this run's directory (``.tgo/runs/<timestamp>/report.json``).
Reads files; never raises (a missing, foreign or broken report means no ETA)."""

from __future__ import annotations

import json
from pathlib import Path

LOOK_BACK = 20


def previous_durations(runs_dir: Path, command: str, *, exclude: Path | None = None) -> dict[str, float]:
    """Module path -> seconds from the newest report in ``runs_dir/*/report.json`` of ``command``
    (at most the :data:`LOOK_BACK` newest run directories are read); ``{}`` when there is none."""
    try:
        candidates = sorted((p for p in runs_dir.iterdir() if p.is_dir() and p != exclude), reverse=True)
    except OSError:
        return {}
    for run_dir in candidates[:LOOK_BACK]:
        durations = _durations(run_dir / "report.json", command)
        if durations:
            return durations
    return {}


def _durations(report: Path, command: str) -> dict[str, float]:
    try:
        text = report.read_text()
        if '"succeeded"' not in text:  # no module succeeded (a failed run): no durations, skip the parse
            return {}
        data = json.loads(text)
        if data.get("command") != command:
            return {}
        return {
            str(m["path"]): float(m["duration_s"])
            for m in data.get("modules", [])
            if m.get("duration_s") is not None and m.get("status") == "succeeded"
        }
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return {}
