"""Numeric functions: abs, ceil, floor, log, max, min, pow, signum, parseint."""

from __future__ import annotations

import math
from collections.abc import Mapping

from orchestrator.errors import EvalError
from orchestrator.hcl.functions.coerce import normalize_number
from orchestrator.hcl.functions.registry import Builtin, table, want_int, want_num, want_str
from orchestrator.hcl.values import Value

__all__ = ["FUNCTIONS"]

_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"
_MAX_BITS = 4096  # results beyond this are almost certainly a mistake, and cost time to build


def fn_abs(n: Value) -> Value:
    return abs(want_num("abs", 1, n))


def fn_ceil(n: Value) -> Value:
    value = want_num("ceil", 1, n)
    return value if isinstance(value, int) else math.ceil(value)


def fn_floor(n: Value) -> Value:
    value = want_num("floor", 1, n)
    return value if isinstance(value, int) else math.floor(value)


def fn_log(n: Value, base: Value) -> Value:
    x, b = want_num("log", 1, n), want_num("log", 2, base)
    if x <= 0 or b <= 0 or b == 1:
        raise EvalError(f"log(): cannot take the logarithm of {x} in base {b}")
    return normalize_number(math.log(x, b))


def fn_max(*nums: Value) -> Value:
    if not nums:
        raise EvalError("max() expects at least 1 argument, got 0")
    return max(want_num("max", i, n) for i, n in enumerate(nums, start=1))


def fn_min(*nums: Value) -> Value:
    if not nums:
        raise EvalError("min() expects at least 1 argument, got 0")
    return min(want_num("min", i, n) for i, n in enumerate(nums, start=1))


def fn_pow(n: Value, power: Value) -> Value:
    x, p = want_num("pow", 1, n), want_num("pow", 2, power)
    if isinstance(x, int) and isinstance(p, int) and p >= 0:
        if max(abs(x).bit_length(), 1) * p > _MAX_BITS:
            raise EvalError(f"pow(): {x} to the power {p} is too large")
        return x**p
    try:
        return normalize_number(math.pow(x, p))
    except (OverflowError, ValueError):
        raise EvalError(f"pow(): {x} to the power {p} cannot be represented") from None


def fn_signum(n: Value) -> Value:
    x = want_num("signum", 1, n)
    return (x > 0) - (x < 0)


def fn_parseint(text: Value, base: Value) -> Value:
    s = want_str("parseint", 1, text)
    b = want_int("parseint", 2, base)
    if not 2 <= b <= 62:
        raise EvalError(f"parseint(): base {b} is not between 2 and 62")
    digits = s[1:] if s[:1] in "+-" else s
    allowed = _DIGITS[:b] if b <= 36 else None
    if not digits or (allowed is not None and any(c.lower() not in allowed for c in digits)):
        raise EvalError(f'parseint(): "{s}" is not a valid base-{b} number')
    if allowed is None:
        raise EvalError("parseint(): bases above 36 are not supported")
    return int(s, b)


FUNCTIONS: Mapping[str, Builtin] = table(
    fn_abs, fn_ceil, fn_floor, fn_log, fn_max, fn_min, fn_pow, fn_signum, fn_parseint
)
