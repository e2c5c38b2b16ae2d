"""A run report as Markdown: the run summary and, for plans, the plan-by-account table (for
``--summary-md`` and the GitHub Actions step summary). Pure: returns text.

Accounts with no change collapse into one line; output-only changes say so (they are why a
``plan -detailed-exitcode`` exits 2); excluded modules are one line per reason; a failed module
shows terraform's error block in a collapsed section.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Mapping

from orchestrator.report.run_model import ModuleResult, RunReport

MAX_FAILED = 20


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ").replace("`", "'")


def account_label(account: str, names: Mapping[str, str] | None) -> str:
    if names and account in names:
        return f"{names[account]} ({account})"
    return account


def headline(report: RunReport) -> str:
    counts = Counter(m.status for m in report.modules if m.role == "run")
    changed = sum(1 for m in report.modules if m.changes is not None and m.changes.has_changes)
    parts = [f"{n} {s}" for s, n in sorted(counts.items())]
    if report.command == "plan":
        parts.append(f"{changed} with changes")
    return f"tgo {report.command}: {', '.join(parts) or 'no modules'}; exit {report.exit_code}"


def _planned(report: RunReport) -> dict[str, list[ModuleResult]]:
    by_account: dict[str, list[ModuleResult]] = defaultdict(list)
    for m in report.modules:
        if m.role == "run" and m.changes is not None:
            by_account[m.account_id or "unknown"].append(m)
    return by_account


def _note(m: ModuleResult) -> str:
    c = m.changes
    if c is None or not c.has_changes:
        return ""
    return "outputs only" if not (c.add or c.change or c.destroy) else ""


def plan_table_md(report: RunReport, names: Mapping[str, str] | None = None) -> list[str]:
    """The plan-by-account table; accounts without changes in one line under it."""
    by_account = _planned(report)
    if not by_account:
        return []
    lines = ["| Account | Module | Add | Change | Destroy | Note |", "|---|---|--:|--:|--:|---|"]
    quiet: list[str] = []
    for account in sorted(by_account):
        modules = by_account[account]
        changed = [m for m in modules if m.changes is not None and m.changes.has_changes]
        label = account_label(account, names)
        if not changed:
            quiet.append(f"{label} ({len(modules)} module{'s' if len(modules) != 1 else ''})")
            continue
        for m in changed:
            c = m.changes
            assert c is not None
            lines.append(f"| {_cell(label)} | `{_cell(m.path)}` | {c.add} | {c.change} | {c.destroy} | {_note(m)} |")
    if len(lines) == 2:
        lines = ["No changes in any account."]
    if quiet:
        lines += ["", f"No changes: {', '.join(quiet)}."]
    return lines


_OTHER_ACCOUNT = re.compile(r"^account (\S+) not selected by --account$")


def excluded_lines(report: RunReport) -> list[str]:
    """``16 modules excluded by --include-dir/--exclude-dir``: one line per reason (the accounts
    ``--account`` left out count as one reason)."""
    reasons: Counter[str] = Counter()
    accounts: set[str] = set()
    for m in report.modules:
        if m.status != "excluded" or m.role != "run":
            continue
        reason = m.reason or "excluded"
        other = _OTHER_ACCOUNT.match(reason)
        if other:
            accounts.add(other.group(1))
            reason = "excluded: not selected by --account"
        reasons[reason] += 1
    lines = []
    for reason, n in sorted(reasons.items()):
        which = f" (accounts {', '.join(sorted(accounts))})" if reason.endswith("by --account") else ""
        lines.append(f"{n} module{'s' if n != 1 else ''} {_excluded_text(reason)}{which}")
    return lines


def _excluded_text(reason: str) -> str:
    return reason if reason.startswith("excluded") else f"excluded: {reason}"


def failed_md(report: RunReport) -> list[str]:
    failed = [m for m in report.modules if m.status == "failed"]
    if not failed:
        return []
    lines = [f"### Failed ({len(failed)})", ""]
    for m in failed[:MAX_FAILED]:
        reason = (m.reason or "failed").strip()
        first = reason.splitlines()[0] if reason else "failed"
        lines += [f"<details><summary><code>{_cell(m.path)}</code>: {_cell(first)}</summary>", "", "```text"]
        lines += [line.replace("```", "'''") for line in reason.splitlines()]
        lines += ["```", "", "</details>", ""]
    if len(failed) > MAX_FAILED:
        lines.append(f"... and {len(failed) - MAX_FAILED} more (see the run report).")
    return lines


def run_summary_md(report: RunReport, names: Mapping[str, str] | None = None) -> str:
    """The whole summary: headline, failures, the plan table (plans), skipped and excluded counts."""
    lines = [f"## {headline(report)}", ""]
    lines += failed_md(report)
    if report.command == "plan":
        table = plan_table_md(report, names)
        if table:
            lines += ["### Plan by account", "", *table, ""]
    skipped = sum(1 for m in report.modules if m.status == "skipped")
    if skipped:
        lines.append(f"{skipped} module{'s' if skipped != 1 else ''} skipped because a dependency failed.")
    for line in excluded_lines(report):
        lines.append(line + ".")
    if report.run_dir:
        lines += ["", f"Logs and the JSON report: `{_cell(report.run_dir)}`"]
    return "\n".join(lines).rstrip() + "\n"
