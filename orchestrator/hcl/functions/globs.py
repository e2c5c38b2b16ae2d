"""Terraform's ``fileset`` patterns (the doublestar library): ``*`` and ``?`` within one path
segment, ``**`` across segments, ``[class]`` (``[!x]``/``[^x]`` negated), ``{a,b}`` alternatives
(nestable) and ``\\`` escapes. An unclosed ``[`` or ``{`` or a trailing ``\\`` is an invalid pattern.

Contract: :func:`compile_glob` is pure and raises ValueError naming what is wrong; the compiled
pattern matches a whole relative POSIX path.
"""

from __future__ import annotations

import re

__all__ = ["compile_glob"]


def _class(pattern: str, i: int) -> tuple[str, int]:
    """The regex of the ``[...]`` class at ``i`` and the index after it."""
    j = i + 1
    negate = j < len(pattern) and pattern[j] in "!^"
    if negate:
        j += 1
    body: list[str] = []
    first = True
    while j < len(pattern) and (pattern[j] != "]" or first):
        ch = pattern[j]
        if ch == "\\":
            if j + 1 >= len(pattern):
                raise ValueError("the pattern ends with '\\'")
            body.append(re.escape(pattern[j + 1]))
            j += 2
        else:
            body.append(ch if ch == "-" else re.escape(ch))
            j += 1
        first = False
    if j >= len(pattern):
        raise ValueError("'[' is not closed")
    return ("[^/" if negate else "[") + "".join(body) + "]", j + 1


def _translate(pattern: str, i: int, in_braces: bool) -> tuple[str, int]:
    out: list[str] = []
    n = len(pattern)
    while i < n:
        ch = pattern[i]
        if in_braces and ch in ",}":
            return "".join(out), i
        if ch == "*":
            if pattern.startswith("**", i) and (i == 0 or pattern[i - 1] == "/"):
                end = i + 2
                if end == n:
                    out.append(".*")
                    i = end
                    continue
                if pattern[end] == "/":
                    out.append("(?:.*/)?")
                    i = end + 1
                    continue
            out.append("[^/]*")
            i += 1
        elif ch == "?":
            out.append("[^/]")
            i += 1
        elif ch == "[":
            regex, i = _class(pattern, i)
            out.append(regex)
        elif ch == "{":
            alternatives: list[str] = []
            i += 1
            while True:
                alt, i = _translate(pattern, i, in_braces=True)
                alternatives.append(alt)
                if i >= n:
                    raise ValueError("'{' is not closed")
                if pattern[i] == "}":
                    i += 1
                    break
                i += 1  # ","
            out.append("(?:" + "|".join(alternatives) + ")")
        elif ch == "\\":
            if i + 1 >= n:
                raise ValueError("the pattern ends with '\\'")
            out.append(re.escape(pattern[i + 1]))
            i += 2
        else:
            out.append(re.escape(ch))
            i += 1
    if in_braces:
        raise ValueError("'{' is not closed")
    return "".join(out), i


def compile_glob(pattern: str) -> re.Pattern[str]:
    """The regex matching exactly the relative paths ``pattern`` matches; ValueError if invalid."""
    regex, _end = _translate(pattern, 0, in_braces=False)
    return re.compile(regex, re.S)
