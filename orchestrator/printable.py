"""Text from outside (directory names, file paths) made safe to print on one line.

A directory may be named ``"x\\n[tgo] prod: succeeded"`` or carry ANSI escapes: printed as is, it
could forge a status line or recolour the terminal. :func:`printable` escapes every control or
format character (Unicode categories ``C*``: newlines, tabs, ESC, zero-width and bidi marks) as
``\\n``, ``\\t``, ``\\r``, ``\\xNN`` or ``\\uNNNN``; everything else, backslashes included, is kept.
Pure and thread-safe.
"""

from __future__ import annotations

import unicodedata

_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(ch: str) -> str:
    if ch in _NAMED:
        return _NAMED[ch]
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def printable(text: str) -> str:
    """``text`` with control and format characters escaped (see the module doc)."""
    if text.isprintable():  # the common case, in C
        return text
    return "".join(_escape(ch) if unicodedata.category(ch).startswith("C") else ch for ch in text)
