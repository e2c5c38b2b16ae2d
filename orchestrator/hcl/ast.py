"""tgo's syntax tree for HCL: small frozen dataclasses built by :mod:`orchestrator.hcl.parser`.

Contract:
- Every expression node has ``pos`` (:class:`~orchestrator.errors.Pos`, 1-based line and column).
- Nodes are immutable and hold no references to lark or python-hcl2 objects, so trees may be shared
  across threads and cached.
- Template directives are already assembled (``TemplateIf``/``TemplateFor``) and strip markers applied.
- Object keys written as bare identifiers (``{ a = 1 }``) are ``Literal("a")``; parenthesised keys are
  expressions.
- :func:`body_to_json` / :func:`body_from_json` give a compact JSON form (lists with a node tag and a
  positional layout) for the on-disk parse cache; ``body_from_json`` only builds dataclasses and raises
  :class:`ValueError` on anything malformed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeAlias

from orchestrator.errors import Pos

__all__ = [
    "Attribute",
    "Binary",
    "Block",
    "Body",
    "Call",
    "Conditional",
    "Expr",
    "ForObject",
    "ForTuple",
    "GetAttr",
    "Index",
    "Literal",
    "ObjectExpr",
    "Pos",
    "Splat",
    "SplatItem",
    "Template",
    "TemplateFor",
    "TemplateIf",
    "TupleExpr",
    "Unary",
    "Var",
    "body_from_json",
    "body_to_json",
]


@dataclass(frozen=True, slots=True)
class Literal:
    """A constant: null, bool, number or string."""

    value: Any
    pos: Pos


@dataclass(frozen=True, slots=True)
class Template:
    """A string template; ``parts`` are string ``Literal`` s, expressions, ``TemplateIf``, ``TemplateFor``.

    A template made of exactly one interpolation (``"${x}"``) evaluates to ``x`` unconverted, as in HCL.
    """

    parts: tuple[Expr, ...]
    pos: Pos


@dataclass(frozen=True, slots=True)
class TemplateIf:
    cond: Expr
    then: Template
    else_: Template | None
    pos: Pos


@dataclass(frozen=True, slots=True)
class TemplateFor:
    key_var: str | None
    value_var: str
    coll: Expr
    body: Template
    pos: Pos


@dataclass(frozen=True, slots=True)
class Var:
    name: str
    pos: Pos


@dataclass(frozen=True, slots=True)
class GetAttr:
    obj: Expr
    name: str
    pos: Pos


@dataclass(frozen=True, slots=True)
class Index:
    obj: Expr
    key: Expr
    pos: Pos


@dataclass(frozen=True, slots=True)
class SplatItem:
    """The current element inside a :class:`Splat`'s ``each`` expression."""

    pos: Pos


@dataclass(frozen=True, slots=True)
class Splat:
    """``obj[*].a.b`` / ``obj.*.a``: ``each`` is evaluated for every element with ``SplatItem`` bound to it."""

    obj: Expr
    each: Expr
    pos: Pos


@dataclass(frozen=True, slots=True)
class Call:
    name: str
    args: tuple[Expr, ...]
    expand_last: bool
    pos: Pos


@dataclass(frozen=True, slots=True)
class Unary:
    op: str  # "-" or "!"
    operand: Expr
    pos: Pos


@dataclass(frozen=True, slots=True)
class Binary:
    op: str  # one of: || && == != < > <= >= + - * / %
    left: Expr
    right: Expr
    pos: Pos


@dataclass(frozen=True, slots=True)
class Conditional:
    cond: Expr
    then: Expr
    else_: Expr
    pos: Pos


@dataclass(frozen=True, slots=True)
class TupleExpr:
    items: tuple[Expr, ...]
    pos: Pos


@dataclass(frozen=True, slots=True)
class ObjectExpr:
    items: tuple[tuple[Expr, Expr], ...]
    pos: Pos


@dataclass(frozen=True, slots=True)
class ForTuple:
    key_var: str | None
    value_var: str
    coll: Expr
    value: Expr
    cond: Expr | None
    pos: Pos


@dataclass(frozen=True, slots=True)
class ForObject:
    key_var: str | None
    value_var: str
    coll: Expr
    key: Expr
    value: Expr
    cond: Expr | None
    grouping: bool
    pos: Pos


Expr: TypeAlias = (
    Literal
    | Template
    | TemplateIf
    | TemplateFor
    | Var
    | GetAttr
    | Index
    | SplatItem
    | Splat
    | Call
    | Unary
    | Binary
    | Conditional
    | TupleExpr
    | ObjectExpr
    | ForTuple
    | ForObject
)


@dataclass(frozen=True, slots=True)
class Attribute:
    name: str
    expr: Expr
    pos: Pos


@dataclass(frozen=True, slots=True)
class Block:
    type: str
    labels: tuple[str, ...]
    body: Body
    pos: Pos


@dataclass(frozen=True, slots=True)
class Body:
    """Attributes by name (source order) and blocks in source order."""

    attributes: dict[str, Attribute]
    blocks: tuple[Block, ...]
    pos: Pos


def body_to_json(body: Body) -> object:
    """A JSON-serialisable form of ``body`` (positions included, file name excluded); see ``ast_json``."""
    from orchestrator.hcl.ast_json import encode_body  # the codec imports these node classes

    return encode_body(body)


def body_from_json(obj: object, file: str) -> Body:
    """Rebuild a :class:`Body` from :func:`body_to_json` output; positions get ``file``.

    Raises ValueError for any malformed input. Builds only dataclasses: never runs code.
    """
    from orchestrator.hcl.ast_json import decode_body

    return decode_body(obj, file)
