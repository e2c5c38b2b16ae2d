"""What the module runner writes a module's output to: whole lines of terraform's streams and tgo's
own notes, and the tail of stderr for the report. :class:`orchestrator.output.ModuleOutput` (the
console and log file) and :class:`orchestrator.execution.run_task.TaskLines` (events of a task)
both are one."""

from __future__ import annotations

from typing import Protocol


class ModuleLines(Protocol):
    def line(self, stream: str, text: str) -> None:
        """One whole line of a child's ``stdout`` or ``stderr`` (or ``tgo`` for tgo's own)."""

    def note(self, text: str) -> None:
        """A line of tgo's own about this module."""

    def notice(self, text: str) -> None:
        """A line of tgo's own the user should see even when module output goes only to the logs."""

    def retry(self, attempt: int, delay_s: float, reason: str = "") -> None:
        """The command failed with a retryable error; ``attempt`` starts in ``delay_s`` seconds."""

    def recent_stderr(self) -> list[str]:
        """The last stderr lines, blank ones included (where terraform's error blocks are)."""

    def stderr_tail(self) -> list[str]:
        """The last non-blank lines of stderr seen so far."""
