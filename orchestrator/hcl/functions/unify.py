"""Type unification as Terraform does it (cty's ``convert.UnifyUnsafe``), on values.

tgo's values carry no static types, so the element types are read off the values: primitives of
several kinds unify to string when a string is among them (``tolist(["a", true])`` is
``["a", "true"]``), bool with number does not unify; objects with the same attributes unify per
attribute, objects with different attributes unify to a map of one element type; tuples of one
length unify per position, of several lengths to a list of one element type. Null and unknown
values take any type.

Contract: pure functions; values that do not unify raise EvalError naming what did not fit.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from orchestrator.errors import EvalError
from orchestrator.hcl.functions.coerce import is_mapping, is_number, to_string
from orchestrator.hcl.values import UNKNOWN, Value

__all__ = ["kind", "unify", "unify_pair"]

_PRIMITIVE = frozenset({"string", "number", "bool"})


def kind(value: Value) -> str | None:
    """string, number, bool, tuple or object; None for null and unknown (they take any type)."""
    if value is None or value is UNKNOWN:
        return None
    t = type(value)
    if t is str:
        return "string"
    if t is bool:
        return "bool"
    if is_number(value):
        return "number"
    if isinstance(value, list | tuple):
        return "tuple"
    if is_mapping(value):
        return "object"
    return t.__name__


class _NoUnify(Exception):
    """The values have no common type; carries the two kinds that clashed."""

    def __init__(self, kinds: set[str]) -> None:
        super().__init__(" and ".join(sorted(kinds)))


def _unify(items: list[Value]) -> list[Value]:
    kinds = {k for k in map(kind, items) if k is not None}
    if len(kinds) <= 1 and not kinds & {"tuple", "object"}:
        return items
    if kinds <= _PRIMITIVE:
        if "string" not in kinds:
            raise _NoUnify(kinds)
        return [v if v is None or v is UNKNOWN or type(v) is str else to_string(v) for v in items]
    if kinds == {"object"}:
        return _unify_objects(items)
    if kinds == {"tuple"}:
        return _unify_tuples(items)
    raise _NoUnify(kinds)


def _unify_objects(items: list[Value]) -> list[Value]:
    objects = [v for v in items if v is not None and v is not UNKNOWN]
    keysets = {frozenset(o) for o in objects}
    out: list[Any]
    if len(keysets) == 1:
        keys = sorted(next(iter(keysets)))
        columns = {k: _unify([o[k] for o in objects]) for k in keys}
        rebuilt = iter([{k: columns[k][i] for k in keys} for i in range(len(objects))])
    else:  # different attributes: a map, every value of one type
        flat = _unify([o[k] for o in objects for k in sorted(o)])
        values = iter(flat)
        rebuilt = iter([{k: next(values) for k in sorted(o)} for o in objects])
    out = [v if v is None or v is UNKNOWN else next(rebuilt) for v in items]
    return out


def _unify_tuples(items: list[Value]) -> list[Value]:
    tuples = [list(v) for v in items if v is not None and v is not UNKNOWN]
    lengths = {len(t) for t in tuples}
    if len(lengths) == 1:
        n = lengths.pop()
        columns = [_unify([t[i] for t in tuples]) for i in range(n)]
        rebuilt = iter([[columns[i][j] for i in range(n)] for j in range(len(tuples))])
    else:  # several lengths: a list, every element of one type
        flat = iter(_unify([x for t in tuples for x in t]))
        rebuilt = iter([[next(flat) for _ in t] for t in tuples])
    return [v if v is None or v is UNKNOWN else next(rebuilt) for v in items]


def unify(items: list[Value], what: str) -> list[Value]:
    """``items`` converted to one common type; EvalError "<what> must all have the same type"."""
    try:
        return _unify(items)
    except _NoUnify as exc:
        raise EvalError(f"{what} must all have one type; {exc} do not convert to one another") from None


def unify_pair(a: Value, b: Value) -> tuple[Value, Value]:
    """Two values unified (conditional results); raises _NoUnify-based EvalError as :func:`unify`."""
    x, y = unify([a, b], "the results")
    return x, y


def unify_mapping(obj: Mapping[str, Value], what: str) -> dict[str, Value]:
    keys = list(obj)
    values = unify([obj[k] for k in keys], what)
    return dict(zip(keys, values, strict=True))
