"""Function calls: ``try`` and ``can`` (lazy, swallowing EvalError but never ReferenceCycleError),
functions from the context (the loader's Terragrunt functions) and Terraform's built-ins, with arity
checks and "did you mean" hints.

Contract: raises EvalError with the call's position; a built-in that fails on a Python-level error
(bad regex, overflow) is reported as an EvalError naming the function, never a traceback.
"""

from __future__ import annotations

import difflib
import inspect
import re
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Final, Protocol

from orchestrator.errors import EvalError, Pos, ReferenceCycleError, TgoError
from orchestrator.hcl import ast
from orchestrator.hcl.functions import BUILTINS
from orchestrator.hcl.functions.coerce import describe
from orchestrator.hcl.text import nfc
from orchestrator.hcl.values import UNKNOWN, Value

if TYPE_CHECKING:
    from orchestrator.hcl.evaluator import EvalContext

__all__ = ["Evaluator", "call", "err", "suggest"]

Scope = Mapping[str, Value]
_CORE: Final = "core::"
_INTERNAL_ERRORS: Final = (ValueError, TypeError, ArithmeticError, IndexError, KeyError, re.error, RecursionError)


class Evaluator(Protocol):
    """What a call needs from the evaluator: its context and a way to evaluate arguments."""

    @property
    def ctx(self) -> EvalContext: ...

    def spend_result(self, value: Value, pos: Pos) -> None:
        """Charge a function result to the evaluation's :class:`~orchestrator.hcl.bounds.Budget`."""

    def eval(self, e: ast.Expr, scope: Scope) -> Value: ...


def suggest(name: str, candidates: Iterable[str]) -> str | None:
    """The hint "did you mean 'x'?" for the closest candidate, or None when none is close."""
    match = difflib.get_close_matches(name, [str(c) for c in candidates], n=1, cutoff=0.6)
    return f"did you mean '{match[0]}'?" if match else None


def err(message: str, pos: Pos, hint: str | None = None) -> EvalError:
    return EvalError(message, pos=pos, hint=hint)


def call(ev: Evaluator, e: ast.Call, scope: Scope) -> Value:
    """A function call: try/can here, then ``ctx.functions``, then the built-ins. ``core::name``
    is Terraform's namespaced spelling of the built-in ``name`` (never a Terragrunt function)."""
    name = e.name
    core = name.startswith(_CORE)
    if core:
        name = name[len(_CORE) :]
        if name not in BUILTINS and name not in ("try", "can"):
            raise err(f"unknown function '{e.name}'", e.pos, "core:: names only Terraform's built-in functions")
    if name == "templatestring" and e.args and type(e.args[0]) in (ast.Literal, ast.Template):
        raise err(
            "templatestring(): the first argument must be a reference to a string, not a literal template",
            e.args[0].pos,
            "a literal template is rendered before the call; use templatestring(local.tpl, {...})",
        )
    if name == "try":
        return _try(ev, e, scope)
    if name == "can":
        return _can(ev, e, scope)
    args = [ev.eval(a, scope) for a in e.args]
    if e.expand_last:
        if not args:
            raise err(f"{name}(...) needs an argument to expand", e.pos)
        last = args.pop()
        if last is UNKNOWN:
            return UNKNOWN
        if not isinstance(last, list | tuple):
            raise err(f"cannot expand {describe(last)} with '...'", e.args[-1].pos, "'...' needs a list")
        args.extend(last)
    fn = None if core else ev.ctx.functions.get(name)
    if fn is not None:
        value = _call_external(name, fn, args, e.pos)
        ev.spend_result(value, e.pos)
        return value
    builtin = BUILTINS.get(name)
    if builtin is None:
        suggestion = suggest(name, [*ev.ctx.functions, *BUILTINS, "try", "can"])
        msg = f"unknown function '{name}'" + (f"; {suggestion}" if suggestion else "")
        raise err(msg, e.pos, None if suggestion else "see Terraform's and Terragrunt's function lists")
    try:
        builtin.check_arity(len(args))
        if not builtin.unknown_ok and any(a is UNKNOWN for a in args):
            return UNKNOWN
        result = builtin.fn(ev.ctx, *args) if builtin.needs_ctx else builtin.fn(*args)
        ev.spend_result(result, e.pos)
        if type(result) is str and not result.isascii():
            return nfc(result)  # file contents, decoded text: Terraform holds every string in NFC
        return result
    except TgoError as exc:
        raise exc.with_context(pos=e.pos) from None
    except _INTERNAL_ERRORS as exc:
        raise err(f"{name}(): {exc}", e.pos) from None


def _call_external(name: str, fn: Callable[..., Value], args: list[Value], pos: Pos) -> Value:
    try:
        return fn(*args)
    except TgoError as exc:
        raise exc.with_context(pos=pos) from None
    except TypeError:
        try:
            inspect.signature(fn).bind(*args)
        except TypeError as bind_exc:
            raise err(f"{name}(): {bind_exc}", pos, "check the number of arguments") from None
        raise


def _try(ev: Evaluator, e: ast.Call, scope: Scope) -> Value:
    if not e.args or e.expand_last:
        raise err("try() expects at least 1 argument, without '...'", e.pos)
    last: EvalError | None = None
    for arg in e.args:
        try:
            return ev.eval(arg, scope)
        except ReferenceCycleError:
            raise
        except EvalError as exc:
            last = exc
    assert last is not None
    raise err("try(): no argument could be evaluated", e.pos, f"the last error: {last.format()}")


def _can(ev: Evaluator, e: ast.Call, scope: Scope) -> Value:
    if len(e.args) != 1 or e.expand_last:
        raise err(f"can() expects 1 argument, got {len(e.args)}", e.pos)
    try:
        value = ev.eval(e.args[0], scope)
    except ReferenceCycleError:
        raise
    except EvalError:
        return False
    return UNKNOWN if value is UNKNOWN else True
