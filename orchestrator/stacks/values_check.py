"""Which ``values.<key>`` a unit's ``terragrunt.hcl`` reads that its stack block does not set.

Checked when the stack is planned, so the mistake is reported at the reading expression (file:line)
before anything is generated. Reads inside ``try()`` / ``can()`` are allowed to miss (that is how
catalog units give defaults); dynamic keys (``values[local.k]``) are not checked. Pure.
"""

from __future__ import annotations

from collections.abc import Iterator, Set

from orchestrator.hcl import ast

LENIENT_CALLS = frozenset({"try", "can"})


def values_reads(body: ast.Body) -> Iterator[tuple[str, ast.Expr]]:
    """``(key, expression)`` for every static ``values.<key>`` / ``values["key"]`` read outside
    ``try()`` / ``can()``, in source order."""
    for attr in body.attributes.values():
        yield from _reads(attr.expr)
    for block in body.blocks:
        yield from values_reads(block.body)


def missing_values(body: ast.Body, keys: Set[str] | None) -> tuple[str, ast.Expr] | None:
    """The first read of a key not in ``keys`` (None: no values at all, so any read misses)."""
    for key, expr in values_reads(body):
        if keys is None or key not in keys:
            return key, expr
    return None


def _reads(node: object) -> Iterator[tuple[str, ast.Expr]]:
    if isinstance(node, ast.Call) and node.name in LENIENT_CALLS:
        return
    if isinstance(node, ast.GetAttr) and isinstance(node.obj, ast.Var) and node.obj.name == "values":
        yield node.name, node
        return
    if (
        isinstance(node, ast.Index)
        and isinstance(node.obj, ast.Var)
        and node.obj.name == "values"
        and isinstance(node.key, ast.Literal)
        and isinstance(node.key.value, str)
    ):
        yield node.key.value, node
        return
    for slot in getattr(type(node), "__slots__", ()):
        child = getattr(node, slot, None)
        if isinstance(child, tuple):
            for item in child:
                if isinstance(item, tuple):
                    for inner in item:
                        yield from _reads(inner)
                else:
                    yield from _reads(item)
        elif hasattr(type(child), "__slots__") and hasattr(child, "pos"):
            yield from _reads(child)
