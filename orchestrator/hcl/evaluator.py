"""Evaluate :mod:`orchestrator.hcl.ast` expressions to values (:mod:`orchestrator.hcl.values`).

Contract:
- Bounded: one evaluation builds at most :data:`~orchestrator.hcl.bounds.MAX_ELEMENTS` elements and
  :data:`~orchestrator.hcl.bounds.MAX_CHARS` characters, and its value must be no larger; beyond
  that it raises EvalError at the expression (:mod:`orchestrator.hcl.bounds`).
- :func:`evaluate` is pure given its :class:`EvalContext` and thread-safe as long as the context's
  mappings are. It raises :class:`~orchestrator.errors.EvalError` (with the expression's position and
  a hint) for anything a user wrote wrong; no other exception escapes for any syntax tree.
- Variables may be any ``Mapping``: attribute access and indexing use only ``in`` and ``[]``, so a lazy
  scope is forced only for the names an expression reads.
- UNKNOWN propagates: operators, conditionals, ``for``, attribute access and (unless a function opts
  out) function calls on UNKNOWN give UNKNOWN.
- Function lookup: ``ctx.functions`` first, then Terraform's built-ins. ``try`` and ``can`` are lazy and
  handled here: an EvalError inside them is swallowed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from orchestrator.errors import EvalError, Pos
from orchestrator.hcl import ast
from orchestrator.hcl.bounds import MAX_CHARS, MAX_ELEMENTS, Budget, check_size
from orchestrator.hcl.calls import call, err, suggest
from orchestrator.hcl.functions.coerce import (
    describe,
    equal,
    is_mapping,
    to_bool,
    to_number,
    to_string,
    type_name,
)
from orchestrator.hcl.functions.unify import kind
from orchestrator.hcl.operators import arith
from orchestrator.hcl.references import references
from orchestrator.hcl.text import nfc
from orchestrator.hcl.values import UNKNOWN, Value

__all__ = ["EvalContext", "Function", "evaluate", "references"]

Function = Callable[..., Value]
Scope = Mapping[str, Value]

_SPLAT_KEY: Final = "*"  # not an identifier, so it cannot collide with a for variable
_EMPTY: Final[Scope] = {}
_ARITH_VERBS: Final = {"+": "add", "-": "subtract", "*": "multiply", "/": "divide", "%": "take the remainder of"}


@dataclass(frozen=True)
class EvalContext:
    """What an expression can see. ``base_dir`` is where file functions resolve relative paths."""

    variables: Mapping[str, Value]
    functions: Mapping[str, Function]
    base_dir: Path


class _Evaluator(Budget):
    """One evaluation: its context and its :class:`Budget` (the evaluator is its own budget, one
    object per evaluation instead of two: this is made for every attribute)."""

    __slots__ = ("ctx",)

    def __init__(self, ctx: EvalContext) -> None:
        self.ctx = ctx
        self.elements = MAX_ELEMENTS
        self.chars = MAX_CHARS

    def eval(self, e: ast.Expr, scope: Scope) -> Value:
        return _DISPATCH[type(e)](self, e, scope)

    # leaves ----------------------------------------------------------------------------------------
    def literal(self, e: ast.Literal, scope: Scope) -> Value:
        return e.value

    def var(self, e: ast.Var, scope: Scope) -> Value:
        name = e.name
        if name in scope:
            return scope[name]
        variables = self.ctx.variables
        try:
            return variables[name]
        except KeyError:
            pass
        suggestion = suggest(name, [*scope, *variables])
        msg = f"unknown variable '{name}'" + (f"; {suggestion}" if suggestion else "")
        raise err(msg, e.pos, None if suggestion else "check the spelling or define it")

    def splat_item(self, e: ast.SplatItem, scope: Scope) -> Value:
        return scope[_SPLAT_KEY]

    # templates -------------------------------------------------------------------------------------
    def template(self, e: ast.Template, scope: Scope) -> Value:
        parts = e.parts
        if len(parts) == 1 and type(parts[0]) not in (ast.Literal, ast.TemplateIf, ast.TemplateFor):
            return self.eval(parts[0], scope)  # "${x}" is x itself, unconverted
        return self.render(parts, scope)

    def render(self, parts: tuple[ast.Expr, ...], scope: Scope) -> Value:
        out: list[str] = []
        for part in parts:
            t = type(part)
            if t is ast.Literal:
                text = part.value  # type: ignore[union-attr]
                out.append(text if type(text) is str else self.interp(text, part.pos))
                continue
            value = self.eval(part, scope)  # directives render to strings through the same dispatch
            if value is UNKNOWN:
                return UNKNOWN
            out.append(self.interp(value, part.pos))
        if len(out) > 1:
            self.spend_chars(sum(map(len, out)), parts[0].pos)  # before the join builds it
        text = "".join(out)
        # Joined NFC parts need not be NFC (a part may start with a combining mark). The ASCII test
        # is inlined: this runs for every template.
        return text if text.isascii() else nfc(text)

    def interp(self, value: Value, pos: Pos) -> str:
        if type(value) is str:
            return value
        if value is None:
            raise err("cannot use a null value in a string template", pos, "guard it with a conditional or coalesce()")
        if isinstance(value, list) or is_mapping(value):
            kind = type_name(value)
            raise err(f"cannot use a {kind} in a string template", pos, "use jsonencode() or join() to make a string")
        try:
            return to_string(value)
        except EvalError as exc:
            raise exc.with_context(pos=pos) from None

    def template_if(self, e: ast.TemplateIf, scope: Scope) -> Value:
        cond = self.eval(e.cond, scope)
        if cond is UNKNOWN:
            return UNKNOWN
        if self.as_bool(cond, e.cond.pos, "the %{ if } condition"):
            return self.render(e.then.parts, scope)
        return "" if e.else_ is None else self.render(e.else_.parts, scope)

    def template_for(self, e: ast.TemplateFor, scope: Scope) -> Value:
        pairs = self.iterate(e.coll, scope)
        if pairs is UNKNOWN:
            return UNKNOWN
        out = []
        for key, value in pairs:
            inner = self.bind(scope, e.key_var, key, e.value_var, value)
            text = self.render(e.body.parts, inner)
            if text is UNKNOWN:
                return UNKNOWN
            out.append(text)
        return "".join(out)

    # operators -------------------------------------------------------------------------------------
    def as_bool(self, value: Value, pos: Pos, what: str) -> bool:
        try:
            return to_bool(value)
        except EvalError:
            raise err(f"{what} must be a bool, got {describe(value)}", pos) from None

    def unary(self, e: ast.Unary, scope: Scope) -> Value:
        value = self.eval(e.operand, scope)
        if value is UNKNOWN:
            return UNKNOWN
        if e.op == "!":
            return not self.as_bool(value, e.pos, "the operand of '!'")
        try:
            return -to_number(value)
        except EvalError:
            raise err(f"cannot negate {describe(value)}", e.pos, "'-' needs a number") from None

    def binary(self, e: ast.Binary, scope: Scope) -> Value:
        left = self.eval(e.left, scope)
        right = self.eval(e.right, scope)
        op = e.op
        if left is UNKNOWN or right is UNKNOWN:
            if op == "&&" and (left is False or right is False):
                return False
            if op == "||" and (left is True or right is True):
                return True
            return UNKNOWN
        if op == "==":
            return equal(left, right)
        if op == "!=":
            return not equal(left, right)
        if op == "&&":
            return self.as_bool(left, e.left.pos, "the left of '&&'") and self.as_bool(
                right, e.right.pos, "the right of '&&'"
            )
        if op == "||":
            return self.as_bool(left, e.left.pos, "the left of '||'") or self.as_bool(
                right, e.right.pos, "the right of '||'"
            )
        try:
            a, b = to_number(left), to_number(right)
        except EvalError:
            verb = _ARITH_VERBS.get(op, f"compare with '{op}'")
            raise err(
                f"cannot {verb} {describe(left)} and {describe(right)}", e.pos, f"'{op}' needs two numbers"
            ) from None
        return arith(op, a, b, e.pos)

    def conditional(self, e: ast.Conditional, scope: Scope) -> Value:
        cond = self.eval(e.cond, scope)
        if cond is UNKNOWN:
            return UNKNOWN
        taken, other = (e.then, e.else_) if self.as_bool(cond, e.cond.pos, "the condition") else (e.else_, e.then)
        value = self.eval(taken, scope)
        if type(other) is ast.Literal and other.value is not None and value is not None:
            # HCL unifies both results' types (``true ? 1 : "a"`` is "1"). Only a literal other branch
            # is looked at: evaluating an arbitrary one could run run_cmd or fail for nothing.
            return self.unify_results(value, other.value, e.pos)
        return value

    def unify_results(self, value: Value, other: Value, pos: Pos) -> Value:
        kinds = {kind(value), kind(other)}
        if len(kinds) == 1 or not kinds <= {"string", "number", "bool"}:
            return value
        if "string" in kinds:
            return value if type(value) is str else to_string(value)
        raise err(
            f"inconsistent conditional result types: {describe(value)} and {describe(other)}",
            pos,
            "make both results the same type, e.g. with tostring()",
        )

    # collections -----------------------------------------------------------------------------------
    def tuple_(self, e: ast.TupleExpr, scope: Scope) -> Value:
        self.spend_elements(len(e.items), e.pos)
        return [self.eval(item, scope) for item in e.items]

    def object_(self, e: ast.ObjectExpr, scope: Scope) -> Value:
        self.spend_elements(len(e.items), e.pos)
        out: dict[str, Value] = {}
        for key_expr, value_expr in e.items:
            key = key_expr.value if type(key_expr) is ast.Literal else self.eval(key_expr, scope)
            if key is UNKNOWN:
                return UNKNOWN
            out[self.key_string(key, key_expr.pos)] = self.eval(value_expr, scope)
        return out

    def key_string(self, key: Value, pos: Pos) -> str:
        if type(key) is str:
            return key
        try:
            if key is None:
                raise EvalError("null")
            return to_string(key)
        except EvalError:
            raise err(f"an object key must be a string, got {describe(key)}", pos) from None

    def iterate(self, coll_expr: ast.Expr, scope: Scope) -> Any:
        coll = self.eval(coll_expr, scope)
        if coll is UNKNOWN:
            return UNKNOWN
        if isinstance(coll, list | tuple):
            return list(enumerate(coll))
        if is_mapping(coll):
            return [(k, coll[k]) for k in sorted(coll)]
        raise err(f"cannot iterate over {describe(coll)}", coll_expr.pos, "a for expression needs a list or an object")

    @staticmethod
    def bind(scope: Scope, key_var: str | None, key: Value, value_var: str, value: Value) -> Scope:
        inner = dict(scope)
        if key_var is not None:
            inner[key_var] = key
        inner[value_var] = value
        return inner

    def keep(self, cond: ast.Expr | None, scope: Scope) -> Value:
        if cond is None:
            return True
        value = self.eval(cond, scope)
        if value is UNKNOWN:
            return UNKNOWN
        return self.as_bool(value, cond.pos, "the 'if' of a for expression")

    def for_tuple(self, e: ast.ForTuple, scope: Scope) -> Value:
        pairs = self.iterate(e.coll, scope)
        if pairs is UNKNOWN:
            return UNKNOWN
        out = []
        self.spend_elements(len(pairs), e.pos)
        for key, value in pairs:
            inner = self.bind(scope, e.key_var, key, e.value_var, value)
            keep = self.keep(e.cond, inner)
            if keep is UNKNOWN:
                return UNKNOWN
            if keep:
                out.append(self.eval(e.value, inner))
        return out

    def for_object(self, e: ast.ForObject, scope: Scope) -> Value:
        pairs = self.iterate(e.coll, scope)
        if pairs is UNKNOWN:
            return UNKNOWN
        out: dict[str, Value] = {}
        self.spend_elements(len(pairs), e.pos)
        for key, value in pairs:
            inner = self.bind(scope, e.key_var, key, e.value_var, value)
            keep = self.keep(e.cond, inner)
            if keep is UNKNOWN:
                return UNKNOWN
            if not keep:
                continue
            k = self.eval(e.key, inner)
            if k is UNKNOWN:
                return UNKNOWN
            k = self.key_string(k, e.key.pos)
            v = self.eval(e.value, inner)
            if e.grouping:
                out.setdefault(k, []).append(v)
            elif k in out:
                raise err(f"duplicate key '{k}' in for expression", e.key.pos, "add '...' after the value to group")
            else:
                out[k] = v
        return out

    # traversal -------------------------------------------------------------------------------------
    def get_attr(self, e: ast.GetAttr, scope: Scope) -> Value:
        obj = self.eval(e.obj, scope)
        if obj is UNKNOWN:
            return UNKNOWN
        return self.lookup(obj, e.name, e.pos, attr=True)

    def lookup(self, obj: Value, name: str, pos: Pos, attr: bool) -> Value:
        if type(obj) is dict or is_mapping(obj):
            try:
                return obj[name]  # one read: Mapping.__contains__ would call __getitem__ as well
            except KeyError:
                pass
            suggestion = suggest(name, obj.keys())
            what = f"object has no attribute '{name}'" if attr else f'object has no key "{name}"'
            raise err(what + (f"; {suggestion}" if suggestion else ""), pos, None if suggestion else _keys_hint(obj))
        if obj is None:
            raise err(f"cannot read '{name}' of null", pos, "guard it with try() or a conditional")
        if isinstance(obj, list) and attr:
            raise err(f"cannot read attribute '{name}' of a list", pos, f"use [*].{name} or a for expression")
        raise err(f"cannot read '{name}' of {describe(obj)}", pos)

    def index(self, e: ast.Index, scope: Scope) -> Value:
        obj = self.eval(e.obj, scope)
        key = self.eval(e.key, scope)
        if obj is UNKNOWN or key is UNKNOWN:
            return UNKNOWN
        if isinstance(obj, list | tuple):
            try:
                number = to_number(key)
            except EvalError:
                raise err(f"a list index must be a number, got {describe(key)}", e.key.pos) from None
            if type(number) is not int or number < 0 or number >= len(obj):
                raise err(
                    f"index {to_string(number)} is out of range for a list of {len(obj)} elements",
                    e.key.pos,
                    "use an index from 0 to length - 1, or element() to wrap around",
                )
            return obj[number]
        if key is None:
            raise err("cannot index with null", e.key.pos)
        if is_mapping(obj) and not (isinstance(key, list) or is_mapping(key)):
            return self.lookup(obj, to_string(key), e.pos, attr=False)
        raise err(f"cannot index {describe(obj)} with {describe(key)}", e.pos)

    def splat(self, e: ast.Splat, scope: Scope) -> Value:
        obj = self.eval(e.obj, scope)
        if obj is UNKNOWN:
            return UNKNOWN
        if obj is None:
            return []
        items = obj if isinstance(obj, list | tuple) else [obj]
        each = e.each
        if type(each) is ast.SplatItem:
            return list(items)
        out = []
        for item in items:
            inner = dict(scope)
            inner[_SPLAT_KEY] = item
            out.append(self.eval(each, inner))
        return out


def _keys_hint(obj: Mapping[str, Value]) -> str:
    keys = sorted(str(k) for k in obj)
    if not keys:
        return "the object is empty"
    shown = ", ".join(keys[:8]) + (", ..." if len(keys) > 8 else "")
    return f"it has: {shown}"


_DISPATCH: Final[Mapping[type, Callable[[_Evaluator, Any, Scope], Value]]] = {
    ast.Literal: _Evaluator.literal,
    ast.Template: _Evaluator.template,
    ast.TemplateIf: _Evaluator.template_if,
    ast.TemplateFor: _Evaluator.template_for,
    ast.Var: _Evaluator.var,
    ast.GetAttr: _Evaluator.get_attr,
    ast.Index: _Evaluator.index,
    ast.SplatItem: _Evaluator.splat_item,
    ast.Splat: _Evaluator.splat,
    ast.Call: call,
    ast.Unary: _Evaluator.unary,
    ast.Binary: _Evaluator.binary,
    ast.Conditional: _Evaluator.conditional,
    ast.TupleExpr: _Evaluator.tuple_,
    ast.ObjectExpr: _Evaluator.object_,
    ast.ForTuple: _Evaluator.for_tuple,
    ast.ForObject: _Evaluator.for_object,
}


def evaluate(expr: ast.Expr, ctx: EvalContext) -> Value:
    """The value of ``expr``; raises EvalError (with position and hint) on any evaluation problem."""
    t = type(expr)
    if isinstance(expr, ast.Literal):
        # Nothing is built: the value is the source's (which MAX_SOURCE_BYTES bounds). A third of
        # a config's attributes are literals.
        return expr.value
    try:
        value = _DISPATCH[t](_Evaluator(ctx), expr, _EMPTY)
        tv = type(value)
        if tv is list or tv is dict or (tv is str and len(value) > MAX_CHARS):
            check_size(value, expr.pos)  # [l, l] doubled forty times is small to build, huge to use
    except RecursionError:
        raise err("expression nested too deeply", expr.pos) from None
    return value
