"""The value model shared by the evaluator, the functions and the config loader.

A value is one of: ``None`` (null), ``bool``, ``int`` / ``fractions.Fraction`` (number: whole
numbers are ints, others 512-bit binary fractions, see :mod:`orchestrator.hcl.numbers`; a ``float``
is accepted as its shortest decimal), ``str``, ``list`` (tuple/list), ``dict[str, Value]``
(object/map), or :data:`UNKNOWN`.

:data:`UNKNOWN` stands for a value that is not known yet (a dependency output during ``plan`` with
no state and no mock). Operations on an unknown produce an unknown; it renders as ``null`` in JSON
and never reaches terraform as a real value. The evaluator also accepts any
``collections.abc.Mapping`` as an object, so callers may pass lazily evaluated scopes.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any, Final, TypeAlias


class Unknown:
    """The single unknown value. Compare with ``is UNKNOWN`` or :func:`is_unknown`."""

    _instance: Unknown | None = None

    def __new__(cls) -> Unknown:
        # A singleton so identity checks work across modules; it holds no state.
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNKNOWN"

    def __bool__(self) -> bool:
        raise TypeError("the truth of an unknown value is not known")


UNKNOWN: Final = Unknown()

Value: TypeAlias = Any
"""None | bool | int | Fraction | str | list[Value] | dict[str, Value] | Unknown (see module doc)."""


def is_unknown(value: object) -> bool:
    return value is UNKNOWN


def contains_unknown(value: object) -> bool:
    """True when ``value`` is unknown or holds an unknown anywhere inside."""
    if value is UNKNOWN:
        return True
    if isinstance(value, dict):
        return any(contains_unknown(v) for v in value.values())
    if isinstance(value, list):
        return any(contains_unknown(v) for v in value)
    return False


def to_jsonable(value: Value) -> Any:
    """A plain JSON-compatible copy: unknowns become ``None``; mappings become dicts; a non-whole
    number becomes the nearest float (JSON readers take numbers as float64)."""
    if value is UNKNOWN:
        return None
    if type(value) is Fraction:
        return float(value)
    if isinstance(value, dict) or hasattr(value, "items"):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_jsonable(v) for v in value]
    return value
