"""GitHub Actions (``GITHUB_ACTIONS=true``): what a run adds for the workflow.

- each failed module's log in a ``::group::`` (workflow commands inside the log are switched off
  with ``::stop-commands::``, so terraform's output cannot issue any);
- one ``::error`` annotation per failed module, with terraform's error block;
- the Markdown summary appended to ``$GITHUB_STEP_SUMMARY``;
- ``exit_code``, ``changed``, ``failed`` and ``drifted`` appended to ``$GITHUB_OUTPUT``.
The text builders are pure; :func:`append` writes, and a file that cannot be written is one warning,
never a failed run.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from pathlib import Path

from orchestrator.report.run_model import RunReport

LOG_LINES = 400


def escape_data(text: str) -> str:
    """A workflow command's message: ``%``, CR and LF escaped as GitHub wants."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def error_annotations(report: RunReport) -> list[str]:
    """One ``::error`` line per failed module."""
    return [
        f"::error title={escape_property(f'tgo: {m.path} failed')}::{escape_data((m.reason or 'failed').strip())}"
        for m in report.modules
        if m.status == "failed"
    ]


def failed_groups(report: RunReport, read_log: Callable[[str], list[str]], token: str | None = None) -> list[str]:
    """Each failed module's log (its last :data:`LOG_LINES` lines) in a collapsible group."""
    token = token or uuid.uuid4().hex
    lines: list[str] = []
    for m in report.modules:
        if m.status != "failed":
            continue
        log = read_log(m.log_file) if m.log_file else []
        lines.append(f"::group::{m.path} (failed)")
        lines.append(f"::stop-commands::{token}")
        if len(log) > LOG_LINES:
            lines.append(f"... {len(log) - LOG_LINES} earlier lines in {m.log_file}")
        lines += log[-LOG_LINES:] or [(m.reason or "failed"), *m.stderr_tail]
        lines.append(f"::{token}::")
        lines.append("::endgroup::")
    return lines


def counts(report: RunReport, drifted: int = 0, exit_code: int | None = None) -> dict[str, int]:
    """What goes to ``$GITHUB_OUTPUT`` (``exit_code``: the command's, when not the run's)."""
    return {
        "exit_code": report.exit_code if exit_code is None else exit_code,
        "changed": sum(1 for m in report.modules if m.changes is not None and m.changes.has_changes),
        "failed": sum(1 for m in report.modules if m.status == "failed"),
        "drifted": drifted,
    }


def outputs_text(values: Mapping[str, int]) -> str:
    return "".join(f"{k}={v}\n" for k, v in values.items())


def append(environ: Mapping[str, str], variable: str, text: str, warn: Callable[[str], None]) -> bool:
    """Append ``text`` to the file ``$variable`` names; False (and one warning) when it cannot."""
    target = environ.get(variable, "")
    if not target:
        return False
    try:
        with Path(target).open("a", encoding="utf-8") as f:
            f.write(text)
        return True
    except OSError as err:
        warn(f"[tgo] warning: cannot append to ${variable} ({target}): {err.strerror or err}")
        return False


def read_log(path: str) -> list[str]:
    """A module's log file's lines; [] when it cannot be read."""
    try:
        return Path(path).read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return []


def publish(
    report: RunReport,
    environ: Mapping[str, str],
    say: Callable[[str], None],
    warn: Callable[[str], None],
    *,
    summary_md: str,
    drifted: int = 0,
    exit_code: int | None = None,
) -> None:
    """Everything above for one finished run (``say`` prints to the job's log)."""
    for line in [*failed_groups(report, read_log), *error_annotations(report)]:
        say(line)
    append(environ, "GITHUB_STEP_SUMMARY", summary_md.rstrip("\n") + "\n\n", warn)
    append(environ, "GITHUB_OUTPUT", outputs_text(counts(report, drifted, exit_code)), warn)
