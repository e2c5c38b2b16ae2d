"""Where Terraform's HCL parser points for unclosed constructs.

lark notices an unclosed brace only at the end of the file, and a string left open only at the next
quote, lines later. HCL reports an unclosed block at its opening brace and a quoted string left open
at the end of the line it starts on (a quoted string cannot span lines). :func:`unclosed` finds these
with a small lexical scan; the parser runs it only after lark has failed, so a valid file never pays.

Contract: a pure function over the text; returns None when it finds nothing unclosed (the caller then
keeps lark's message). Comments, heredocs, escapes and interpolations (which may nest strings and
span lines) are skipped as HCL's scanner does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Unclosed", "unclosed"]

_CLOSERS = {"{": "}", "[": "]", "(": ")"}
_HEREDOC_RE = re.compile(r"<<(-?)([A-Za-z_][\w-]*)[ \t]*\n")
_WHAT = {"{": "object", "[": "list", "(": "parenthesis", "${": "interpolation", "%{": "directive"}
_BLOCK_HEADER_RE = re.compile(r'[ \t]*[A-Za-z_][\w-]*(?:[ \t]+(?:"[^"\n]*"|[A-Za-z_][\w-]*))*[ \t]*\{')


@dataclass(frozen=True)
class Unclosed:
    """An unclosed construct: the message and the 1-based line and column HCL points at."""

    message: str
    line: int
    col: int


class _GiveUp(Exception):
    """Nothing to say better than lark; never leaves this module."""


class _Scan:
    def __init__(self, text: str) -> None:
        self.text = text
        self.i = 0
        # (opener, offset) for "{", "[", "(", and "${"/"%{" inside strings
        self.stack: list[tuple[str, int]] = []

    def pos(self, offset: int) -> tuple[int, int]:
        line = self.text.count("\n", 0, offset) + 1
        return line, offset - (self.text.rfind("\n", 0, offset) + 1) + 1

    def found(self, message: str, offset: int) -> Unclosed:
        line, col = self.pos(offset)
        return Unclosed(message, line, col)

    def run(self) -> Unclosed | None:
        text, n = self.text, len(self.text)
        while self.i < n:
            ch = text[self.i]
            if ch == "#" or text.startswith("//", self.i):
                end = text.find("\n", self.i)
                self.i = n if end < 0 else end
            elif text.startswith("/*", self.i):
                end = text.find("*/", self.i + 2)
                self.i = n if end < 0 else end + 2
                continue
            elif text.startswith("<<", self.i) and (m := _HEREDOC_RE.match(text, self.i)):
                heredoc_end = self.heredoc_end(m)
                if heredoc_end is None:
                    return None  # an unclosed heredoc: lark names it already
                self.i = heredoc_end
            elif ch == '"':
                problem = self.string()
                if problem is not None:
                    return problem
                continue  # self.i is after the string, or inside an interpolation
            elif ch in _CLOSERS:
                self.stack.append((ch, self.i))
            elif ch in "}])":
                if not self.stack:
                    return None  # a stray closer: lark's message says it better
                opener, _at = self.stack.pop()
                if opener in ("${", "%{"):
                    if ch != "}":
                        return None
                    problem = self.string()  # the rest of the string the interpolation sits in
                    if problem is not None:
                        return problem
                    continue
                if _CLOSERS[opener] != ch:
                    return None
            self.i += 1
        if self.stack:
            opener, at = self.stack[-1]
            what = "block" if opener == "{" and self.is_block(at) else _WHAT[opener]
            closer = _CLOSERS.get(opener, "}")
            return self.found(f"unclosed {what}: no closing '{closer}' before the end of the file", at)
        return None

    def is_block(self, brace: int) -> bool:
        start = self.text.rfind("\n", 0, brace) + 1
        return _BLOCK_HEADER_RE.fullmatch(self.text, start, brace + 1) is not None

    def heredoc_end(self, m: re.Match[str]) -> int | None:
        marker = m.group(2)
        pattern = re.compile(r"^[ \t]*" + re.escape(marker) + r"[ \t]*$", re.M)
        end = pattern.search(self.text, m.end())
        return None if end is None else end.end()

    def string(self) -> Unclosed | None:
        """Scan a quoted string from its opening quote (or from the ``}`` closing one of its
        interpolations) at ``self.i``. Returns a problem, or None with ``self.i`` after the closing quote; an
        interpolation pushes its opener and returns to the code scan."""
        text, n = self.text, len(self.text)
        i = self.i + 1
        while i < n:
            ch = text[i]
            if ch == "\\":
                i += 2
                continue
            if ch == "\n":
                if any(opener in ("${", "%{") for opener, _at in self.stack):
                    raise _GiveUp  # a quote inside an interpolation: HCL reports the interpolation
                return self.found("unclosed string: no closing '\"' before the end of the line", i)
            if ch == '"':
                self.i = i + 1
                return None
            if text.startswith("$${", i) or text.startswith("%%{", i):
                i += 3  # escapes, not interpolations
                continue
            if text.startswith("${", i) or text.startswith("%{", i):
                self.stack.append((text[i : i + 2], i))
                self.i = i + 2
                return None
            i += 1
        self.i = n
        return self.found("unclosed string: no closing '\"' before the end of the line", n)


def unclosed(text: str) -> Unclosed | None:
    """The first string left open at the end of its line, else the innermost brace, bracket or
    parenthesis left open at the end of the file (pointing at the opener); None when neither."""
    try:
        return _Scan(text).run()
    except _GiveUp:
        return None
