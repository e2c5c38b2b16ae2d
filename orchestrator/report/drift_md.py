"""``drift.md``: a one-screen Markdown digest of a drift report for an issue, a PR comment or a chat.

Layout: a headline with totals; per account, a table of drifted modules where modules with identical
drift share one row; errors; then everything else inside collapsible ``<details>`` blocks. Tables are cut
at :data:`MAX_ROWS` rows (the JSON report has everything). Pure; never prints sensitive values (the model
holds none).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from orchestrator.report.drift_model import DriftReport, ModuleDrift, ResourceDrift

MAX_ROWS = 15
MAX_MODULES_PER_ROW = 4
MAX_VALUE = 60
FENCE = "`" * 3


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _fenced(lines: list[str]) -> list[str]:
    """Lines for a fenced block under a list item (a fence inside cannot close it early)."""
    return [("  " + line.replace(FENCE, "'" * 3)).rstrip() for line in lines]


def _value(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
    text = text if len(text) <= MAX_VALUE else text[: MAX_VALUE - 1] + "…"
    return "`" + text.replace("`", "'") + "`"


def _account(mod: ModuleDrift) -> str:
    if mod.account_name and mod.account_id:
        return f"{mod.account_name} ({mod.account_id})"
    return mod.account_name or mod.account_id or "no account"


def _counting(mod: ModuleDrift) -> list[ResourceDrift]:
    return [r for r in mod.resources if r.suppressed is None]


def _change(res: ResourceDrift) -> str:
    # Attributes only known after apply (etags, ids) are noise in a one-line summary; details list them.
    known = [a.name for a in res.attributes if not a.after_unknown] or [a.name for a in res.attributes]
    notes = [", ".join(known)] if known else []
    if res.changed_outside and res.action not in {"drifted", "removed"}:
        notes.append("changed outside terraform")
    return f"`{res.address}` {res.action}" + (f" ({'; '.join(notes)})" if notes else "")


def _since(mod: ModuleDrift) -> str:
    if mod.history == "ongoing" and mod.first_seen:
        return f"ongoing since {mod.first_seen:%Y-%m-%d}"
    return mod.history or ""


def _signature(mod: ModuleDrift) -> tuple[str, ...]:
    return (*sorted(r.group for r in _counting(mod)), *sorted(f"output:{o.name}" for o in mod.outputs))


def _changes(mod: ModuleDrift) -> str:
    parts = [_change(r) for r in _counting(mod)]
    if mod.outputs:
        label = "outputs only" if mod.outputs_only else "outputs"
        parts.append(f"{label}: {', '.join(o.name for o in mod.outputs)}")
    return "<br>".join(_cell(p) for p in parts)


def _modules_cell(mods: list[ModuleDrift]) -> str:
    names = [f"`{m.path}`" for m in mods[:MAX_MODULES_PER_ROW]]
    more = len(mods) - MAX_MODULES_PER_ROW
    return _cell(", ".join(names) + (f" and {more} more" if more > 0 else ""))


def _headline(report: DriftReport) -> list[str]:
    t = report.totals
    head = (
        f"## tgo drift: {t.drifted} drifted, {t.error} error, {t.clean} clean, {t.skipped} skipped"
        f" ({t.modules} modules)"
    )
    facts = [f"mode `{report.mode}`", f"{report.generated_at:%Y-%m-%d %H:%M} UTC"]
    facts.append(f"{t.resources} resource{'s differ' if t.resources != 1 else ' differs'}")
    if report.previous is not None:
        facts.append(f"{t.new} new, {t.ongoing} ongoing, {t.resolved} resolved")
    if t.outputs_only:
        facts.append(f"{t.outputs_only} outputs-only")
    if t.suppressed:
        facts.append(f"{t.suppressed} suppressed")
    if t.expired_suppressions:
        facts.append(f"**{t.expired_suppressions} expired suppression{'s' if t.expired_suppressions != 1 else ''}**")
    return [head, "", " · ".join(facts), ""]


def _account_tables(drifted: list[ModuleDrift]) -> list[str]:
    by_account: dict[str, list[ModuleDrift]] = defaultdict(list)
    for mod in drifted:
        by_account[_account(mod)].append(mod)
    lines: list[str] = []
    rows = 0
    for account in sorted(by_account):
        groups: dict[tuple[str, ...], list[ModuleDrift]] = defaultdict(list)
        for mod in by_account[account]:
            groups[_signature(mod)].append(mod)
        lines += [f"### {account}", "", "| Modules | Changes | History |", "|---|---|---|"]
        for mods in groups.values():
            if rows == MAX_ROWS:
                lines.append("| … | more rows in drift.json | |")
                break
            rows += 1
            lines.append(f"| {_modules_cell(mods)} | {_changes(mods[0])} | {_since(mods[0])} |")
        lines.append("")
    return lines


def _details(title: str, body: Iterable[str]) -> list[str]:
    items = list(body)
    if not items:
        return []
    return ["<details>", f"<summary>{title}</summary>", "", *items, "", "</details>", ""]


def _resource_lines(mod: ModuleDrift) -> list[str]:
    lines = [f"**{mod.path}** ({_account(mod)}{', ' + mod.iam_role if mod.iam_role else ''})", ""]
    for res in mod.resources:
        note = f" — suppressed: {res.suppressed.reason} ({res.suppressed.owner})" if res.suppressed else ""
        if res.expired_suppression:
            note += f" — suppression expired {res.expired_suppression.expires}"
        lines.append(f"- {_change(res)} `{res.fingerprint}`{note}")
        for attr in res.attributes:
            if attr.sensitive:
                lines.append(f"  - `{attr.name}`: (sensitive)")
            else:
                after = "(known after apply)" if attr.after_unknown else _value(attr.after)
                lines.append(f"  - `{attr.name}`: {_value(attr.before)} → {after}")
    for out in mod.outputs:
        lines.append(f"- output `{out.name}` {out.action}")
    lines.append("")
    return lines


def render_markdown(report: DriftReport) -> str:
    """The digest as Markdown text (ends with a newline)."""
    lines = _headline(report)
    drifted = [m for m in report.modules if m.status == "drifted"]
    if drifted:
        lines += _account_tables(drifted)
    elif report.totals.error == 0:
        lines += ["No drift.", ""]
    errors = [m for m in report.modules if m.status == "error"]
    if errors:
        lines += ["### Errors", ""]
        for m in errors[:MAX_ROWS]:
            reason = (m.reason or "failed").strip().splitlines() or ["failed"]
            lines.append(f"- `{m.path}` ({_account(m)}): {_cell(reason[0])}")
            if len(reason) > 1:  # terraform's error block, as it printed it
                lines += ["", "  " + FENCE + "text", *_fenced(reason), "  " + FENCE]
        lines.append("")
    with_resources = [m for m in report.modules if m.resources or m.outputs]
    lines += _details("Drift details", (line for m in with_resources for line in _resource_lines(m)))
    lines += _details(
        f"Resolved since the previous run ({len(report.resolved)})",
        (f"- `{r.path}` `{r.address}` {r.action}" for r in report.resolved),
    )
    lines += _details(
        "Suppressions",
        (
            f"- `{s.entry.module}` `{s.entry.address}`{' ' + s.entry.attribute if s.entry.attribute else ''}: "
            f"{'**expired** ' if s.entry.expired else ''}{s.entry.expires} · {s.entry.owner} · matched {s.matched}"
            f" · {_cell(s.entry.reason)}"
            for s in report.suppressions
        ),
    )
    skipped = [m for m in report.modules if m.status == "skipped"]
    lines += _details(f"Skipped ({len(skipped)})", (f"- `{m.path}`: {_cell(m.reason or '')}" for m in skipped))
    return "\n".join(lines).rstrip("\n") + "\n"
