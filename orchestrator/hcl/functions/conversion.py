"""Type conversion functions: tostring, tonumber, tobool, tolist, toset, tomap, and identity helpers.

tolist, toset and tomap unify their elements' types as Terraform does (:mod:`.unify`).

``null`` converts to ``null`` (as in Terraform). Conversions Terraform refuses raise EvalError.
"""

from __future__ import annotations

from collections.abc import Mapping

from orchestrator.errors import EvalError
from orchestrator.hcl.functions.coerce import as_dict, describe, is_mapping, to_bool, to_number, to_string
from orchestrator.hcl.functions.collections import set_order
from orchestrator.hcl.functions.registry import Builtin, table
from orchestrator.hcl.functions.unify import unify, unify_mapping
from orchestrator.hcl.values import Value

__all__ = ["FUNCTIONS"]


def fn_tostring(value: Value) -> Value:
    if value is None:
        return None
    if isinstance(value, list) or is_mapping(value):
        raise EvalError(f"tostring() cannot convert {describe(value)} to a string", hint="use jsonencode()")
    return to_string(value)


def fn_tonumber(value: Value) -> Value:
    if value is None:
        return None
    try:
        return to_number(value)
    except EvalError:
        raise EvalError(f"tonumber() cannot convert {describe(value)} to a number") from None


def fn_tobool(value: Value) -> Value:
    if value is None:
        return None
    try:
        return to_bool(value)
    except EvalError:
        raise EvalError(f"tobool() cannot convert {describe(value)} to a bool") from None


def fn_tolist(value: Value) -> Value:
    if value is None:
        return None
    if isinstance(value, list | tuple):
        return unify(list(value), "tolist(): the elements")
    raise EvalError(f"tolist() cannot convert {describe(value)} to a list")


def fn_toset(value: Value) -> Value:
    if value is None:
        return None
    if isinstance(value, list | tuple):
        return set_order(unify(list(value), "toset(): the elements"))
    raise EvalError(f"toset() cannot convert {describe(value)} to a set")


def fn_tomap(value: Value) -> Value:
    if value is None:
        return None
    if is_mapping(value):
        return unify_mapping(as_dict(value), "tomap(): the values")
    raise EvalError(f"tomap() cannot convert {describe(value)} to a map")


def fn_sensitive(value: Value) -> Value:
    return value


def fn_nonsensitive(value: Value) -> Value:
    return value


FUNCTIONS: Mapping[str, Builtin] = table(
    fn_tostring,
    fn_tonumber,
    fn_tobool,
    fn_tolist,
    fn_toset,
    fn_tomap,
    unknown_ok=(fn_sensitive, fn_nonsensitive),
)
