"""A terminal for tests: what tgo writes is fed to a pyte screen, as a real terminal would show it."""

from __future__ import annotations

import pyte


class ScreenOut:
    """A text stream that is a terminal of ``columns`` x ``lines`` (newline -> CR LF, as a tty's onlcr)."""

    def __init__(self, columns: int, lines: int) -> None:
        self.screen = pyte.Screen(columns, lines)
        self.stream = pyte.Stream(self.screen)
        self.written: list[str] = []

    def write(self, text: str) -> int:
        self.written.append(text)
        self.stream.feed(text.replace("\n", "\r\n"))
        return len(text)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return True

    def size(self) -> tuple[int, int]:
        return self.screen.columns, self.screen.lines

    def rows(self) -> list[str]:
        """The screen's rows, trailing spaces removed."""
        return [row.rstrip() for row in self.screen.display]

    def text(self) -> list[str]:
        """The rows up to the last non-empty one."""
        rows = self.rows()
        while rows and not rows[-1]:
            rows.pop()
        return rows


def reference(columns: int, lines: int, above: list[str], board: list[str]) -> list[str]:
    """What the screen must show: every line printed above the board, then the board, nothing else."""
    ref = ScreenOut(columns, lines)
    ref.write("".join(line + "\n" for line in above) + "\n".join(board))
    return ref.rows()
