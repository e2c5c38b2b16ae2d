"""How built-in functions are described: :class:`Builtin` and :func:`table`.

Contract: a built-in is a plain Python function taking evaluated values positionally. Its arity is
read once from its signature (``*args`` means variadic). A first parameter named ``ctx`` receives the
:class:`~orchestrator.hcl.evaluator.EvalContext` (filesystem functions). Unless ``unknown_ok`` is set,
the evaluator returns UNKNOWN without calling it when any argument is UNKNOWN. Functions raise
:class:`~orchestrator.errors.EvalError` (no position; the evaluator adds the call's position).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from orchestrator.errors import EvalError
from orchestrator.hcl.functions.coerce import format_number, is_mapping, to_bool, to_number, to_string, type_name
from orchestrator.hcl.numbers import Number

__all__ = ["Builtin", "arg_error", "table", "want_bool", "want_int", "want_list", "want_num", "want_obj", "want_str"]


@dataclass(frozen=True, slots=True)
class Builtin:
    name: str
    fn: Callable[..., Any]
    min_args: int
    max_args: int | None  # None: variadic
    needs_ctx: bool
    unknown_ok: bool

    def check_arity(self, count: int) -> None:
        """Raise EvalError "format() expects at least 1 argument, got 0" when ``count`` does not fit."""
        lo, hi = self.min_args, self.max_args
        if lo <= count and (hi is None or count <= hi):
            return
        if hi is None:
            want = f"at least {lo} argument{'s' if lo != 1 else ''}"
        elif lo == hi:
            want = f"{lo} argument{'s' if lo != 1 else ''}"
        elif count < lo:
            want = f"at least {lo} argument{'s' if lo != 1 else ''}"
        else:
            want = f"at most {hi} argument{'s' if hi != 1 else ''}"
        raise EvalError(f"{self.name}() expects {want}, got {count}", attr=None)


def _builtin(fn: Callable[..., Any], unknown_ok: bool) -> Builtin:
    params = list(inspect.signature(fn).parameters.values())
    needs_ctx = bool(params) and params[0].name == "ctx"
    if needs_ctx:
        params = params[1:]
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    variadic = any(p.kind == p.VAR_POSITIONAL for p in params)
    required = sum(1 for p in positional if p.default is p.empty)
    name = fn.__name__.removeprefix("fn_")
    return Builtin(name, fn, required, None if variadic else len(positional), needs_ctx, unknown_ok)


def table(*fns: Callable[..., Any], unknown_ok: tuple[Callable[..., Any], ...] = ()) -> Mapping[str, Builtin]:
    """Builtins keyed by name: the Python function's name without its ``fn_`` prefix."""
    out = {}
    for fn in (*fns, *unknown_ok):
        b = _builtin(fn, fn in unknown_ok)
        out[b.name] = b
    return out


def arg_error(fname: str, index: int, expected: str, value: object) -> EvalError:
    """``lookup() argument 1 must be an object, got string``."""
    return EvalError(f"{fname}() argument {index} must be {expected}, got {type_name(value)}")


def want_str(fname: str, index: int, value: object) -> str:
    """``value`` as a string (numbers and bools convert, as Terraform does), else EvalError."""
    t = type(value)
    if t is str:
        return value  # type: ignore[return-value]
    if t in (int, Fraction, float, bool):
        return to_string(value)
    raise arg_error(fname, index, "a string", value)


def want_num(fname: str, index: int, value: object) -> Number:
    try:
        return to_number(value)
    except EvalError:
        raise arg_error(fname, index, "a number", value) from None


def want_int(fname: str, index: int, value: object) -> int:
    number = want_num(fname, index, value)
    if type(number) is not int:
        raise EvalError(f"{fname}() argument {index} must be a whole number, got {format_number(number)}")
    return number


def want_bool(fname: str, index: int, value: object) -> bool:
    try:
        return to_bool(value)
    except EvalError:
        raise arg_error(fname, index, "a bool", value) from None


def want_list(fname: str, index: int, value: object) -> list[Any]:
    if isinstance(value, list | tuple):
        return list(value)
    raise arg_error(fname, index, "a list", value)


def want_obj(fname: str, index: int, value: object) -> Mapping[str, Any]:
    if is_mapping(value):
        return value  # type: ignore[return-value]
    raise arg_error(fname, index, "an object", value)
