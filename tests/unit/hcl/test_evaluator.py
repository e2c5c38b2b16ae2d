"""The evaluator: Terraform's semantics for operators, conversions, templates, for, splat, traversal,
unknowns, try/can, function dispatch; errors carry positions and say what to do."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from fractions import Fraction
from typing import Any

import pytest

from orchestrator.errors import EvalError, Pos
from orchestrator.hcl.evaluator import references
from orchestrator.hcl.values import UNKNOWN

from .conftest import parse_expr

Ev = Callable[..., Any]

VARS = {
    "local": {
        "name": "app",
        "n": 3,
        "list": [{"id": "a", "tags": {"t": 1}}, {"id": "b", "tags": {"t": 2}}],
        "map": {"b": 2, "a": 1, "c": 3},
        "nothing": None,
        "flag": True,
    },
    "dependency": {"vpc": {"outputs": {"vpc_id": "vpc-1", "unknown": UNKNOWN}}},
}


@pytest.mark.parametrize(
    ("src", "expected"),
    [
        ("1 + 2 * 3", 7),
        ("(1 + 2) * 3", 9),
        ("5 / 2", Fraction(5, 2)),
        ("4 / 2", 2),
        ("7 % 3", 1),
        ("-7 % 3", -1),
        ("2.5 * 2", 5),
        ("0.1 + 0.2 > 0.3", False),  # 512-bit big floats, as Terraform: 0.1 + 0.2 is 0.3
        ("0.1 + 0.2 == 0.3", True),
        ('"1" + 1', 2),
        ('"2.5" * 2', 5),
        ('"true" == true', False),
        ("1 == 1.0", True),
        ('1 == "1"', False),
        ("[1, 2] == [1, 2]", True),
        ("{a = 1} == {a = 1}", True),
        ("{a = 1} != {a = 2}", True),
        ("null == null", True),
        ("true && false || true", True),
        ('!"false"', True),
        ("-(3)", -3),
        ('true ? "yes" : "no"', "yes"),
        ('"true" ? 1 : 2', 1),
        ("3 >= 3 && 2 < 3 && 4 > 1 && 1 <= 1", True),
        ('"${1.5} ${true} ${10 / 4} ${2 * 2.5}"', "1.5 true 2.5 5"),
        ('"${local.n}"', 3),
        ('"x${local.n}"', "x3"),
        ('"%{if local.flag}on%{else}off%{endif}"', "on"),
        ('"%{for k, v in local.map}${k}${v};%{endfor}"', "a1;b2;c3;"),
        ("local.list[*].id", ["a", "b"]),
        ("local.list.*.id", ["a", "b"]),
        ("local.list[*].tags.t", [1, 2]),
        ("local.name[*]", ["app"]),
        ("local.nothing[*]", []),
        ("local.list[1].id", "b"),
        ("local.list.0.id", "a"),
        ('local.list["1"].id', "b"),
        ('local.map["a"]', 1),
        ("local.map.c", 3),
        ("[for v in local.list : v.id]", ["a", "b"]),
        ("[for i, v in local.list : i]", [0, 1]),
        ("[for k, v in local.map : k if v > 1]", ["b", "c"]),
        ("[for v in local.map : v]", [1, 2, 3]),
        ("{for v in local.list : v.id => v.tags.t}", {"a": 1, "b": 2}),
        ('{for k, v in local.map : (v > 1 ? "big" : "small") => k...}', {"big": ["b", "c"], "small": ["a"]}),
        ("{for i, v in [10, 20] : i => v}", {"0": 10, "1": 20}),
        ('{ (local.name) = 1, "k-${local.n}" = 2, plain = 3 }', {"app": 1, "k-3": 2, "plain": 3}),
        ("[1, local.name, null]", [1, "app", None]),
        ('try(local.missing, "fallback")', "fallback"),
        ("try(local.list[5], local.list[0].id)", "a"),
        ("can(local.map.zzz)", False),
        ("can(local.map.a)", True),
        ("max([1, 7, 3]...)", 7),
        ("dependency.vpc.outputs.vpc_id", "vpc-1"),
    ],
)
def test_semantics(ev: Ev, src: str, expected: Any) -> None:
    result = ev(src, VARS)
    assert result == expected
    assert type(result) is type(expected)


@pytest.mark.parametrize(
    "src",
    [
        "dependency.vpc.outputs.unknown",
        "dependency.vpc.outputs.unknown + 1",
        "dependency.vpc.outputs.unknown.attr",
        "dependency.vpc.outputs.unknown[0]",
        "dependency.vpc.outputs.unknown ? 1 : 2",
        '"prefix-${dependency.vpc.outputs.unknown}"',
        "[for x in dependency.vpc.outputs.unknown : x]",
        "{for k, v in dependency.vpc.outputs.unknown : k => v}",
        "dependency.vpc.outputs.unknown[*].id",
        "upper(dependency.vpc.outputs.unknown)",
        "try(dependency.vpc.outputs.unknown, 1)",
        "can(dependency.vpc.outputs.unknown)",
        "jsonencode({a = [dependency.vpc.outputs.unknown]})",
        "!dependency.vpc.outputs.unknown",
        "max(dependency.vpc.outputs.unknown...)",
    ],
)
def test_unknown_propagates(ev: Ev, src: str) -> None:
    assert ev(src, VARS) is UNKNOWN


def test_unknown_inside_collections_stays_inside(ev: Ev) -> None:
    assert ev("[1, dependency.vpc.outputs.unknown]", VARS) == [1, UNKNOWN]
    assert ev("merge({a = dependency.vpc.outputs.unknown}, {b = 1})", VARS) == {"a": UNKNOWN, "b": 1}
    assert ev("false && dependency.vpc.outputs.unknown", VARS) is False
    assert ev("true || dependency.vpc.outputs.unknown", VARS) is True


@pytest.mark.parametrize(
    ("src", "message", "hint"),
    [
        ("locl.name", "unknown variable 'locl'; did you mean 'local'?", None),
        ("local.nmae", "object has no attribute 'nmae'; did you mean 'name'?", None),
        ("local.zzzzzz", "object has no attribute 'zzzzzz'", "it has: flag, list, map, n, name, nothing"),
        ('fromat("%s", 1)', "unknown function 'fromat'; did you mean 'format'?", None),
        ("format()", "format() expects at least 1 argument, got 0", None),
        ('lower("a", "b")', "lower() expects 1 argument, got 2", None),
        ('lookup("str", "k")', "lookup() argument 1 must be an object, got string", None),
        ('"a" + 1', 'cannot add string "a" and number 1', "'+' needs two numbers"),
        ("true + 1", "cannot add bool true and number 1", None),
        ("1 / 0", "division by zero", None),
        ("1 ? 2 : 3", "the condition must be a bool, got number 1", None),
        ('"${null}-x"', "cannot use a null value in a string template", None),
        ('"${[1]}-x"', "cannot use a list in a string template", "use jsonencode() or join() to make a string"),
        ("local.list.id", "cannot read attribute 'id' of a list", "use [*].id or a for expression"),
        ("local.list[2]", "index 2 is out of range for a list of 2 elements", None),
        ('local.list["x"]', 'a list index must be a number, got string "x"', None),
        ("local.nothing.x", "cannot read 'x' of null", None),
        ("[for x in 5 : x]", "cannot iterate over number 5", None),
        ("{for x in [1, 1] : x => x}", "duplicate key '1' in for expression", "add '...' after the value to group"),
        ('{for x in ["a"] : x => x if 1}', "the 'if' of a for expression must be a bool", None),
        ("try(local.zz, local.yy)", "try(): no argument could be evaluated", None),
        ("upper(local.name...)", "cannot expand string", "'...' needs a list"),
        ("{ (null) = 1 }", "an object key must be a string, got null", None),
    ],
)
def test_errors_name_position_and_what_to_do(ev: Ev, src: str, message: str, hint: str | None) -> None:
    with pytest.raises(EvalError) as exc:
        ev(src, VARS)
    err = exc.value
    assert message in err.message, err.format()
    if hint is not None:
        assert err.hint == hint
    assert err.pos is not None and err.pos.file == "test.hcl" and err.pos.line == 1 and err.pos.col >= 5


def test_error_position_points_at_the_failing_subexpression(ev: Ev) -> None:
    with pytest.raises(EvalError) as exc:
        ev("[\n  1,\n  local.nope,\n]", VARS)
    assert exc.value.pos == Pos("test.hcl", 3, 3)


class LazyScope(Mapping[str, Any]):
    """A mapping that records which keys were read, and fails on a poisoned key."""

    def __init__(self, data: dict[str, Any], poison: str) -> None:
        self.data = data
        self.poison = poison
        self.read: list[str] = []

    def __getitem__(self, key: str) -> Any:
        self.read.append(key)
        if key == self.poison:
            raise EvalError("cycle in locals: b -> b")
        return self.data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.data)

    def __len__(self) -> int:
        return len(self.data)


def test_lazy_mappings_are_read_only_for_what_is_used(ev: Ev) -> None:
    scope = LazyScope({"a": 1, "b": 2}, poison="b")
    assert ev("local.a + 1", {"local": scope}) == 2
    assert scope.read == ["a"]
    assert ev('local["a"]', {"local": scope}) == 1
    with pytest.raises(EvalError, match="cycle in locals"):
        ev("local.b", {"local": scope})
    assert ev("length(local)", {"local": scope}) == 2


def test_context_functions_take_precedence_and_get_positions(ev: Ev) -> None:
    def get_env(name: str, default: str = "") -> str:
        return {"HOME": "/h"}.get(name, default)

    def broken() -> str:
        raise EvalError("run_cmd failed", hint="check the command")

    funcs = {"get_env": get_env, "upper": lambda s: "custom", "broken": broken}
    assert ev('get_env("HOME")', functions=funcs) == "/h"
    assert ev('get_env("X", "d")', functions=funcs) == "d"
    assert ev('upper("a")', functions=funcs) == "custom"
    with pytest.raises(EvalError) as exc:
        ev('get_env("a", "b", "c")', functions=funcs)
    assert "get_env()" in exc.value.message and exc.value.pos == Pos("test.hcl", 1, 5)
    with pytest.raises(EvalError) as exc:
        ev("(\n  broken())", functions=funcs)
    assert exc.value.pos == Pos("test.hcl", 2, 3) and exc.value.hint == "check the command"


@pytest.mark.parametrize(
    ("src", "refs"),
    [
        ("local.a.b", {("local", "a", "b")}),
        ("dependency.vpc.outputs.id", {("dependency", "vpc", "outputs", "id")}),
        ("var[local.k]", {("var",), ("local", "k")}),
        ('local.m["key"].x', {("local", "m", "key", "x")}),
        ("local.l[0]", {("local", "l", "0")}),
        ("[for x in local.xs : x.id if x.ok]", {("local", "xs")}),
        ("{for k, v in local.m : k => v.a if local.flag}", {("local", "m"), ("local", "flag")}),
        ("local.l[*].id", {("local", "l")}),
        (
            '"${local.a}-%{ for s in local.b }${s}${local.c}%{ endfor }"',
            {("local", "a"), ("local", "b"), ("local", "c")},
        ),
        ("try(local.a, dependency.x.outputs.y)", {("local", "a"), ("dependency", "x", "outputs", "y")}),
        ("f(local.a)[0].b", {("local", "a")}),
        ("1 + 2", set()),
    ],
)
def test_references(src: str, refs: set[tuple[str, ...]]) -> None:
    assert references(parse_expr(src)) == refs
