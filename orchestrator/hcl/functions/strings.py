"""String functions: format, formatlist, join, split, case, trimming, replace/regex, substr, ...

``replace`` with a ``/pattern/`` uses RE2 and Go's rules (:mod:`.regexes`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from orchestrator.errors import EvalError
from orchestrator.hcl.functions.coerce import is_mapping, to_string
from orchestrator.hcl.functions.regexes import regex_replace
from orchestrator.hcl.functions.registry import (
    Builtin,
    table,
    want_bool,
    want_int,
    want_list,
    want_num,
    want_str,
)
from orchestrator.hcl.text import go_lower, go_upper, graphemes
from orchestrator.hcl.values import UNKNOWN, Value, to_jsonable

__all__ = ["FUNCTIONS", "format_values"]

_VERB_RE = re.compile(r"%(?:\[(\d+)\])?([-+ #0]*)(\d+)?(?:\.(\d*))?(.?)", re.S)
_MAX_WIDTH = 4096


def _json(value: Value) -> str:
    return json.dumps(to_jsonable(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _verb_text(verb: str, flags: str, value: Value, n: int) -> tuple[str, Any]:
    """(python conversion, python value) for one Terraform/Go verb."""
    if verb == "v":
        if "#" in flags:
            return "s", _json(value)
        if value is None:
            return "s", "null"
        if isinstance(value, list) or is_mapping(value):
            return "s", _json(value)
        return "s", to_string(value)
    if verb == "s":
        return "s", want_str("format", n, value) if value is not None else _null_verb(verb)
    if verb == "q":
        return "s", json.dumps(want_str("format", n, value), ensure_ascii=False)
    if verb == "t":
        return "s", "true" if want_bool("format", n, value) else "false"
    if verb in "doxXb":
        if verb in "xX" and type(value) is str:
            text = value.encode().hex()
            return "s", text.upper() if verb == "X" else text
        number = want_int("format", n, value)
        return ("s", format(number, "b")) if verb == "b" else (verb, number)
    if verb in "eEfFgG":
        return verb, float(want_num("format", n, value))
    raise EvalError(f"format(): unsupported format verb '%{verb}'", hint="use %s, %d, %f, %q, %t or %v")


def _null_verb(verb: str) -> str:
    raise EvalError(f"format(): cannot format null with %{verb}", hint="use %v to print null")


def format_values(spec: str, args: list[Value]) -> str:
    """Terraform's ``format``: Go-style verbs with flags, width, precision and ``%[n]`` indexes."""
    out: list[str] = []
    pos = 0
    next_arg = 0
    used = 0
    for m in _VERB_RE.finditer(spec):
        out.append(spec[pos : m.start()])
        pos = m.end()
        index, flags, width, prec, verb = m.groups()
        if verb == "%":
            out.append("%")
            continue
        if not verb:
            raise EvalError("format(): the format string ends with an incomplete verb", hint="write %% for a '%'")
        arg_no = int(index) - 1 if index else next_arg
        next_arg = arg_no + 1
        if arg_no < 0 or arg_no >= len(args):
            raise EvalError(f"format(): not enough arguments for the format string (verb %{verb} needs #{arg_no + 1})")
        used = max(used, next_arg)
        if int(width or 0) > _MAX_WIDTH or int(prec or 0) > _MAX_WIDTH:
            raise EvalError(f"format(): width and precision must be at most {_MAX_WIDTH}")
        conv, value = _verb_text(verb, flags, args[arg_no], arg_no + 2)
        pyspec = "%" + flags.replace("#", "") + (width or "") + (f".{prec or 0}" if prec is not None else "") + conv
        out.append(pyspec % value)
    out.append(spec[pos:])
    if used < len(args) and not any(m.group(1) for m in _VERB_RE.finditer(spec)):
        raise EvalError(f"format(): too many arguments; the format string uses {used} of {len(args)}")
    return "".join(out)


def fn_format(spec: Value, *args: Value) -> Value:
    return format_values(want_str("format", 1, spec), list(args))


def fn_formatlist(spec: Value, *args: Value) -> Value:
    text = want_str("formatlist", 1, spec)
    length: int | None = None
    for i, arg in enumerate(args, start=2):
        if isinstance(arg, list):
            if length is not None and len(arg) != length:
                raise EvalError(f"formatlist(): argument {i} has {len(arg)} elements, but an earlier list has {length}")
            length = len(arg)
    if length is None:
        length = 1
    return [format_values(text, [a[n] if isinstance(a, list) else a for a in args]) for n in range(length)]


