"""Numbers as Terraform has them: cty keeps every number as a 512-bit binary big float.

Representation: whole numbers are Python ``int`` (exact, as Terraform's are up to 2**512); other
numbers are :class:`fractions.Fraction` values rounded to a 512-bit mantissa (round half to even,
Go's ``big.ToNearestEven``), so ``0.1 + 0.2`` is the same number as ``0.3`` and prints ``0.3``.
Python ``float`` values reaching the language (JSON from terraform outputs, math functions computed
in float64 as Terraform computes them) are taken at their shortest decimal spelling.

Formatting (:func:`format_number`) is Go's ``big.Float.Text('f', -1)``, which cty uses for strings,
templates and ``jsonencode``: the fewest decimal digits that read back to the same 512-bit number,
never an exponent.

Contract: pure functions; :func:`parse_number` raises ValueError on text that is not a number.
"""

from __future__ import annotations

import math
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, ROUND_UP, Context, Decimal
from fractions import Fraction
from typing import Final

__all__ = ["PREC", "Number", "format_number", "from_float", "is_number", "make", "parse_number", "quotient"]

PREC: Final = 512
Number = int | Fraction


def is_number(value: object) -> bool:
    t = type(value)
    return t is int or t is Fraction or t is float


def _round(num: int, den: int) -> Number:
    """num/den (den > 0) rounded to PREC mantissa bits; an int when whole."""
    if den == 1:
        return num
    sign = -1 if num < 0 else 1
    n = -num if num < 0 else num
    if den & (den - 1) == 0 and n.bit_length() <= PREC:
        return Fraction(num, den)  # already a PREC-bit binary number
    k = PREC - n.bit_length() + den.bit_length()
    while True:
        top, bottom = (n << k, den) if k >= 0 else (n, den << -k)
        m, r = divmod(top, bottom)
        if m.bit_length() > PREC:
            k -= 1
        elif m.bit_length() < PREC:
            k += 1
        else:
            break
    twice = 2 * r
    if twice > bottom or (twice == bottom and m & 1):
        m += 1
    if k <= 0:
        return sign * (m << -k)
    value = Fraction(sign * m, 1 << k)
    return value.numerator if value.denominator == 1 else value


def make(value: int | Fraction | float) -> Number:
    """Any Python number as a language number (ints exact, fractions rounded to PREC bits)."""
    t = type(value)
    if t is int:
        return value  # type: ignore[return-value]
    if t is float:
        return from_float(value)  # type: ignore[arg-type]
    q: Fraction = value  # type: ignore[assignment]
    return _round(q.numerator, q.denominator)


def from_float(value: float) -> Number:
    if not math.isfinite(value):
        raise ValueError(f"the number {value} cannot be represented")
    if value.is_integer():
        return int(value)
    return parse_number(repr(value))


def parse_number(text: str) -> Number:
    """A decimal literal (``12``, ``1.5``, ``1e-3``) as a language number."""
    if "." not in text and "e" not in text and "E" not in text:
        return int(text)
    q = Fraction(text)
    return _round(q.numerator, q.denominator)


def quotient(a: Number, b: Number) -> Number:
    """a / b rounded as cty's big-float division rounds (b non-zero)."""
    q = Fraction(a) / Fraction(b)
    return _round(q.numerator, q.denominator)


_EXACT: Final = Context(prec=1_000_000)


def _digits_context(digits: int, rounding: str) -> Context:
    return Context(prec=digits, rounding=rounding)


def format_number(value: int | Fraction | float) -> str:
    """Go's ``Text('f', -1)`` of the 512-bit number: shortest round-tripping decimal, no exponent."""
    t = type(value)
    if t is int:
        return str(value)
    number = make(value)
    if type(number) is int:
        return str(number)
    q: Fraction = number  # type: ignore[assignment]
    short = Decimal(repr(float(q)))
    if make(Fraction(short)) == q:
        # float64's shortest spelling reads back: no shorter decimal can (it would round to the
        # same float64 too), so it is the answer. Literals such as 0.3 take this path.
        return format(short, "f")
    # The denominator is a power of two, 2**e: q is exactly numerator * 5**e / 10**e.
    exp = q.denominator.bit_length() - 1
    exact = Decimal(q.numerator * 5**exp).scaleb(-exp, _EXACT)
    total = len(exact.as_tuple().digits)
    lo, hi = 1, total
    while lo < hi:  # the fewest significant digits whose nearest decimal reads back as q
        mid = (lo + hi) // 2
        if _reads_back(exact, mid, q) is not None:
            hi = mid
        else:
            lo = mid + 1
    shortest = _reads_back(exact, lo, q) or exact
    return format(shortest, "f")


def _reads_back(exact: Decimal, digits: int, q: Fraction) -> Decimal | None:
    for rounding in (ROUND_HALF_EVEN, ROUND_DOWN, ROUND_UP):
        candidate = _digits_context(digits, rounding).plus(exact)
        if make(Fraction(candidate)) == q:
            return candidate.normalize(_digits_context(digits, ROUND_HALF_EVEN))
    return None
