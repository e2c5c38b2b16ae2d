"""Templates: scanning bare template text (heredoc bodies, ``templatefile``), and assembling the flat
sequence of literals, interpolations and directives into :mod:`orchestrator.hcl.ast` nodes.

Contract: pure functions; syntax problems raise :class:`~orchestrator.errors.HclSyntaxError` with the
position of the offending directive. Strip markers (``~``) remove all whitespace, newlines included,
from the adjacent literal, as in HCL.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from orchestrator.errors import HclSyntaxError, Pos
from orchestrator.hcl import ast
from orchestrator.hcl.text import nfc

__all__ = ["FlatPart", "assemble", "blank_strip_markers", "heredoc_body", "scan_template", "unescape"]

ExprParser = Callable[[str, str, int, int], ast.Expr]

_ESCAPE_RE = re.compile(r"\\(u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.)", re.S)
_SIMPLE_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}
_INTERP_STRIP_RE = re.compile(r"\$\{~|~\}")
_OPEN_RE = re.compile(r"\$\$\{|%%\{|\$\{|%\{")
_FOR_RE = re.compile(r"for\s+([A-Za-z_][\w-]*)\s*(?:,\s*([A-Za-z_][\w-]*)\s*)?\s+in\s+(.*)\Z", re.S)
_KEYWORD_RE = re.compile(r"\s*(if|else|endif|for|endfor)\b")


class FlatPart:
    """One element of a template before assembly.

    ``kind`` is lit | expr | if | else | endif | for | endfor; ``payload`` is the text (lit), the
    expression (expr, if) or ``(key_var, value_var, collection)`` (for); ``sl``/``sr`` are strip markers.
    """

    __slots__ = ("kind", "payload", "pos", "sl", "sr")

    def __init__(self, kind: str, payload: Any, sl: bool, sr: bool, pos: Pos) -> None:
        self.kind = kind
        self.payload = payload
        self.sl = sl
        self.sr = sr
        self.pos = pos


def _apply_strip(flat: list[FlatPart]) -> None:
    for i, part in enumerate(flat):
        if part.kind == "lit":
            continue
        if part.sl and i > 0 and flat[i - 1].kind == "lit":
            flat[i - 1].payload = flat[i - 1].payload.rstrip()
        if part.sr and i + 1 < len(flat) and flat[i + 1].kind == "lit":
            flat[i + 1].payload = flat[i + 1].payload.lstrip()


def assemble(flat: list[FlatPart], pos: Pos) -> ast.Expr:
    """Structure a flat part list into a Template (or a Literal when it has no expressions)."""
    flat = [p for p in flat if p.kind != "lit" or p.payload]
    if len(flat) == 1 and flat[0].kind == "expr":
        return flat[0].payload  # type: ignore[no-any-return]  # "${x}" is x itself, unconverted (HCL)
    _apply_strip(flat)
    parts, i, stop = _sequence(flat, 0, ())
    if stop is not None:
        raise HclSyntaxError(f"unexpected %{{ {stop.kind} }} directive", pos=stop.pos, hint="remove it")
    del i
    if not parts:
        return ast.Literal("", pos)
    if len(parts) == 1 and isinstance(parts[0], ast.Literal):
        return ast.Literal(nfc(parts[0].value), pos)
    return ast.Template(tuple(parts), pos)


def _sequence(flat: list[FlatPart], i: int, until: tuple[str, ...]) -> tuple[list[ast.Expr], int, FlatPart | None]:
    """Parts from ``i`` up to a directive in ``until`` (returned, with the index after it)."""
    parts: list[ast.Expr] = []
    text_at = -1  # index in parts of the last literal text, merged with following text
    while i < len(flat):
        part = flat[i]
        kind = part.kind
        if kind == "lit":
            if part.payload:
                prev = parts[-1] if parts and text_at == len(parts) - 1 else None
                if isinstance(prev, ast.Literal):
                    parts[-1] = ast.Literal(nfc(prev.value + part.payload), prev.pos)
                else:
                    parts.append(ast.Literal(nfc(part.payload), part.pos))
                    text_at = len(parts) - 1
            i += 1
        elif kind == "expr":
            parts.append(part.payload)
            i += 1
        elif kind == "if":
            node, i = _if(flat, i)
            parts.append(node)
        elif kind == "for":
            node, i = _for(flat, i)
            parts.append(node)
        elif kind in until:
            return parts, i + 1, part
        else:
            return parts, i + 1, part
    return parts, i, None


def _if(flat: list[FlatPart], i: int) -> tuple[ast.Expr, int]:
    start = flat[i]
    then, i, stop = _sequence(flat, i + 1, ("else", "endif"))
    else_: ast.Template | None = None
    if stop is not None and stop.kind == "else":
        els, i, stop = _sequence(flat, i, ("endif",))
        else_ = ast.Template(tuple(els), stop.pos if stop else start.pos)
    if stop is None or stop.kind != "endif":
        raise HclSyntaxError("%{ if } without a matching %{ endif }", pos=start.pos, hint="add %{ endif }")
    return ast.TemplateIf(start.payload, ast.Template(tuple(then), start.pos), else_, start.pos), i


def _for(flat: list[FlatPart], i: int) -> tuple[ast.Expr, int]:
    start = flat[i]
    body, i, stop = _sequence(flat, i + 1, ("endfor",))
    if stop is None or stop.kind != "endfor":
        raise HclSyntaxError("%{ for } without a matching %{ endfor }", pos=start.pos, hint="add %{ endfor }")
    key_var, value_var, coll = start.payload
    return ast.TemplateFor(key_var, value_var, coll, ast.Template(tuple(body), start.pos), start.pos), i


# ------------------------------------------------------------------------------------------------
# Scanning bare template text


def unescape(raw: str, pos: Pos) -> str:
    """The value of a quoted string's literal text: ``\\n``, ``\\t``, ``\\r``, ``\\"``, ``\\\\``,
    ``\\uXXXX``, ``\\UXXXXXXXX``. Raises HclSyntaxError at ``pos`` for any other escape."""
    if "\\" not in raw:
        return raw

    def repl(m: re.Match[str]) -> str:
        esc = m.group(1)
        if esc[0] in "uU":
            return chr(int(esc[1:], 16))
        out = _SIMPLE_ESCAPES.get(esc)
        if out is None:
            raise HclSyntaxError(
                f"invalid escape sequence '\\{esc}' in string", pos=pos, hint='write "\\\\" for a backslash'
            )
        return out

    return _ESCAPE_RE.sub(repl, raw)


def blank_strip_markers(text: str) -> str:
    """python-hcl2's grammar has no strip markers in ``${~ x ~}``: blank them to spaces (same length, so
    positions hold); the parser reads the markers and token text from the original source."""
    if "${~" not in text and "~}" not in text:
        return text
    return _INTERP_STRIP_RE.sub(lambda m: "${ " if m.group() == "${~" else " }", text)


def heredoc_body(token: str, trim: bool) -> tuple[str, int]:
    """The content of a heredoc token ``<<[-]ID\\n...\\n  ID\\n`` and the indentation removed from each
    line: ``trim`` (``<<-``) removes the least indentation of the non-blank lines, as HCL does; blank
    lines keep their own whitespace."""
    first_nl = token.index("\n")
    rest = token[first_nl + 1 :].rstrip("\n").removesuffix("\r")
    cut = rest.rfind("\n")
    body = "" if cut < 0 else rest[: cut + 1]
    if not trim or not body:
        return body, 0
    lines = body.splitlines(keepends=True)
    strip = min((len(ln) - len(ln.lstrip()) for ln in lines if ln.strip()), default=0)
    return "".join(ln[strip:] if ln.strip() else ln for ln in lines), strip


def _skip_string(text: str, i: int) -> int:
    """Index after the closing quote of a string whose opening quote is before ``i``."""
    n = len(text)
    while i < n:
        c = text[i]
        if c == "\\":
            i += 2
            continue
        if c == '"':
            return i + 1
        if c in "$%" and text.startswith("{", i + 1):
            close = _close_brace(text, i + 2)
            if close < 0:
                return n
            i = close + 1
            continue
        if c == "\n":
            return i
        i += 1
    return n


def _close_brace(text: str, i: int) -> int:
    """Index of the ``}`` closing a brace opened just before ``i``, or -1."""
    depth = 1
    n = len(text)
    while i < n:
        c = text[i]
        if c == '"':
            i = _skip_string(text, i + 1)
            continue
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return -1


class _Scanner:
    def __init__(self, text: str, file: str, line: int, col: int, parse: ExprParser, *, indent: int) -> None:
        self.indent = indent  # columns removed from every line after the first (flush heredocs)
        self.text = text
        self.file = file
        self.line = line
        self.col = col
        self.parse = parse

    def pos_at(self, offset: int) -> Pos:
        line_start = self.text.rfind("\n", 0, offset) + 1
        nlines = self.text.count("\n", 0, offset)
        col = offset - line_start + (self.col if nlines == 0 else 1 + self.indent)
        return Pos(self.file, self.line + nlines, col)

    def scan(self) -> list[FlatPart]:
        text = self.text
        flat: list[FlatPart] = []
        buf: list[str] = []
        buf_start = 0
        i = 0
        while True:
            m = _OPEN_RE.search(text, i)
            if m is None:
                buf.append(text[i:])
                break
            buf.append(text[i : m.start()])
            opener = m.group()
            if opener in ("$${", "%%{"):
                buf.append(opener[1:])
                i = m.end()
                continue
            if buf:
                flat.append(FlatPart("lit", "".join(buf), False, False, self.pos_at(buf_start)))
                buf = []
            close = _close_brace(text, m.end())
            if close < 0:
                raise HclSyntaxError(
                    f"unclosed '{opener}' in template", pos=self.pos_at(m.start()), hint="add the closing '}'"
                )
            flat.append(self.part(opener, m.end(), close))
            i = buf_start = close + 1
        if buf:
            flat.append(FlatPart("lit", "".join(buf), False, False, self.pos_at(buf_start)))
        return flat

    def part(self, opener: str, start: int, close: int) -> FlatPart:
        inner = self.text[start:close]
        sl = inner.startswith("~")
        if sl:
            inner, start = inner[1:], start + 1
        stripped = inner.rstrip()
        sr = stripped.endswith("~")
        if sr:
            inner = stripped[:-1]
        pos = self.pos_at(start - 2 - sl)
        if opener == "${":
            inner_pos = self.pos_at(start)
            return FlatPart("expr", self.parse(inner, self.file, inner_pos.line, inner_pos.col), sl, sr, pos)
        return self.directive(inner, start, sl, sr, pos)

    def directive(self, inner: str, start: int, sl: bool, sr: bool, pos: Pos) -> FlatPart:
        m = _KEYWORD_RE.match(inner)
        if m is None:
            raise HclSyntaxError(
                "unknown template directive", pos=pos, hint="use %{ if }, %{ else }, %{ endif }, %{ for }, %{ endfor }"
            )
        keyword = m.group(1)
        rest_off = start + m.end()
        rest = inner[m.end() :]
        if keyword == "if":
            p = self.pos_at(rest_off)
            return FlatPart("if", self.parse(rest, self.file, p.line, p.col), sl, sr, pos)
        if keyword == "for":
            fm = _FOR_RE.match(inner.strip())
            if fm is None:
                raise HclSyntaxError("bad %{ for } directive", pos=pos, hint="write %{ for k, v in collection }")
            coll_off = start + inner.index(fm.group(3)) if fm.group(3) else rest_off
            p = self.pos_at(coll_off)
            coll = self.parse(fm.group(3), self.file, p.line, p.col)
            key_var, value_var = (fm.group(1), fm.group(2)) if fm.group(2) else (None, fm.group(1))
            return FlatPart("for", (key_var, value_var, coll), sl, sr, pos)
        if rest.strip():
            raise HclSyntaxError(f"unexpected text after %{{ {keyword} }}", pos=pos)
        return FlatPart(keyword, None, sl, sr, pos)


def scan_template(text: str, file: str, line: int, col: int, parse: ExprParser, *, indent: int = 0) -> list[FlatPart]:
    """Split bare template text into flat parts; ``parse`` parses each embedded expression. Lines after
    the first start at column ``1 + indent`` of the source."""
    return _Scanner(text, file, line, col, parse, indent=indent).scan()