def fn_join(sep: Value, *lists: Value) -> Value:
    separator = want_str("join", 1, sep)
    if not lists:
        raise EvalError("join() expects at least 2 arguments, got 1")
    items: list[str] = []
    for i, lst in enumerate(lists, start=2):
        for item in want_list("join", i, lst):
            if item is UNKNOWN:
                return UNKNOWN
            if item is None:
                raise EvalError(f"join() argument {i} contains a null element")
            items.append(want_str("join", i, item))
    return separator.join(items)


def fn_split(sep: Value, text: Value) -> Value:
    separator, string = want_str("split", 1, sep), want_str("split", 2, text)
    return list(string) if separator == "" else string.split(separator)


def fn_lower(text: Value) -> Value:
    return go_lower(want_str("lower", 1, text))


def fn_upper(text: Value) -> Value:
    return go_upper(want_str("upper", 1, text))


def fn_title(text: Value) -> Value:
    # Go's strings.Title: upper-case a letter that follows a separator; leave other letters alone.
    out = []
    prev_sep = True
    for ch in want_str("title", 1, text):
        out.append(ch.upper() if prev_sep else ch)
        prev_sep = not (ch.isalnum() or ch == "_")
    return "".join(out)


def fn_trimspace(text: Value) -> Value:
    return want_str("trimspace", 1, text).strip()


def fn_trim(text: Value, cutset: Value) -> Value:
    return want_str("trim", 1, text).strip(want_str("trim", 2, cutset))


def fn_trimprefix(text: Value, prefix: Value) -> Value:
    return want_str("trimprefix", 1, text).removeprefix(want_str("trimprefix", 2, prefix))


def fn_trimsuffix(text: Value, suffix: Value) -> Value:
    return want_str("trimsuffix", 1, text).removesuffix(want_str("trimsuffix", 2, suffix))


def fn_replace(text: Value, substr: Value, replacement: Value) -> Value:
    string = want_str("replace", 1, text)
    search = want_str("replace", 2, substr)
    repl = want_str("replace", 3, replacement)
    if len(search) >= 2 and search.startswith("/") and search.endswith("/"):
        return regex_replace(string, search[1:-1], repl)
    return string.replace(search, repl)


def fn_substr(text: Value, offset: Value, length: Value) -> Value:
    """cty's Substr: offsets and lengths in grapheme clusters; an offset past the end gives "";
    a negative offset counts from the end (and then, as in cty, a length of 0 takes the rest)."""
    string = want_str("substr", 1, text)
    start, count = want_int("substr", 2, offset), want_int("substr", 3, length)
    chars = graphemes(string)
    if start < 0:
        start = max(start + len(chars), 0)
    elif count == 0:
        return ""
    if start >= len(chars):
        return ""
    if count <= 0:
        return "".join(chars[start:])
    return "".join(chars[start : start + count])


def fn_strrev(text: Value) -> Value:
    return "".join(reversed(graphemes(want_str("strrev", 1, text))))


def fn_chomp(text: Value) -> Value:
    return want_str("chomp", 1, text).rstrip("\r\n")


def fn_indent(spaces: Value, text: Value) -> Value:
    count = want_int("indent", 1, spaces)
    if not 0 <= count <= _MAX_WIDTH:
        raise EvalError(f"indent(): the number of spaces must be between 0 and {_MAX_WIDTH}")
    pad = " " * count
    return want_str("indent", 2, text).replace("\n", "\n" + pad)


def fn_startswith(text: Value, prefix: Value) -> Value:
    return want_str("startswith", 1, text).startswith(want_str("startswith", 2, prefix))


def fn_endswith(text: Value, suffix: Value) -> Value:
    return want_str("endswith", 1, text).endswith(want_str("endswith", 2, suffix))


def fn_strcontains(text: Value, substr: Value) -> Value:
    return want_str("strcontains", 2, substr) in want_str("strcontains", 1, text)


FUNCTIONS: Mapping[str, Builtin] = table(
    fn_format,
    fn_formatlist,
    fn_join,
    fn_split,
    fn_lower,
    fn_upper,
    fn_title,
    fn_trimspace,
    fn_trim,
    fn_trimprefix,
    fn_trimsuffix,
    fn_replace,
    fn_substr,
    fn_strrev,
    fn_chomp,
    fn_indent,
    fn_startswith,
    fn_endswith,
    fn_strcontains,
)
