"""The text summary printed at the end of a run. Pure: returns lines.

Root causes first (failed modules with terraform's error block, or the last lines of their stderr
when there is none), each followed by the modules skipped because of it; then a table of every
module that was to run: status, duration and, for plans, ``+add ~change -destroy``; excluded
modules one line per reason (``16 modules excluded by --include-dir/--exclude-dir``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping

from orchestrator.printable import printable
from orchestrator.report.run_md import account_label, excluded_lines
from orchestrator.report.run_model import ModuleResult, RunReport

TAIL = 8


def _changes(m: ModuleResult) -> str:
    if m.changes is None:
        return ""
    c = m.changes
    counts = f"+{c.add} ~{c.change} -{c.destroy}"
    if not c.has_changes:
        return counts + " (no changes)"
    return counts + (" (outputs only)" if not (c.add or c.change or c.destroy) else "")


def _duration(m: ModuleResult) -> str:
    return f"{m.duration_s:.1f}s" if m.duration_s is not None else "-"


def root_causes(report: RunReport) -> list[str]:
    skipped: dict[str, list[str]] = defaultdict(list)
    for m in report.modules:
        if m.status == "skipped" and m.skipped_because:
            skipped[m.skipped_because].append(m.path)
    lines: list[str] = []
    for m in report.modules:
        if m.status != "failed":
            continue
        bug = " [internal error in tgo]" if m.bug else ""
        reason = (m.reason or "failed").strip().splitlines() or ["failed"]
        lines.append(f"FAILED {m.path}: {printable(reason[0])}{bug}")
        if len(reason) > 1 or reason[0].startswith("Error:"):  # terraform's error block says it all
            lines += [f"    | {printable(line)}".rstrip() for line in reason[1:]]
        else:
            lines += [f"    | {line}" for line in m.stderr_tail[-TAIL:]]
        if m.log_file:
            lines.append(f"    full log: {printable(m.log_file)}")
        lines += [f"    skipped because it failed: {p}" for p in skipped.get(m.path, [])]
    return lines


def summary_lines(report: RunReport) -> list[str]:
    rows = [
        (m.path + (" (read only)" if m.role == "read" else ""), m.status, _duration(m), _changes(m), m)
        for m in report.modules
        if m.status != "excluded"
    ]
    width = max([len(r[0]) for r in rows] + [6])
    lines = root_causes(report)
    if lines:
        lines.append("")
    lines.append(f"{'MODULE':<{width}}  {'STATUS':<11}  {'TIME':>7}  CHANGES")
    for path, status, duration, changes, m in rows:
        note = ""
        if m.status == "interrupted" and m.reason:
            note = f"  {printable(m.reason)}"
        elif m.status == "skipped" and m.reason:
            note = f"  {printable(m.reason.removeprefix('skipped: '))}"
        elif m.used_mock_outputs:
            note = "  (planned with mock outputs)"
        lines.append(f"{path:<{width}}  {status:<11}  {duration:>7}  {changes}{note}".rstrip())
    lines += excluded_lines(report)
    counts: dict[str, int] = defaultdict(int)
    for m in report.modules:
        counts[m.status] += 1
    total = ", ".join(f"{n} {s}" for s, n in sorted(counts.items()))
    locks = lock_lines(report)
    if locks:
        lines += ["", *locks, ""]
    lines.append(f"tgo {report.command}: {total or 'no modules'}; exit {report.exit_code}")
    return lines


def lock_lines(report: RunReport) -> list[str]:
    """Every state lock a killed terraform may have left, with the commands that release it."""
    if not report.locks_left:
        return []
    lines = [f"STATE LOCKS POSSIBLY LEFT ({len(report.locks_left)}): terraform was killed before it could release them"]
    for lock in report.locks_left:
        where = [f"backend {lock.backend}"]
        if lock.lock_table:
            where.append(f"lock table {lock.lock_table}")
        if lock.lock_key:
            where.append(f"LockID {lock.lock_key}")
        where.append(f"lock ID {lock.lock_id or 'not printed by terraform'}")
        lines.append(f"  {lock.module}: {', '.join(where)}")
        lines.append(f"    release: {printable(lock.force_unlock)}")
        lines.append(f"    or:      {printable(lock.tgo_force_unlock)}")
        if lock.where_is_the_id:
            lines.append(f"    {lock.where_is_the_id}")
    return lines


def account_plan_lines(report: RunReport, names: Mapping[str, str] | None = None) -> list[str]:
    """For plans: a table per AWS account of each changed module's add / change / destroy counts, with
    the resource addresses that change indented below it; output-only changes say so. ``names`` maps
    account ids to names (``account_name`` in account.hcl) for the headings. Accounts with no change
    collapse into one line. Modules only read, excluded or without a plan summary are left out; an
    empty list when nothing was planned."""
    planned = [m for m in report.modules if m.role == "run" and m.changes is not None]
    if not planned:
        return []
    by_account: dict[str, list[ModuleResult]] = defaultdict(list)
    for m in planned:
        by_account[m.account_id or "unknown"].append(m)
    width = max([len(m.path) for m in planned] + [6])
    lines = ["PLAN BY ACCOUNT"]
    quiet: list[str] = []
    for account in sorted(by_account):
        label = account_label(account, names)
        modules = [m for m in by_account[account] if m.changes is not None and m.changes.has_changes]
        if not modules:
            n = len(by_account[account])
            quiet.append(f"{label} ({n} module{'s' if n != 1 else ''})")
            continue
        total = [sum(getattr(m.changes, k) for m in modules if m.changes) for k in ("add", "change", "destroy")]
        lines.append(f"account {label}: +{total[0]} ~{total[1]} -{total[2]}")
        lines.append(f"  {'MODULE':<{width}}  {'ADD':>4}  {'CHANGE':>6}  {'DESTROY':>7}")
        for m in modules:
            c = m.changes
            assert c is not None  # filtered above
            only = "  (outputs only)" if not (c.add or c.change or c.destroy) else ""
            lines.append(f"  {m.path:<{width}}  {c.add:>4}  {c.change:>6}  {c.destroy:>7}{only}")
            lines += [f"      {address}" for address in c.addresses]
    if quiet:
        lines.append(f"no changes: {', '.join(quiet)}")
    return lines
