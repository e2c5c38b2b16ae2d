"""Drawing a block of lines (the board) at the bottom of a terminal and redrawing it in place.

How: the board is written last, its lines cut to one column less than the terminal (so no line
ever wraps or leaves the cursor in the wrap-pending column); the cursor stays at the end of its last
line. A redraw goes back to the board's first row (carriage return, cursor up), erases to the end of
the screen and writes what scrolls above the board (finished modules, output), then the board again.
After the terminal narrowed, each old line is counted as the rows a reflowing terminal wraps it
into, so no stale row is left behind. :meth:`LiveTerminal.clear` erases the board (on exit and on
interrupt). Not thread-safe: the caller serialises calls (RunOutput's lock).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import threading
from collections.abc import Callable, Iterator
from typing import TextIO

from orchestrator.console.text import columns

Size = Callable[[], tuple[int, int]]
"""The terminal's (columns, lines)."""


def terminal_size(out: TextIO) -> Size:
    """The size of the terminal ``out`` writes to (80x24 when it cannot be asked)."""

    def size() -> tuple[int, int]:
        try:
            got = os.get_terminal_size(out.fileno())
        except (OSError, ValueError, AttributeError, TypeError):
            got = shutil.get_terminal_size((80, 24))
        return max(1, got.columns), max(1, got.lines)

    return size


class LiveTerminal:
    """A board redrawn in place at the bottom of ``out``."""

    def __init__(self, out: TextIO, size: Size) -> None:
        self.out = out
        self.size = size
        self._lines: list[str] = []
        self._drawn_cols = 0

    def width(self) -> int:
        """How many columns a board line may take now."""
        return max(1, self.size()[0] - 1)

    def _erase(self) -> str:
        if not self._lines:
            return ""
        cols = self.size()[0]
        if cols >= self._drawn_cols:
            rows = len(self._lines)
        else:  # narrowed: a reflowing terminal wrapped the longer lines
            rows = sum(max(1, -(-columns(line) // cols)) for line in self._lines)
        return "\r" + (f"\x1b[{rows - 1}A" if rows > 1 else "") + "\x1b[J"

    def draw(self, lines: list[str], above: str = "") -> None:
        """Replace the board with ``lines`` (each already cut to :meth:`width`), writing ``above``
        (whole lines, ending with a newline) first, where it stays."""
        self.out.write(self._erase() + above + "\n".join(lines))
        self.out.flush()
        self._lines = list(lines)
        self._drawn_cols = self.size()[0]

    def clear(self) -> None:
        """Erase the board (nothing of it stays on the screen)."""
        erase = self._erase()
        self._lines = []
        if erase:
            self.out.write(erase)
            self.out.flush()


@contextlib.contextmanager
def on_resize(callback: Callable[[], None]) -> Iterator[None]:
    """Call ``callback`` on SIGWINCH while inside (main thread only; elsewhere, or where the
    platform has no SIGWINCH, the board still follows the size at its next once-a-second redraw).
    The previous handler is restored on exit."""
    sig = getattr(signal, "SIGWINCH", None)
    if sig is None or threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.getsignal(sig)

    def handler(signum: int, frame: object) -> None:
        callback()

    signal.signal(sig, handler)
    try:
        yield
    finally:
        signal.signal(sig, previous)
