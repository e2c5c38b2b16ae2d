"""Text as Terraform sees it: NFC-normalised strings, characters as grapheme clusters, and Go's
one-to-one case mapping.

- Every string Terraform (cty) holds is in Unicode normal form C: :func:`nfc`.
- ``length``, ``substr`` and ``strrev`` count grapheme clusters (UAX #29, what go-textseg
  implements): ``length("noe\\u0308l")`` is 4 and ``"\\r\\n"`` is one character. :func:`graphemes`
  uses the ``regex`` module's ``\\X``.
- ``upper``/``lower`` are Go's ``strings.ToUpper``/``ToLower``: each code point maps to exactly one
  code point (Unicode's simple case mapping), so ``upper("straße")`` is ``"STRAßE"``, not Python's
  ``"STRASSE"``.

Contract: pure functions; ASCII text takes a fast path that gives the same result.
"""

from __future__ import annotations

import unicodedata
from typing import Any, Final

__all__ = ["go_lower", "go_upper", "grapheme_count", "graphemes", "nfc", "nfc_deep"]

_GRAPHEME: Final = r"\X"
# Simple (one code point) mappings where Python's full mapping gives several code points.
_SIMPLE_LOWER: Final = {"\u0130": "i"}


def nfc(text: str) -> str:
    """``text`` in normal form C (as cty stores every string)."""
    if text.isascii():
        return text
    return unicodedata.normalize("NFC", text)


def nfc_deep(value: Any) -> Any:
    """A decoded value with every string (keys included) in normal form C."""
    t = type(value)
    if t is str:
        return nfc(value)
    if t is list:
        return [nfc_deep(v) for v in value]
    if t is dict:
        return {nfc(k): nfc_deep(v) for k, v in value.items()}
    return value


def graphemes(text: str) -> list[str]:
    """The grapheme clusters of ``text``, in order."""
    if text.isascii() and "\r\n" not in text:
        return list(text)
    # Imported here: it takes a tenth of a second, and ASCII text (nearly all of a config) never
    # needs it. regex keeps its own cache of compiled patterns.
    import regex

    clusters: list[str] = regex.findall(_GRAPHEME, text)
    return clusters


def grapheme_count(text: str) -> int:
    if text.isascii():
        return len(text) - text.count("\r\n")
    return len(graphemes(text))


def go_upper(text: str) -> str:
    if text.isascii():
        return text.upper()
    out = []
    for ch in text:
        up = ch.upper()
        out.append(up if len(up) == 1 else ch)
    return "".join(out)


def go_lower(text: str) -> str:
    if text.isascii():
        return text.lower()
    out = []
    for ch in text:
        low = ch.lower()
        out.append(low if len(low) == 1 else _SIMPLE_LOWER.get(ch, ch))
    return "".join(out)
