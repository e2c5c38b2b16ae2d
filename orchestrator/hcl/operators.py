"""Arithmetic and comparison on numbers, with Terraform's rules (integral results stay int; the
remainder takes the dividend's sign as in Go). Raises EvalError for division by zero."""

from __future__ import annotations

from orchestrator.errors import EvalError, Pos
from orchestrator.hcl.functions.coerce import normalize_number
from orchestrator.hcl.values import Value

__all__ = ["arith"]


def arith(op: str, a: int | float, b: int | float, pos: Pos) -> Value:
    if op == "+":
        return normalize_number(a + b)
    if op == "-":
        return normalize_number(a - b)
    if op == "*":
        return normalize_number(a * b)
    if op in ("/", "%") and b == 0:
        raise EvalError("division by zero", pos=pos)
    if op == "/":
        if type(a) is int and type(b) is int and a % b == 0:
            return a // b
        return normalize_number(a / b)
    if op == "%":
        # Terraform's remainder takes the sign of the dividend (Go), unlike Python's %.
        rem = abs(a) % abs(b)
        return normalize_number(-rem if a < 0 else rem)
    if op == "<":
        return a < b
    if op == ">":
        return a > b
    if op == "<=":
        return a <= b
    return a >= b
