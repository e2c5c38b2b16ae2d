"""Which variables an expression reads: :func:`references`.

The config loader uses this to order locals and to refuse dependency outputs where they cannot be known
yet (e.g. inside ``iam_role``). Pure function over the syntax tree.
"""

from __future__ import annotations

from orchestrator.hcl import ast

__all__ = ["references"]


def references(expr: ast.Expr) -> set[tuple[str, ...]]:
    """Every variable traversal in ``expr``: root name plus the static attribute/index names after it.

    ``var[local.k]`` gives ``("var",)`` and ``("local", "k")``; variables bound by ``for`` are excluded.
    """
    out: set[tuple[str, ...]] = set()
    _refs(expr, frozenset(), out)
    return out


def _traversal(expr: ast.Expr, bound: frozenset[str], out: set[tuple[str, ...]]) -> None:
    steps: list[ast.GetAttr | ast.Index] = []
    node: ast.Expr = expr
    while type(node) in (ast.GetAttr, ast.Index):
        steps.append(node)  # type: ignore[arg-type]
        node = node.obj  # type: ignore[union-attr]
    steps.reverse()
    path: list[str] | None = None
    if type(node) is ast.Var:
        if node.name not in bound:
            path = [node.name]
    else:
        _refs(node, bound, out)
    for step in steps:
        if type(step) is ast.GetAttr:
            if path is not None:
                path.append(step.name)
            continue
        key = step.key  # type: ignore[union-attr]
        if type(key) is ast.Literal and type(key.value) in (str, int):
            if path is not None:
                path.append(str(key.value))
            continue
        if path is not None:
            out.add(tuple(path))
            path = None
        _refs(key, bound, out)
    if path is not None:
        out.add(tuple(path))


def _refs(e: ast.Expr, bound: frozenset[str], out: set[tuple[str, ...]]) -> None:
    t = type(e)
    if t in (ast.Var, ast.GetAttr, ast.Index):
        _traversal(e, bound, out)
    elif t is ast.Splat:
        _refs(e.obj, bound, out)  # type: ignore[union-attr]
        _refs(e.each, bound, out)  # type: ignore[union-attr]
    elif t in (ast.ForTuple, ast.ForObject, ast.TemplateFor):
        _refs(e.coll, bound, out)  # type: ignore[union-attr]
        inner = bound | {e.value_var} | ({e.key_var} if e.key_var else set())  # type: ignore[union-attr]
        for child in _children(e):
            if child is not e.coll:  # type: ignore[union-attr]
                _refs(child, inner, out)
    else:
        for child in _children(e):
            _refs(child, bound, out)


def _children(e: ast.Expr) -> tuple[ast.Expr, ...]:
    match e:
        case ast.Template(parts):
            return parts
        case ast.TemplateIf(cond, then, else_):
            return (cond, then) if else_ is None else (cond, then, else_)
        case ast.TemplateFor(_, _, coll, body):
            return (coll, body)
        case ast.Call(_, args):
            return args
        case ast.Unary(_, operand):
            return (operand,)
        case ast.Binary(_, left, right):
            return (left, right)
        case ast.Conditional(cond, then, else_):
            return (cond, then, else_)
        case ast.TupleExpr(items):
            return items
        case ast.ObjectExpr(items):
            return tuple(x for pair in items for x in pair)
        case ast.ForTuple(_, _, coll, value, cond):
            return (coll, value) if cond is None else (coll, value, cond)
        case ast.ForObject(_, _, coll, key, value, cond):
            return (coll, key, value) if cond is None else (coll, key, value, cond)
    return ()
