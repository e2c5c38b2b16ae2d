"""Regular expressions as Terraform has them: ``regex``, ``regexall`` and ``replace`` with a ``/.../``
pattern, in RE2 syntax and with Go's matching rules.

Patterns compile with RE2 itself (the ``google-re2`` bindings), so what RE2 rejects (backreferences,
lookaround, possessive quantifiers) is a config error here too, never a silently different match.
Go's rules that differ from Python's ``re``: a group that did not take part in the match is null; an
empty match right after the previous match is not a match (``regexall("a*", "baaa")`` is
``["", "aaa"]``); ``$1`` / ``${name}`` in a replacement take the longest name (``$1x`` is group
"1x", which is empty).

Contract: pure functions raising EvalError (no position) for bad patterns and failed matches.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from orchestrator.errors import EvalError
from orchestrator.hcl.functions.registry import Builtin, table, want_str
from orchestrator.hcl.values import Value

__all__ = ["FUNCTIONS", "compile_regex", "go_finditer"]

_GO_REPL_RE = re.compile(r"\$(\$|\{(\w+)\}|(\w+))")
_GO_ONLY_REJECTS = re.compile(r"(?<!\\)(?:\\\\)*\\C")  # RE2 C++ accepts \C (any byte); Go does not


def _options() -> Any:
    import re2

    options = re2.Options()
    options.log_errors = False  # RE2 would print each rejected pattern on stderr
    return options


def compile_regex(fname: str, pattern: str) -> Any:
    """Compile an RE2 pattern; EvalError naming the pattern and RE2's reason when it is invalid."""
    # Imported here, not at the top: most configs call no regex function and every start would pay.
    import re2

    reason = None
    if _GO_ONLY_REJECTS.search(pattern):
        reason = "invalid escape sequence: \\C"
    else:
        try:
            return re2.compile(pattern, _options())
        except re2.error as exc:
            raw = exc.args[0] if exc.args else exc
            reason = raw.decode(errors="replace") if isinstance(raw, bytes) else str(raw)
    raise EvalError(
        f'{fname}(): invalid regular expression "{pattern}": {reason}',
        hint="Terraform uses RE2 syntax: no backreferences (\\1), lookahead or lookbehind",
    )


def go_finditer(pattern: Any, text: str) -> Iterator[Any]:
    """Successive matches as Go's FindAll: an empty match abutting the previous match is skipped.
    (RE2's own iteration is Go's otherwise, and encodes the text once: linear in its length.)"""
    prev_end = -1
    for m in pattern.finditer(text):
        start, stop = m.span()
        if start == stop == prev_end:
            continue
        prev_end = stop
        yield m


def _expand(template: str, m: Any) -> str:
    def one(r: re.Match[str]) -> str:
        if r.group(1) == "$":
            return "$"
        name = r.group(2) or r.group(3)
        try:
            group = m.group(int(name)) if name.isdigit() else m.group(name)
        except (IndexError, KeyError, ValueError):  # an unknown group expands to nothing, as in Go
            return ""
        return group or ""

    return _GO_REPL_RE.sub(one, template)


def regex_replace(text: str, pattern: str, replacement: str) -> str:
    compiled = compile_regex("replace", pattern)
    out: list[str] = []
    last = 0
    for m in go_finditer(compiled, text):
        out.append(text[last : m.start()])
        out.append(_expand(replacement, m))
        last = m.end()
    out.append(text[last:])
    return "".join(out)


def _match_value(pattern: Any, m: Any) -> Value:
    names: Mapping[str, int] = pattern.groupindex
    if names:
        return {name: m.group(name) for name in names}
    if pattern.groups:
        return list(m.groups())
    return m.group(0)


def fn_regex(pattern: Value, text: Value) -> Value:
    compiled = compile_regex("regex", want_str("regex", 1, pattern))
    m = compiled.search(want_str("regex", 2, text))
    if m is None:
        raise EvalError("regex(): the pattern did not match the string", hint="use regexall() or can() to test first")
    return _match_value(compiled, m)


def fn_regexall(pattern: Value, text: Value) -> Value:
    compiled = compile_regex("regexall", want_str("regexall", 1, pattern))
    return [_match_value(compiled, m) for m in go_finditer(compiled, want_str("regexall", 2, text))]


FUNCTIONS: Mapping[str, Builtin] = table(fn_regex, fn_regexall)
