"""Limits on what one expression may build, so a runaway config fails fast instead of hanging.

Locals that double a list or a string forty times (``concat(l, l)``, ``"${s}${s}"``, ``[l, l]``)
grow exponentially: without a bound, ``validate`` hangs and ``plan`` exhausts memory. Terraform
has no such limit (it runs out of memory too); tgo makes it a config error naming the expression.

- :class:`Budget`: what one evaluation has built so far (list and object elements, characters of
  strings rendered or returned by functions). Spent before the big value is made where that is
  possible (a template's length is known before its parts are joined).
- :func:`check_size`: the logical size of a finished value, counting a list shared twice twice
  (``[l, l]``); the walk stops at the limit, so a forty-fold doubling costs at most a million steps.
- :data:`MAX_SOURCE_BYTES`: a config file larger than this is refused before parsing (lark's time
  grows with the file; real configs are a few kilobytes).

Contract: plain objects, no shared state; errors are :class:`~orchestrator.errors.EvalError` with
the position given, or HclSyntaxError from the parser for the file size.
"""

from __future__ import annotations

from typing import Any, Final

from orchestrator.errors import EvalError, Pos

__all__ = ["MAX_CHARS", "MAX_ELEMENTS", "MAX_SOURCE_BYTES", "Budget", "check_size"]

MAX_ELEMENTS: Final = 1_000_000
MAX_CHARS: Final = 64 * 1024 * 1024
MAX_SOURCE_BYTES: Final = 8 * 1024 * 1024
_HINT: Final = "a value this large is almost certainly a runaway, e.g. a local that doubles itself"


def _too_large(what: str, pos: Pos) -> EvalError:
    return EvalError(f"the value is too large: {what}", pos=pos, hint=_HINT)


class Budget:
    """Elements and characters one evaluation may still build. Not thread-safe: one per evaluation."""

    __slots__ = ("chars", "elements")

    def __init__(self) -> None:
        self.elements = MAX_ELEMENTS
        self.chars = MAX_CHARS

    def spend_elements(self, count: int, pos: Pos) -> None:
        self.elements -= count
        if self.elements < 0:
            raise _too_large(f"the expression builds more than {MAX_ELEMENTS:,} list or object elements", pos)

    def spend_chars(self, count: int, pos: Pos) -> None:
        self.chars -= count
        if self.chars < 0:
            raise _too_large(f"the expression builds more than {MAX_CHARS // 2**20} MiB of strings", pos)

    def spend_result(self, value: Any, pos: Pos) -> None:
        """A function result: its own length (its parts were counted when they were built)."""
        t = type(value)  # the arithmetic is inlined: this runs for every function call
        if t is str:
            self.chars -= len(value)
            if self.chars < 0:
                self.spend_chars(0, pos)  # raises
        elif t is list or t is dict:
            self.elements -= len(value)
            if self.elements < 0:
                self.spend_elements(0, pos)  # raises


def check_size(value: Any, pos: Pos) -> None:
    """Raise EvalError when ``value`` holds more than MAX_ELEMENTS elements or MAX_CHARS
    characters, counting shared parts as often as they occur. The walk stops as soon as a limit is
    passed, so it visits at most MAX_ELEMENTS elements however deeply a value shares itself; lazy
    mappings (not dicts) are not forced."""
    t = type(value)
    if t is str:
        if len(value) > MAX_CHARS:
            raise _too_large(f"a string of {len(value):,} characters (the limit is {MAX_CHARS // 2**20} MiB)", pos)
        return
    if t is not list and t is not dict:
        return
    elements = chars = 0
    stack = [value]
    while stack:
        node = stack.pop()
        elements += len(node)
        if elements > MAX_ELEMENTS:
            raise _too_large(f"more than {MAX_ELEMENTS:,} elements", pos)
        if type(node) is dict:
            chars += sum(map(len, node))
            node = node.values()
        for item in node:
            ti = type(item)
            if ti is str:
                chars += len(item)
            elif ti is list or ti is dict:
                stack.append(item)
        if chars > MAX_CHARS:
            raise _too_large(f"more than {MAX_CHARS // 2**20} MiB of strings", pos)
