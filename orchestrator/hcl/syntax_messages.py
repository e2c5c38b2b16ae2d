"""Readable words for syntax errors: what lark found and what it expected, and source positions.

Pure functions over token type names and text (no lark import: ``parser`` is the only lark importer).
"""

from __future__ import annotations

from typing import Any

__all__ = ["describe_expected", "describe_token", "end_pos", "offset_pos", "unexpected_token"]

_TOKEN_NAMES = {
    "RBRACE": "'}'",
    "LBRACE": "'{'",
    "RSQB": "']'",
    "LSQB": "'['",
    "RPAR": "')'",
    "LPAR": "'('",
    "EQ": "'='",
    "COLON": "':'",
    "COMMA": "','",
    "DBLQUOTE": "'\"'",
    "NL_OR_COMMENT": "a new line",
    "$END": "end of file",
    "QMARK": "'?'",
    "DOT": "'.'",
    "NAME": "a name",
    "FOR_OBJECT_ARROW": "'=>'",
    "ELLIPSIS": "'...'",
    "IN": "'in'",
    "IF": "'if'",
    "RBRACE_OR_STRIP": "'}'",
    "INTERP_START": "'${'",
    "DIRECTIVE_START": "'%{'",
}
_PUNCTUATION = frozenset(_TOKEN_NAMES) - {"NAME"}
_CLOSED_HINT = "check for a missing closing bracket, brace or quote"
_EXPR_STARTS = frozenset({"NAME", "INT_LITERAL", "DBLQUOTE", "LSQB", "LBRACE", "LPAR"})


def describe_expected(expected: set[str]) -> str:
    if len(_EXPR_STARTS & expected) >= 4:
        return "an expression"
    if "STRING_CHARS" in expected and "DBLQUOTE" in expected:
        return "the closing '\"' of the string"
    if "EQ" in expected and "LBRACE" in expected:
        return "'=' (an attribute) or '{' (a block)"
    names = sorted({_TOKEN_NAMES[e] for e in expected if e in _TOKEN_NAMES})
    if not names:
        return "something else"
    return " or ".join(names[:4])


def describe_token(tok: Any) -> str:
    if tok.type == "$END":
        return "end of file"
    if tok.type in _PUNCTUATION:
        return _TOKEN_NAMES[tok.type]
    text = str(tok).strip()
    if not text:
        return "end of line" if "\n" in str(tok) else "end of file"
    if tok.type == "STRING_CHARS":
        # lark's fallback lexer swallows the rest of the line as one token; name the first character.
        return f"'{text[0]}'"
    first = text.splitlines()[0][:20]
    return f"'{first}'"


def offset_pos(text: str, offset: int) -> tuple[int, int]:
    offset = max(offset, 0)
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def end_pos(text: str) -> tuple[int, int]:
    lines = text.split("\n")
    return len(lines), len(lines[-1]) + 1


def unexpected_token(tok: Any, expected: set[str], text: str, line: int, col: int) -> tuple[str, str | None, int, int]:
    """(message, hint, line, col) for lark's UnexpectedToken ``tok`` at ``line``:``col`` of ``text``."""
    found = describe_token(tok)
    wanted = describe_expected(expected)
    if wanted.startswith("the closing"):
        # The string runs to the end of the file: point at its opening quote instead.
        line, col = offset_pos(text, text.rfind('"'))
        return "unclosed string: no closing '\"' before the end of the file", _CLOSED_HINT, line, col
    if found == "end of file":
        line, col = end_pos(text)
        return f"unexpected end of file; expected {wanted}", _CLOSED_HINT, line, col
    rest = str(tok).lstrip()
    if rest.startswith("<<"):
        return "unclosed heredoc: no line holding only its closing marker", "end the heredoc with e.g. EOT", line, col
    if rest.startswith("'"):
        return 'unexpected "\'"; HCL strings use double quotes', 'write "text"', line, col
    return f"unexpected {found}; expected {wanted}", None, line, col
