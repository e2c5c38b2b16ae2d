"""Collection functions: length, concat, merge, lookup, element, flatten, set operations, sort, ...

Sets are lists here: set functions return distinct elements, sorted when all are strings or all are
numbers (Terraform orders such sets that way), else in first-seen order.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping

from orchestrator.errors import EvalError
from orchestrator.hcl.functions.coerce import (
    as_dict,
    equal,
    is_mapping,
    is_number,
    normalize_number,
    to_bool,
)
from orchestrator.hcl.functions.registry import (
    Builtin,
    arg_error,
    table,
    want_int,
    want_list,
    want_num,
    want_obj,
    want_str,
)
from orchestrator.hcl.functions.unify import unify
from orchestrator.hcl.numbers import Number
from orchestrator.hcl.text import grapheme_count
from orchestrator.hcl.values import UNKNOWN, Value

__all__ = ["FUNCTIONS", "distinct_values", "set_order"]

_MAX_RANGE = 1024  # Terraform's limit on range() results


def fn_length(value: Value) -> Value:
    if type(value) is str:
        return grapheme_count(value)  # characters are grapheme clusters, as in Terraform
    if isinstance(value, list | tuple) or is_mapping(value):
        return len(value)
    raise arg_error("length", 1, "a string, list or object", value)


def fn_concat(*lists: Value) -> Value:
    out: list[Value] = []
    for i, lst in enumerate(lists, start=1):
        out.extend(want_list("concat", i, lst))
    return out


def fn_merge(*objs: Value) -> Value:
    out: dict[str, Value] = {}
    for i, obj in enumerate(objs, start=1):
        if obj is None:
            continue
        out.update(as_dict(want_obj("merge", i, obj)))
    return out


def fn_lookup(obj: Value, key: Value, *default: Value) -> Value:
    if len(default) > 1:
        raise EvalError(f"lookup() expects at most 3 arguments, got {2 + len(default)}")
    mapping = want_obj("lookup", 1, obj)
    name = want_str("lookup", 2, key)
    if name in mapping:
        return mapping[name]
    if default:
        return default[0]
    raise EvalError(f'lookup(): the object has no key "{name}"', hint="pass a default as the third argument")


def fn_element(lst: Value, index: Value) -> Value:
    items = want_list("element", 1, lst)
    i = want_int("element", 2, index)
    if not items:
        raise EvalError("element() cannot use an empty list")
    return items[i % len(items)]  # wraps both ways: element(l, -1) is the last element (Terraform >= 1.8)


def fn_index(lst: Value, value: Value) -> Value:
    for i, item in enumerate(want_list("index", 1, lst)):
        if equal(item, value):
            return i
    raise EvalError("index(): the value is not in the list")


def fn_contains(lst: Value, value: Value) -> Value:
    return any(equal(item, value) for item in want_list("contains", 1, lst))


def fn_keys(obj: Value) -> Value:
    return sorted(want_obj("keys", 1, obj))


def fn_values(obj: Value) -> Value:
    mapping = want_obj("values", 1, obj)
    return [mapping[k] for k in sorted(mapping)]


def _flatten(items: list[Value], out: list[Value]) -> bool:
    for item in items:
        if item is UNKNOWN:
            return False
        if isinstance(item, list | tuple):
            if not _flatten(list(item), out):
                return False
        else:
            out.append(item)
    return True


def fn_flatten(lst: Value) -> Value:
    if lst is UNKNOWN:
        return UNKNOWN
    out: list[Value] = []
    return out if _flatten(want_list("flatten", 1, lst), out) else UNKNOWN


def distinct_values(items: list[Value]) -> list[Value]:
    out: list[Value] = []
    for item in items:
        if not any(equal(item, seen) for seen in out):
            out.append(item)
    return out


def fn_distinct(lst: Value) -> Value:
    return distinct_values(want_list("distinct", 1, lst))


def fn_compact(lst: Value) -> Value:
    return [x for x in want_list("compact", 1, lst) if x is not None and x != ""]


def fn_coalesce(*args: Value) -> Value:
    # cty's coalesce: the arguments are unified first (coalesce(1, "a") is "1"), then the first
    # that is neither null nor "" wins.
    for arg in unify(list(args), "coalesce(): the arguments"):
        if arg is not None and arg != "":
            return arg
    raise EvalError("coalesce(): no non-null, non-empty-string arguments", hint="add a fallback value")


def fn_coalescelist(*lists: Value) -> Value:
    for i, lst in enumerate(lists, start=1):
        if want_list("coalescelist", i, lst):
            return lst
    raise EvalError("coalescelist(): no non-empty list arguments")


def fn_slice(lst: Value, start: Value, end: Value) -> Value:
    items = want_list("slice", 1, lst)
    lo, hi = want_int("slice", 2, start), want_int("slice", 3, end)
    if lo < 0 or hi > len(items) or lo > hi:
        raise EvalError(f"slice(): indexes {lo}..{hi} are invalid for a list of {len(items)} elements")
    return items[lo:hi]


def fn_sort(lst: Value) -> Value:
    strings = []
    for item in want_list("sort", 1, lst):
        if item is None:
            raise EvalError("sort(): the list contains null")
        strings.append(want_str("sort", 1, item))
    return sorted(strings)


def fn_reverse(lst: Value) -> Value:
    return want_list("reverse", 1, lst)[::-1]


def fn_range(*args: Value) -> Value:
    """cty's Range: one argument counts from 0 towards it (down when negative), two go from start
    to end (down when end < start), three take an explicit step whose sign must agree with the
    direction; at most 1024 values."""
    nums = [want_num("range", i, a) for i, a in enumerate(args, start=1)]
    start: Number
    limit: Number
    step: Number
    if len(nums) == 1:
        start, limit, step = 0, nums[0], (-1 if nums[0] < 0 else 1)
    elif len(nums) == 2:
        start, limit = nums
        step = -1 if limit < start else 1
    elif len(nums) == 3:
        start, limit, step = nums
    else:
        raise EvalError(f"range() expects 1 to 3 arguments, got {len(nums)}")
    if step == 0:
        raise EvalError("range(): step must not be zero")
    if step < 0 and limit > start:
        raise EvalError("range(): end must be less than start when step is negative")
    if step > 0 and limit < start:
        raise EvalError("range(): end must be greater than start when step is positive")
    out: list[Value] = []
    value = start
    while (step > 0 and value < limit) or (step < 0 and value > limit):
        if len(out) >= _MAX_RANGE:
            raise EvalError(f"range(): more than {_MAX_RANGE} values; use a larger step or a smaller range")
        out.append(normalize_number(value))
        value += step
    return out


def fn_zipmap(keys: Value, values: Value) -> Value:
    ks, vs = want_list("zipmap", 1, keys), want_list("zipmap", 2, values)
    if len(ks) != len(vs):
        raise EvalError(f"zipmap(): {len(ks)} keys but {len(vs)} values")
    return {want_str("zipmap", 1, k): v for k, v in zip(ks, vs, strict=True)}


def set_order(items: list[Value]) -> list[Value]:
    """Distinct elements; sorted when all are strings or all numbers, as Terraform orders sets."""
    out = distinct_values(items)
    if out and all(type(x) is str for x in out):
        return sorted(out)
    if out and all(is_number(x) for x in out):
        return sorted(out)
    return out


def fn_setunion(*sets: Value) -> Value:
    return set_order([x for i, s in enumerate(sets, start=1) for x in want_list("setunion", i, s)])


def fn_setintersection(first: Value, *rest: Value) -> Value:
    items = want_list("setintersection", 1, first)
    others = [want_list("setintersection", i, s) for i, s in enumerate(rest, start=2)]
    return set_order([x for x in items if all(any(equal(x, y) for y in o) for o in others)])


def fn_setsubtract(a: Value, b: Value) -> Value:
    minus = want_list("setsubtract", 2, b)
    return set_order([x for x in want_list("setsubtract", 1, a) if not any(equal(x, y) for y in minus)])


def fn_setproduct(*sets: Value) -> Value:
    if len(sets) < 2:
        raise EvalError(f"setproduct() expects at least 2 arguments, got {len(sets)}")
    lists = [want_list("setproduct", i, s) for i, s in enumerate(sets, start=1)]
    return [list(combo) for combo in itertools.product(*lists)]


def fn_one(lst: Value) -> Value:
    items = want_list("one", 1, lst)
    if len(items) > 1:
        raise EvalError(f"one(): the list has {len(items)} elements; it must have 0 or 1")
    return items[0] if items else None


def fn_sum(lst: Value) -> Value:
    items = want_list("sum", 1, lst)
    if not items:
        raise EvalError("sum() cannot sum an empty list")
    total: Number = 0
    for item in items:
        total += want_num("sum", 1, item)
    return normalize_number(total)


def _bools(fname: str, lst: Value) -> list[bool] | None:
    if lst is UNKNOWN:
        return None
    out = []
    for item in want_list(fname, 1, lst):
        if item is UNKNOWN:
            return None
        try:
            out.append(to_bool(item))
        except EvalError:
            raise arg_error(fname, 1, "a list of bools", item) from None
    return out


def fn_alltrue(lst: Value) -> Value:
    values = _bools("alltrue", lst)
    return UNKNOWN if values is None else all(values)


def fn_anytrue(lst: Value) -> Value:
    values = _bools("anytrue", lst)
    return UNKNOWN if values is None else any(values)


def fn_chunklist(lst: Value, size: Value) -> Value:
    items = want_list("chunklist", 1, lst)
    n = want_int("chunklist", 2, size)
    if n < 0:
        raise EvalError("chunklist(): size must not be negative")
    if n == 0:
        return [items]
    return [items[i : i + n] for i in range(0, len(items), n)]


def fn_transpose(obj: Value) -> Value:
    out: dict[str, list[str]] = {}
    mapping = want_obj("transpose", 1, obj)
    for key in sorted(mapping):
        for item in want_list("transpose", 1, mapping[key]):
            out.setdefault(want_str("transpose", 1, item), []).append(key)
    return {k: sorted(v) for k, v in sorted(out.items())}


def fn_matchkeys(values: Value, keys: Value, searchset: Value) -> Value:
    vs, ks = want_list("matchkeys", 1, values), want_list("matchkeys", 2, keys)
    search = want_list("matchkeys", 3, searchset)
    if len(vs) != len(ks):
        raise EvalError("matchkeys(): the values and keys lists must have the same length")
    return [v for v, k in zip(vs, ks, strict=True) if any(equal(k, s) for s in search)]


FUNCTIONS: Mapping[str, Builtin] = table(
    fn_length,
    fn_concat,
    fn_merge,
    fn_lookup,
    fn_element,
    fn_index,
    fn_contains,
    fn_keys,
    fn_values,
    fn_distinct,
    fn_compact,
    fn_coalesce,
    fn_coalescelist,
    fn_slice,
    fn_sort,
    fn_reverse,
    fn_range,
    fn_zipmap,
    fn_setunion,
    fn_setintersection,
    fn_setsubtract,
    fn_setproduct,
    fn_one,
    fn_sum,
    fn_chunklist,
    fn_transpose,
    fn_matchkeys,
    unknown_ok=(fn_flatten, fn_alltrue, fn_anytrue),
)
