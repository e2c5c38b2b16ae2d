"""The compact JSON form of the syntax tree, for the on-disk parse cache.

Every expression node is a list ``[tag, line, col, fields...]``; a body is
``[line, col, [[name, line, col, expr], ...], [[type, [labels], line, col, body], ...]]``. The file name
is not stored: it is given on load, so a cache entry is keyed by content, not path. Decoding only
builds dataclasses (no eval, no pickle) and raises ValueError on anything malformed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields
from fractions import Fraction
from typing import Any, TypeVar

from orchestrator.errors import Pos
from orchestrator.hcl.ast import (
    Attribute,
    Binary,
    Block,
    Body,
    Call,
    Conditional,
    Expr,
    ForObject,
    ForTuple,
    GetAttr,
    Index,
    Literal,
    ObjectExpr,
    Splat,
    SplatItem,
    Template,
    TemplateFor,
    TemplateIf,
    TupleExpr,
    Unary,
    Var,
)
from orchestrator.hcl.numbers import from_float, make

__all__ = ["decode_body", "encode_body", "expr_to_json"]

# --------------------------------------------------------------------------------------------------
# Compact JSON form: every node is [tag, line, col, fields...]; the file name is given on load.

_SCALARS = (type(None), bool, int, float, str)


def _opt(e: Expr | None) -> object:
    return None if e is None else expr_to_json(e)


def _enc_template(t: Template) -> list[object]:
    return ["T", t.pos.line, t.pos.col, [expr_to_json(p) for p in t.parts]]


def expr_to_json(e: Expr) -> list[object]:
    """The JSON form of one expression (see module docstring)."""
    p = e.pos
    match e:
        case Literal(value) if type(value) is Fraction:
            return ["N", p.line, p.col, str(value)]  # "num/den": exact, JSON has no such number
        case Literal(value):
            return ["L", p.line, p.col, value]
        case Template():
            return _enc_template(e)
        case Var(name):
            return ["V", p.line, p.col, name]
        case GetAttr(obj, name):
            return ["A", p.line, p.col, expr_to_json(obj), name]
        case Index(obj, key):
            return ["I", p.line, p.col, expr_to_json(obj), expr_to_json(key)]
        case SplatItem():
            return ["S*", p.line, p.col]
        case Splat(obj, each):
            return ["S", p.line, p.col, expr_to_json(obj), expr_to_json(each)]
        case Call(name, args, expand):
            return ["C", p.line, p.col, name, [expr_to_json(a) for a in args], expand]
        case Unary(op, operand):
            return ["U", p.line, p.col, op, expr_to_json(operand)]
        case Binary(op, left, right):
            return ["B", p.line, p.col, op, expr_to_json(left), expr_to_json(right)]
        case Conditional(cond, then, else_):
            return ["?", p.line, p.col, expr_to_json(cond), expr_to_json(then), expr_to_json(else_)]
        case TupleExpr(items):
            return ["[", p.line, p.col, [expr_to_json(i) for i in items]]
        case ObjectExpr(items):
            return ["{", p.line, p.col, [[expr_to_json(k), expr_to_json(v)] for k, v in items]]
        case ForTuple(kv, vv, coll, value, cond):
            return ["F[", p.line, p.col, kv, vv, expr_to_json(coll), expr_to_json(value), _opt(cond)]
        case ForObject(kv, vv, coll, key, value, cond, grouping):
            enc = [expr_to_json(coll), expr_to_json(key), expr_to_json(value), _opt(cond), grouping]
            return ["F{", p.line, p.col, kv, vv, *enc]
        case TemplateIf(cond, then, else_):
            els = None if else_ is None else _enc_template(else_)
            return ["TI", p.line, p.col, expr_to_json(cond), _enc_template(then), els]
        case TemplateFor(kv, vv, coll, body):
            return ["TF", p.line, p.col, kv, vv, expr_to_json(coll), _enc_template(body)]
    raise TypeError(f"not an expression node: {e!r}")  # pragma: no cover - the match is exhaustive


def encode_body(body: Body) -> object:
    """A JSON-serialisable form of ``body`` (positions included, file name excluded)."""
    attrs = [[a.name, a.pos.line, a.pos.col, expr_to_json(a.expr)] for a in body.attributes.values()]
    blocks = [[b.type, list(b.labels), b.pos.line, b.pos.col, encode_body(b.body)] for b in body.blocks]
    return [body.pos.line, body.pos.col, attrs, blocks]


_T = TypeVar("_T")


def _maker(cls: type[_T]) -> Callable[..., _T]:
    """``cls(*fields)`` for a frozen, slotted dataclass, without its generated ``__init__`` (which
    sets each field through ``object.__setattr__``, twice the cost): the same object, made by
    setting the slots directly. A warm load of 1,000 modules decodes some 150,000 nodes and
    positions; this is a tenth of the decoding. Only for classes with no ``__post_init__``."""
    setters = [getattr(cls, f.name).__set__ for f in fields(cls)]  # type: ignore[arg-type]
    new = object.__new__
    if len(setters) == 2:
        s0, s1 = setters

        def make2(a: Any, b: Any) -> _T:
            obj = new(cls)
            s0(obj, a)
            s1(obj, b)
            return obj

        return make2
    if len(setters) == 3:
        s0, s1, s2 = setters

        def make3(a: Any, b: Any, c: Any) -> _T:
            obj = new(cls)
            s0(obj, a)
            s1(obj, b)
            s2(obj, c)
            return obj

        return make3
    if len(setters) == 4:
        s0, s1, s2, s3 = setters

        def make4(a: Any, b: Any, c: Any, d: Any) -> _T:
            obj = new(cls)
            s0(obj, a)
            s1(obj, b)
            s2(obj, c)
            s3(obj, d)
            return obj

        return make4
    return cls  # the rarer wide nodes (for expressions): the generated __init__


_Pos = _maker(Pos)
_Literal = _maker(Literal)
_Var = _maker(Var)
_GetAttr = _maker(GetAttr)
_Index = _maker(Index)
_Splat = _maker(Splat)
_Call = _maker(Call)
_Unary = _maker(Unary)
_Binary = _maker(Binary)
_Conditional = _maker(Conditional)
_TupleExpr = _maker(TupleExpr)
_ObjectExpr = _maker(ObjectExpr)
_Template = _maker(Template)
_TemplateIf = _maker(TemplateIf)
_Attribute = _maker(Attribute)
_Block = _maker(Block)
_Body = _maker(Body)


class _Decoder:
    """Builds nodes from the JSON form; every shape check raises ValueError (wrapped by the caller)."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.table: dict[str, Callable[[list[Any], Pos], Expr]] = {
            "L": self._literal,
            "N": self._number,
            "T": self._template_node,
            "V": lambda n, p: _Var(_s(n[3]), p),
            "A": lambda n, p: _GetAttr(self.expr(n[3]), _s(n[4]), p),
            "I": lambda n, p: _Index(self.expr(n[3]), self.expr(n[4]), p),
            "S*": lambda n, p: SplatItem(p),
            "S": lambda n, p: _Splat(self.expr(n[3]), self.expr(n[4]), p),
            "C": lambda n, p: _Call(_s(n[3]), tuple(self.expr(a) for a in _l(n[4])), _b(n[5]), p),
            "U": lambda n, p: _Unary(_s(n[3]), self.expr(n[4]), p),
            "B": lambda n, p: _Binary(_s(n[3]), self.expr(n[4]), self.expr(n[5]), p),
            "?": lambda n, p: _Conditional(self.expr(n[3]), self.expr(n[4]), self.expr(n[5]), p),
            "[": lambda n, p: _TupleExpr(tuple(self.expr(i) for i in _l(n[3])), p),
            "{": lambda n, p: _ObjectExpr(tuple(self._pair(i) for i in _l(n[3])), p),
            "F[": self._for_tuple,
            "F{": self._for_object,
            "TI": self._template_if,
            "TF": lambda n, p: TemplateFor(_os(n[3]), _s(n[4]), self.expr(n[5]), self.template(n[6]), p),
        }

    def pos(self, line: object, col: object) -> Pos:
        if type(line) is not int or type(col) is not int:
            raise ValueError("bad position")
        return _Pos(self.file, line, col)

    def expr(self, n: object) -> Expr:
        if type(n) is not list:
            raise ValueError("node is not a list")
        return self.table[n[0]](n, self.pos(n[1], n[2]))

    def template(self, n: object) -> Template:
        node = self.expr(n)
        if type(node) is not Template:
            raise ValueError("expected a template node")
        return node

    def _literal(self, n: list[Any], p: Pos) -> Expr:
        if len(n) != 4 or type(n[3]) not in _SCALARS:
            raise ValueError("bad literal")
        value = n[3]
        if type(value) is float:  # written before numbers were exact
            value = from_float(value)
        return _Literal(value, p)

    def _number(self, n: list[Any], p: Pos) -> Expr:
        if len(n) != 4 or type(n[3]) is not str:
            raise ValueError("bad number")
        return _Literal(make(Fraction(n[3])), p)

    def _template_node(self, n: list[Any], p: Pos) -> Expr:
        return _Template(tuple(self.expr(i) for i in _l(n[3])), p)

    def _pair(self, i: object) -> tuple[Expr, Expr]:
        pair = _l(i)
        if len(pair) != 2:
            raise ValueError("bad object item")
        return (self.expr(pair[0]), self.expr(pair[1]))

    def _for_tuple(self, n: list[Any], p: Pos) -> Expr:
        cond = None if n[7] is None else self.expr(n[7])
        return ForTuple(_os(n[3]), _s(n[4]), self.expr(n[5]), self.expr(n[6]), cond, p)

    def _for_object(self, n: list[Any], p: Pos) -> Expr:
        cond = None if n[8] is None else self.expr(n[8])
        coll, key, value = self.expr(n[5]), self.expr(n[6]), self.expr(n[7])
        return ForObject(_os(n[3]), _s(n[4]), coll, key, value, cond, _b(n[9]), p)

    def _template_if(self, n: list[Any], p: Pos) -> Expr:
        els = None if n[5] is None else self.template(n[5])
        return _TemplateIf(self.expr(n[3]), self.template(n[4]), els, p)

    def body(self, n: object) -> Body:
        line, col, attrs, blocks = _l(n)
        attributes: dict[str, Attribute] = {}
        for a in _l(attrs):
            name, aline, acol, expr = _l(a)
            attributes[_s(name)] = _Attribute(_s(name), self.expr(expr), self.pos(aline, acol))
        out_blocks = []
        for b in _l(blocks):
            btype, labels, bline, bcol, bbody = _l(b)
            labs = tuple(_s(x) for x in _l(labels))
            out_blocks.append(_Block(_s(btype), labs, self.body(bbody), self.pos(bline, bcol)))
        return _Body(attributes, tuple(out_blocks), self.pos(line, col))


def _s(v: object) -> str:
    if type(v) is not str:
        raise ValueError("expected a string")
    return v


def _os(v: object) -> str | None:
    return None if v is None else _s(v)


def _b(v: object) -> bool:
    if type(v) is not bool:
        raise ValueError("expected a bool")
    return v


def _l(v: object) -> list[Any]:
    if type(v) is not list:
        raise ValueError("expected a list")
    return v


def decode_body(obj: object, file: str) -> Body:
    """Rebuild a :class:`Body` from :func:`body_to_json` output; positions get ``file``.

    Raises ValueError for any malformed input. Builds only dataclasses: never runs code.
    """
    try:
        return _Decoder(file).body(obj)
    except ValueError:
        raise
    except (TypeError, KeyError, IndexError, RecursionError) as exc:
        raise ValueError(f"malformed syntax tree: {type(exc).__name__}") from None
