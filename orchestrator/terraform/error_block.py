"""Terraform's error diagnostics in a module's stderr: the ``Error:`` line and the lines under it,
which say what went wrong far better than "terraform plan exited with 1". Pure, thread-safe.

Terraform prints each diagnostic either framed (colour on: ``╷``, ``│ Error: ...``, ``│ ...``, ``╵``)
or bare (``-no-color``: ``Error: ...`` then its lines up to the next diagnostic). Both are read;
colour escapes are removed, the frame is stripped, blank lines at either end dropped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
MAX_LINES = 40
MAX_BLOCKS = 3


def _clean(line: str) -> str:
    return _ANSI.sub("", line).rstrip()


def _unframe(line: str) -> str:
    return line[2:] if line.startswith("│ ") else line.lstrip("│")


def error_blocks(lines: Iterable[str]) -> list[list[str]]:
    """Each ``Error:`` diagnostic in ``lines`` (at most :data:`MAX_BLOCKS`), its lines unframed."""
    blocks: list[list[str]] = []
    current: list[str] | None = None
    framed = False
    for raw in lines:
        line = _clean(raw)
        body = _unframe(line)
        if body.startswith("Error:"):
            current = [body]
            framed = line.startswith("│")
            blocks.append(current)
            continue
        if current is None:
            continue
        if (
            line.startswith("╵")
            or (framed and not line.startswith("│"))
            or body.startswith(("Warning:", "Error:"))
            or line.startswith("╷")
        ):
            current = None
        else:
            current.append(body if framed else line)
    trimmed = []
    for block in blocks[:MAX_BLOCKS]:
        while block and not block[-1].strip():
            block.pop()
        trimmed.append(block[:MAX_LINES])
    return trimmed


def error_text(lines: Iterable[str]) -> str | None:
    """The error diagnostics as one text (blocks separated by a blank line); None when there is none."""
    blocks = error_blocks(lines)
    if not blocks:
        return None
    return "\n\n".join("\n".join(b) for b in blocks)
