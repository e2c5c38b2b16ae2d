"""One ``terragrunt.stack.hcl`` evaluated into :class:`Component` values. Pure given its inputs.

Schema (Terragrunt's): at most one ``locals`` block, then any number of ``unit "<name>"`` and
``stack "<name>"`` blocks with ``source`` (string, required), ``path`` (string, required, relative,
staying inside its base directory), ``values`` (an object), ``no_dot_terragrunt_stack`` and
``no_validation`` (bools). Unit names, stack names and target directories are unique in a file.
Expressions see ``local.*``, ``values.*`` (when the stack directory holds a values file) and the
functions of the context the caller builds.

Not supported, each rejected with a ConfigError naming the block and the file: ``autoinclude`` and
``expansion`` blocks, ``include`` blocks, ``cas::`` sources, the CAS attributes ``mutable`` and
``update_source_with_cas``, and ``enabled``.

Every problem raises :class:`~orchestrator.errors.TgoError` (ConfigError / EvalError) with the
position of the offending attribute or block.
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from orchestrator.config.scope import LocalsScope, did_you_mean
from orchestrator.errors import ConfigError, Pos, TgoError
from orchestrator.hcl.ast import Attribute, Block, Body
from orchestrator.hcl.evaluator import EvalContext, evaluate
from orchestrator.hcl.values import Value, contains_unknown

STACK_DIR = ".terragrunt-stack"
COMPONENT_ATTRIBUTES = ("source", "path", "values", "no_dot_terragrunt_stack", "no_validation")
UNSUPPORTED_ATTRIBUTES = {
    "mutable": "CAS sources are not supported by tgo",
    "update_source_with_cas": "CAS sources are not supported by tgo",
    "enabled": "not supported by tgo; remove the block instead",
}
UNSUPPORTED_BLOCKS = {
    "autoinclude": "autoinclude is not supported by tgo; write the dependency into the unit's terragrunt.hcl",
    "expansion": "expansion is reserved by Terragrunt and not supported",
}
Kind = Literal["unit", "stack"]


@dataclass(frozen=True)
class Component:
    """One ``unit`` or ``stack`` block, evaluated. ``values`` is None when the block sets none."""

    kind: Kind
    name: str
    source: str
    path: str
    values: dict[str, Value] | None
    no_dot: bool
    no_validation: bool
    pos: Pos
    path_pos: Pos
    source_pos: Pos

    @property
    def address(self) -> str:
        return f"{self.kind}.{self.name}"


def evaluate_stack_file(body: Body, context: EvalContext) -> list[Component]:
    """The components of one stack file, in source order. ``context`` carries the variables the file
    sees besides ``local`` (``values`` when there is a values file), the function table and the
    stack's directory. Raises TgoError (see module doc)."""
    _check_top(body)
    variables: dict[str, Value] = dict(context.variables)
    ectx = EvalContext(variables=variables, functions=context.functions, base_dir=context.base_dir)
    locals_blocks = [b for b in body.blocks if b.type == "locals"]
    attrs = locals_blocks[0].body.attributes if locals_blocks else {}
    variables["local"] = LocalsScope(attrs, lambda attr: evaluate(attr.expr, ectx))
    components = [_component(block, ectx) for block in body.blocks if block.type in ("unit", "stack")]
    check_unique(components)
    return components


def _check_top(body: Body) -> None:
    for name, attr in body.attributes.items():
        raise ConfigError(
            f"unknown attribute {name!r} in a stack file",
            pos=attr.pos,
            attr=name,
            hint="a terragrunt.stack.hcl holds only locals, unit and stack blocks",
        )
    seen_locals = False
    for block in body.blocks:
        if block.type == "locals":
            if seen_locals:
                raise ConfigError(
                    "locals is defined more than once in this file", pos=block.pos, attr="locals", hint="merge them"
                )
            seen_locals = True
            continue
        if block.type in ("unit", "stack"):
            if len(block.labels) != 1:
                raise ConfigError(
                    f"block {block.type!r} takes 1 label, got {len(block.labels)}",
                    pos=block.pos,
                    attr=block.type,
                    hint=f'write it as {block.type} "name" {{ ... }}',
                )
            continue
        if block.type == "include":
            hint = "include blocks in stack files are not supported by tgo; use locals and read_terragrunt_config()"
        else:
            hint = did_you_mean(block.type, ("locals", "unit", "stack")) or "a stack file holds locals, unit and stack"
        raise ConfigError(f"unexpected block {block.type!r} in a stack file", pos=block.pos, attr=block.type, hint=hint)


def _eval(attr: Attribute, where: str, ectx: EvalContext) -> Value:
    try:
        return evaluate(attr.expr, ectx)
    except TgoError as err:
        raise err.with_context(pos=attr.pos, attr=where) from None


