"""Arithmetic and comparison on numbers, with Terraform's rules: exact on whole numbers, 512-bit
binary floats otherwise (:mod:`orchestrator.hcl.numbers`; ``0.1 + 0.2`` is ``0.3``); the remainder
takes the dividend's sign as in Go. Raises EvalError for division by zero."""

from __future__ import annotations

from orchestrator.errors import EvalError, Pos
from orchestrator.hcl.functions.coerce import normalize_number
from orchestrator.hcl.numbers import Number, quotient
from orchestrator.hcl.values import Value

__all__ = ["arith"]


def arith(op: str, a: Number, b: Number, pos: Pos) -> Value:
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
        return quotient(a, b)
    if op == "%":
        # Terraform's remainder takes the sign of the dividend (Go), unlike Python's %.
        rem: Number = abs(a) % abs(b)  # type: ignore[operator]  # int | Fraction support % exactly
        return normalize_number(-rem if a < 0 else rem)
    if op == "<":
        return a < b
    if op == ">":
        return a > b
    if op == "<=":
        return a <= b
    return a >= b
