"""``terragrunt.values.hcl``: the ``values`` a unit (or a stack file) sees, read from its directory.

A values file holds attributes only; each is evaluated with the functions of the reading context and
no variables. The result is a plain object. Pure given the parsed body; raises
:class:`~orchestrator.errors.TgoError` with the attribute's position.
"""

from __future__ import annotations

from orchestrator.errors import ConfigError, TgoError
from orchestrator.hcl.ast import Body
from orchestrator.hcl.evaluator import EvalContext, evaluate
from orchestrator.hcl.values import Value

VALUES_FILE = "terragrunt.values.hcl"
STACK_FILE = "terragrunt.stack.hcl"


def read_values(body: Body, ectx: EvalContext) -> dict[str, Value]:
    """The values object of a parsed values file. Raises TgoError with the attribute's position."""
    for block in body.blocks:
        raise ConfigError(
            f"unexpected block {block.type!r} in a values file",
            pos=block.pos,
            attr=block.type,
            hint="a terragrunt.values.hcl holds attributes only",
        )
    out: dict[str, Value] = {}
    for name, attr in body.attributes.items():
        try:
            out[name] = evaluate(attr.expr, ectx)
        except TgoError as err:
            raise err.with_context(pos=attr.pos, attr=name) from None
    return out
