"""``read_tfvars_file(path)``: a ``.tfvars`` or ``.tfvars.json`` file as a JSON string, as Terragrunt.

A name ending in ``json`` must hold a JSON object and is returned as written. Anything else is
parsed as HCL (through the hcl layer) where only attributes with literal values are allowed (no
variables, no function calls, no blocks), and returned as compact JSON with sorted keys, as Go's
``json.Marshal`` of the decoded map writes it. An empty file gives ``"null"``.

Raises EvalError (a missing file) or HclSyntaxError (a syntax error, at its line in the file).
"""

from __future__ import annotations

import json
from pathlib import Path

from orchestrator.errors import EvalError, HclSyntaxError, TgoError
from orchestrator.hcl import ast
from orchestrator.hcl.evaluator import EvalContext, evaluate
from orchestrator.hcl.functions.encoding import json_encode


def _first_call(node: object) -> ast.Call | None:
    """The first function call in an expression (HCL evaluates tfvars without functions)."""
    if isinstance(node, ast.Call):
        return node
    children: list[object] = []
    for slot in getattr(type(node), "__slots__", ()):
        value = getattr(node, slot, None)
        children.extend(value if isinstance(value, tuple | list) else [value])
    for child in children:
        if isinstance(child, tuple):  # object items are (key, value) pairs
            found = next((c for c in map(_first_call, child) if c is not None), None)
        else:
            found = _first_call(child) if hasattr(type(child), "__slots__") else None
        if found is not None:
            return found
    return None


def read_tfvars(path: Path, shown: str) -> str:
    """The JSON text of the tfvars file at ``path`` (``shown`` names it in messages)."""
    try:
        text = path.read_text()
    except FileNotFoundError:
        raise EvalError(
            f"read_tfvars_file(): {shown} does not exist",
            hint="paths are relative to the module's directory",
        ) from None
    except (OSError, UnicodeDecodeError) as err:
        raise EvalError(f"read_tfvars_file(): cannot read {shown}: {err}") from None
    if path.name.endswith("json"):
        try:
            if not isinstance(json.loads(text), dict):
                raise ValueError("the top level is not an object")
        except ValueError as err:
            raise EvalError(f"read_tfvars_file(): {shown} is not a JSON object: {err}") from None
        return text
    # Imported here: the parser pulls in hcl2 and lark (a quarter of a second), and a warm load
    # that reads no tfvars file parses nothing.
    from orchestrator.hcl.parser import parse_text

    body = parse_text(text, shown)
    if body.blocks:
        block = body.blocks[0]
        raise HclSyntaxError(
            f'unexpected "{block.type}" block in {shown}: blocks are not allowed in a tfvars file',
            pos=block.pos,
        )
    ctx = EvalContext(variables={}, functions={}, base_dir=path.parent)
    values = {}
    for attr in body.attributes.values():
        call = _first_call(attr.expr)
        if call is not None:
            raise EvalError(
                f"read_tfvars_file(): {shown}: {attr.name}: function calls are not allowed in a tfvars file",
                pos=call.pos,
                hint="a tfvars file holds literal values only",
            )
        try:
            values[attr.name] = evaluate(attr.expr, ctx)
        except TgoError as err:
            raise EvalError(
                f"read_tfvars_file(): {shown}: {attr.name}: {err.message}",
                pos=attr.pos,
                hint="a tfvars file holds literal values only (no variables or function calls)",
            ) from None
    if not values:
        return "null"
    encoded = json_encode(values)
    assert isinstance(encoded, str)  # no unknowns without variables
    return encoded
