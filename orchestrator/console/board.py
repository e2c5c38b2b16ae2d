"""The live board's model and rendering. Pure: no clock, no terminal; the caller passes ``now``
(monotonic seconds) and the terminal's size, and writes the lines it gets.

The board is a counter line (done / running / queued / waiting / failed / skipped, elapsed time and,
when an earlier run's report gave durations, an ETA) followed by the longest-running modules with
their elapsed time and the last line terraform printed for them. Every line is cut to the width
given, and there are never more lines than ``height - 1`` (a board taller than the screen could not
be redrawn in place). Not thread-safe: :class:`~orchestrator.output.RunOutput` holds its lock.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

from orchestrator.console.text import columns, fit, fit_left, human_duration, pad, plain

MAX_ROWS = 10
COUNTED = ("running", "queued", "waiting", "failed", "skipped")
UNFINISHED = frozenset({"running", "queued", "waiting"})


@dataclass(frozen=True)
class Finished:
    """How a module ended, for its one line above the board (and the ``plain``/``json`` modes)."""

    status: str
    duration_s: float | None = None
    add: int | None = None
    change: int | None = None
    destroy: int | None = None
    outputs_only: bool = False
    reason: str | None = None

    def changes_text(self) -> str:
        if self.add is None:
            return ""
        counts = f"+{self.add} ~{self.change or 0} -{self.destroy or 0}"
        return counts + (" (outputs only)" if self.outputs_only else "")


def finished_line(display: str, done: Finished) -> str:
    """``[tgo] prod/app: succeeded +1 ~0 -0 (12.3s)``; a failure adds the first line of its reason."""
    parts = [f"[tgo] {display}: {done.status}"]
    changes = done.changes_text()
    if changes:
        parts.append(changes)
    if done.duration_s is not None:
        parts.append(f"({done.duration_s:.1f}s)")
    line = " ".join(parts)
    if done.reason and done.status != "succeeded":
        first = next((s.strip() for s in done.reason.splitlines() if s.strip()), "")
        line += f" - {plain(first)}" if first else ""
    return line


class Board:
    """The run's live state: each module's state, when it started running, its last output line."""

    def __init__(self, t0: float, *, durations: Mapping[str, float] | None = None, parallelism: int = 1) -> None:
        self.t0 = t0
        self.states: dict[str, str] = {}
        self.started: dict[str, float] = {}
        self.last: dict[str, str] = {}
        self.durations = dict(durations or {})
        self.parallelism = max(1, parallelism)

    def set_state(self, display: str, state: str, now: float) -> None:
        self.states[display] = state
        if state == "running":
            self.started[display] = now
            self.last.pop(display, None)
        elif state not in UNFINISHED:
            self.started.pop(display, None)

    def line(self, display: str, text: str) -> None:
        """Remember a module's latest non-blank output line (shown on its row)."""
        text = plain(text).strip()
        if text and text.strip("│╷╵ "):  # terraform's box-drawing frame lines say nothing
            self.last[display] = text.lstrip("│ ")

    def counts(self) -> Counter[str]:
        return Counter(self.states.values())

    def eta(self, now: float) -> float | None:
        """Seconds left, from the earlier run's durations: the unfinished work spread over the
        parallelism. None without durations or when nothing is left."""
        if not self.durations:
            return None
        guess = statistics.median(self.durations.values())
        left = 0.0
        unfinished = 0
        for display, state in self.states.items():
            if state not in UNFINISHED:
                continue
            unfinished += 1
            expected = self.durations.get(display, guess)
            if state == "running":
                expected = max(0.0, expected - (now - self.started.get(display, now)))
            left += expected
        if not unfinished:
            return None
        return left / min(self.parallelism, unfinished)

    def counter_line(self, now: float, width: int) -> str:
        counts = self.counts()
        total = len(self.states)
        elapsed = human_duration(now - self.t0)
        eta = self.eta(now)
        eta_text = f" | ETA {human_duration(eta)}" if eta is not None else ""
        full = (
            f"[tgo {elapsed}] {counts['succeeded']}/{total} done | "
            + " | ".join(f"{counts[s]} {s}" for s in COUNTED)
            + eta_text
        )
        if columns(full) <= width:
            return full
        short = {"running": "run", "queued": "q", "waiting": "wait", "failed": "fail", "skipped": "skip"}
        compact = f"[{elapsed}] {counts['succeeded']}/{total} " + " ".join(f"{counts[s]}{short[s]}" for s in COUNTED)
        return fit(compact + (f" ETA {human_duration(eta)}" if eta is not None else ""), width)

    def render(self, now: float, width: int, height: int) -> list[str]:
        """The board's lines, each at most ``width`` columns, at most ``height - 1`` of them."""
        width = max(1, width)
        lines = [self.counter_line(now, width)]
        room = min(MAX_ROWS, max(0, height - 2))
        running = sorted((d for d, s in self.states.items() if s == "running"), key=lambda d: self.started.get(d, now))
        if not running or not room:
            return lines[: max(1, height - 1)]
        shown = running[:room] if len(running) <= room else running[: room - 1]
        name_w = min(max(columns(plain(d)) for d in shown), max(8, width // 3))
        for display in shown:
            elapsed = human_duration(now - self.started.get(display, now))
            row = f"  {pad(fit_left(display, name_w), name_w)}  {elapsed:>6}  {self.last.get(display, '')}"
            lines.append(fit(row.rstrip(), width))
        if len(shown) < len(running):
            lines.append(fit(f"  ... and {len(running) - len(shown)} more running", width))
        return lines
