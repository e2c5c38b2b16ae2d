"""Terraform's conversion rules between value kinds, shared by the evaluator and the functions.

Contract: pure functions. Conversions that Terraform refuses raise :class:`EvalError` without a
position (the evaluator adds the expression's position). ``Mapping`` values (lazy scopes from the
loader) count as objects; :func:`as_dict` materialises them only when the whole value is needed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from fractions import Fraction
from typing import Any

from orchestrator.errors import EvalError
from orchestrator.hcl import numbers
from orchestrator.hcl.numbers import Number
from orchestrator.hcl.values import UNKNOWN, Value

__all__ = [
    "as_dict",
    "describe",
    "equal",
    "format_number",
    "is_mapping",
    "is_number",
    "normalize_number",
    "to_bool",
    "to_number",
    "to_string",
    "type_name",
]

_NUMBER_RE = re.compile(r"-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def is_mapping(value: object) -> bool:
    return type(value) is dict or isinstance(value, Mapping)


def is_number(value: object) -> bool:
    t = type(value)
    return t is int or t is Fraction or t is float


def type_name(value: object) -> str:
    """Terraform's name for the kind of ``value``: string, number, bool, null, list, object, unknown."""
    if value is None:
        return "null"
    t = type(value)
    if t is str:
        return "string"
    if t is bool:
        return "bool"
    if t is int or t is Fraction or t is float:
        return "number"
    if t is list or t is tuple:
        return "list"
    if value is UNKNOWN:
        return "unknown"
    if is_mapping(value):
        return "object"
    return t.__name__


def describe(value: object) -> str:
    """A short description for messages: 'string "a"', 'number 1', 'null', 'list', 'object'."""
    name = type_name(value)
    if name == "string":
        text = str(value)
        return f'string "{text[:40]}{"..." if len(text) > 40 else ""}"'
    if name == "number":
        return f"number {format_number(value)}"
    if name == "bool":
        return f"bool {'true' if value else 'false'}"
    return name


def normalize_number(value: int | Fraction | float) -> Number:
    """A result as a language number (:mod:`orchestrator.hcl.numbers`): whole numbers are ints, so
    4/2 is 2 and renders as "2"; others are rounded to 512 bits as Terraform's are."""
    if type(value) is int:
        return value
    try:
        return numbers.make(value)
    except ValueError as exc:
        raise EvalError(str(exc)) from None


def format_number(value: Any) -> str:
    """Terraform's spelling of a number (cty's ``Text('f', -1)``: ``0.3``, ``1500``, never ``1e3``)."""
    if type(value) is int:
        return str(value)
    try:
        return numbers.format_number(value)
    except ValueError as exc:
        raise EvalError(str(exc)) from None


def to_number(value: Value) -> Number:
    t = type(value)
    if t is int or t is Fraction:
        return value  # type: ignore[no-any-return]
    if t is float:
        return normalize_number(value)
    if t is str and _NUMBER_RE.fullmatch(value):
        return numbers.parse_number(value)
    raise EvalError(f"cannot convert {describe(value)} to a number")


def to_string(value: Value) -> str:
    t = type(value)
    if t is str:
        return value  # type: ignore[no-any-return]
    if t is bool:
        return "true" if value else "false"
    if t is int or t is Fraction or t is float:
        return format_number(value)
    raise EvalError(f"cannot convert {describe(value)} to a string")


def to_bool(value: Value) -> bool:
    if value is True or value is False:
        return value
    if value == "true" and type(value) is str:
        return True
    if value == "false" and type(value) is str:
        return False
    raise EvalError(f"cannot convert {describe(value)} to a bool")


def as_dict(value: Value) -> dict[str, Value]:
    """A plain dict of a Mapping (forces every entry of a lazy mapping)."""
    if type(value) is dict:
        return value
    return {k: value[k] for k in value}


def equal(a: Value, b: Value) -> bool:
    """Terraform's ``==``: no conversion between kinds (``"1" == 1`` is false); numbers by value."""
    ta, tb = type(a), type(b)
    if ta is bool or tb is bool:
        return ta is tb and a == b
    if is_number(a) and is_number(b):
        return bool(a == b)
    if a is None or b is None:
        return a is None and b is None
    if ta is str or tb is str:
        return ta is tb and a == b
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(equal(x, y) for x, y in zip(a, b, strict=True))
    if is_mapping(a) and is_mapping(b):
        return set(a) == set(b) and all(equal(a[k], b[k]) for k in a)
    return False
