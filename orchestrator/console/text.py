"""Terminal text: how many columns a string takes and cutting it to a width. Pure, thread-safe.

Terraform's lines carry colour escapes, tabs and sometimes wide characters (CJK, emoji); a board
line longer than the terminal wraps and breaks the in-place redraw, so every board line goes
through :func:`fit`: escapes removed, control characters dropped, tabs as spaces, and cut to the
given number of columns (wide characters count two, combining marks none).
"""

from __future__ import annotations

import re
import unicodedata

_ANSI = re.compile(r"\x1b(?:\[[0-9;?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[@-Z\\-_])")
ELLIPSIS = "..."


def strip_ansi(text: str) -> str:
    """``text`` without ANSI escape sequences (colours, cursor moves, OSC titles)."""
    return _ANSI.sub("", text) if "\x1b" in text else text


def plain(text: str) -> str:
    """One printable line: escapes removed, tabs as spaces, other control/format characters dropped."""
    text = strip_ansi(text).replace("\t", "    ")
    if text.isprintable():
        return text
    return "".join(ch for ch in text if not unicodedata.category(ch).startswith("C"))


def char_width(ch: str) -> int:
    if unicodedata.combining(ch):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in {"W", "F"} else 1


def columns(text: str) -> int:
    """Columns ``text`` (already :func:`plain`) takes on a terminal."""
    if text.isascii():
        return len(text)
    return sum(char_width(ch) for ch in text)


def fit(text: str, width: int) -> str:
    """``text`` made :func:`plain` and cut to at most ``width`` columns (``...`` marks a cut)."""
    text = plain(text)
    if columns(text) <= width:
        return text
    if width <= len(ELLIPSIS):
        return _take(text, max(width, 0))
    return _take(text, width - len(ELLIPSIS)) + ELLIPSIS


def fit_left(text: str, width: int) -> str:
    """Like :func:`fit` but keeps the end (a module path's last parts say the most)."""
    text = plain(text)
    if columns(text) <= width:
        return text
    if width <= len(ELLIPSIS):
        return _take(text, max(width, 0))
    keep = width - len(ELLIPSIS)
    out: list[str] = []
    used = 0
    for ch in reversed(text):
        w = char_width(ch)
        if used + w > keep:
            break
        out.append(ch)
        used += w
    return ELLIPSIS + "".join(reversed(out))


def pad(text: str, width: int) -> str:
    """``text`` padded with spaces to ``width`` columns (never cut)."""
    return text + " " * max(0, width - columns(text))


def _take(text: str, width: int) -> str:
    used = 0
    for i, ch in enumerate(text):
        w = char_width(ch)
        if used + w > width:
            return text[:i]
        used += w
    return text


def human_duration(seconds: float) -> str:
    """``42s``, ``3m05s``, ``1h02m``: short, for the board and the summaries."""
    s = max(0, int(seconds))
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m{s % 60:02d}s"
    return f"{s // 3600}h{s % 3600 // 60:02d}m"