def _component(block: Block, ectx: EvalContext) -> Component:
    kind: Kind = "unit" if block.type == "unit" else "stack"
    name = block.labels[0]
    where = f"{kind}.{name}"
    for inner in block.body.blocks:
        hint = UNSUPPORTED_BLOCKS.get(inner.type, f"{kind} blocks hold only attributes")
        raise ConfigError(
            f"block {inner.type!r} is not supported", pos=inner.pos, attr=f"{where}.{inner.type}", hint=hint
        )
    attrs = block.body.attributes
    for key, attr in attrs.items():
        if key in UNSUPPORTED_ATTRIBUTES:
            raise ConfigError(
                f"{key!r} is not supported", pos=attr.pos, attr=f"{where}.{key}", hint=UNSUPPORTED_ATTRIBUTES[key]
            )
        if key not in COMPONENT_ATTRIBUTES:
            hint = did_you_mean(key, COMPONENT_ATTRIBUTES) or f"a {kind} takes {', '.join(COMPONENT_ATTRIBUTES)}"
            raise ConfigError(f"unknown attribute {key!r}", pos=attr.pos, attr=f"{where}.{key}", hint=hint)
    for required in ("source", "path"):
        if required not in attrs:
            raise ConfigError(
                f"{kind} {name!r} has no {required}",
                pos=block.pos,
                attr=f"{where}.{required}",
                hint=f"add {required} = ...",
            )
    source = _string(attrs["source"], f"{where}.source", ectx)
    if source.startswith("cas::"):
        raise ConfigError(
            "cas:: sources are not supported by tgo",
            pos=attrs["source"].pos,
            attr=f"{where}.source",
            hint="use a local path or a git:: URL",
        )
    path = _string(attrs["path"], f"{where}.path", ectx)
    check_path(path, attrs["path"].pos, f"{where}.path")
    return Component(
        kind=kind,
        name=name,
        source=source,
        path=posixpath.normpath(path),
        values=_values(attrs.get("values"), f"{where}.values", ectx),
        no_dot=_bool(attrs.get("no_dot_terragrunt_stack"), f"{where}.no_dot_terragrunt_stack", ectx),
        no_validation=_bool(attrs.get("no_validation"), f"{where}.no_validation", ectx),
        pos=block.pos,
        path_pos=attrs["path"].pos,
        source_pos=attrs["source"].pos,
    )


def _string(attr: Attribute, where: str, ectx: EvalContext) -> str:
    value = _eval(attr, where, ectx)
    if not isinstance(value, str) or not value:
        raise ConfigError("must be a non-empty string", pos=attr.pos, attr=where)
    return value


def _bool(attr: Attribute | None, where: str, ectx: EvalContext) -> bool:
    if attr is None:
        return False
    value = _eval(attr, where, ectx)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise ConfigError("must be true or false", pos=attr.pos, attr=where)
    return value


def _values(attr: Attribute | None, where: str, ectx: EvalContext) -> dict[str, Value] | None:
    if attr is None:
        return None
    value = _eval(attr, where, ectx)
    if not isinstance(value, Mapping):
        raise ConfigError("must be an object", pos=attr.pos, attr=where, hint='e.g. values = { version = "v1" }')
    if contains_unknown(value):
        raise ConfigError("must be wholly known when the stack is generated", pos=attr.pos, attr=where)
    return dict(value)


def check_path(path: str, pos: Pos, where: str) -> None:
    """A component's ``path``: relative, and inside its base directory after normalisation."""
    if path.startswith("/") or (len(path) > 1 and path[1] == ":"):
        raise ConfigError(
            f"path {path!r} must be relative", pos=pos, attr=where, hint="write it relative to .terragrunt-stack"
        )
    normal = posixpath.normpath(path)
    if normal in {".", ".."} or normal.startswith("../"):
        raise ConfigError(
            f"path {path!r} leaves the stack's directory",
            pos=pos,
            attr=where,
            hint="name a directory below the stack, without '..'",
        )


def check_unique(components: list[Component]) -> None:
    """Unit names, stack names and target directories are unique within one file."""
    names: dict[tuple[str, str], Component] = {}
    targets: dict[tuple[bool, str], Component] = {}
    for c in components:
        first = names.setdefault((c.kind, c.name), c)
        if first is not c:
            raise ConfigError(
                f"{c.kind} {c.name!r} is defined more than once in this file (first at line {first.pos.line})",
                pos=c.pos,
                attr=c.address,
                hint="give each block its own name",
            )
        first = targets.setdefault((c.no_dot, c.path), c)
        if first is not c:
            raise ConfigError(
                f"path {c.path!r} is already used by {first.address} (line {first.pos.line})",
                pos=c.path_pos,
                attr=f"{c.address}.path",
                hint="give each block its own path",
            )
