"""Lazy scopes handed to the evaluator.

:class:`LocalsScope` evaluates ``local.<name>`` on first use, so locals may be written in any order;
a local that (indirectly) needs itself is reported as ``cycle in locals: local.a -> local.b ->
local.a`` at the first local's position. One scope belongs to one file evaluation on one thread;
it is not shared, so it needs no lock.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterator, Mapping

from orchestrator.errors import ReferenceCycleError, TgoError
from orchestrator.hcl.ast import Attribute
from orchestrator.hcl.values import Value


def did_you_mean(name: str, choices: object) -> str | None:
    """A hint naming the closest of ``choices`` to ``name``, if any is close."""
    names = [str(c) for c in choices]  # type: ignore[attr-defined]
    close = difflib.get_close_matches(name, names, n=1, cutoff=0.6)
    return f"did you mean {close[0]!r}?" if close else None


class LocalsScope(Mapping[str, Value]):
    """``local.*`` for one file. ``evaluate(expr_attr)`` is called with this scope already in place."""

    def __init__(self, attrs: Mapping[str, Attribute], evaluate: Callable[[Attribute], Value]) -> None:
        self._attrs = attrs
        self._evaluate = evaluate
        self._values: dict[str, Value] = {}
        self._stack: list[str] = []

    def __getitem__(self, name: str) -> Value:
        if name in self._values:
            return self._values[name]
        attr = self._attrs.get(name)
        if attr is None:
            # The evaluator turns this into "object has no attribute" with the reference's position.
            raise KeyError(name)
        if name in self._stack:
            chain = [*self._stack[self._stack.index(name) :], name]
            first = self._attrs[chain[0]]
            raise ReferenceCycleError(
                "cycle in locals: " + " -> ".join(f"local.{n}" for n in chain),
                pos=first.pos,
                attr=f"locals.{chain[0]}",
                hint="break the cycle: one of these locals must not depend on the others",
            )
        self._stack.append(name)
        try:
            value = self._evaluate(attr)
        except TgoError as err:
            raise err.with_context(pos=attr.pos, attr=f"locals.{name}") from None
        finally:
            self._stack.pop()
        self._values[name] = value
        return value

    def __iter__(self) -> Iterator[str]:
        return iter(self._attrs)

    def __len__(self) -> int:
        return len(self._attrs)

    def __contains__(self, name: object) -> bool:
        return name in self._attrs

    def evaluate_all(self) -> dict[str, Value]:
        """Every local, in source order. Raises the first EvalError."""
        return {name: self[name] for name in self._attrs}
