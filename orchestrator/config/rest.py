"""The last phase of a file: every attribute and block not evaluated earlier, into the raw form.

:func:`evaluate_rest` fills ``raw`` with ``inputs``, ``terraform``, ``remote_state`` (block or
attribute form), ``generate`` (blocks, or the ``generate = { name = {...} }`` attribute form),
``errors``, ``exclude``, ``dependencies`` and the other top-level attributes, and checks what
Terragrunt refuses at this point:

- ``terraform.source`` may not read ``dependency.*`` (Terragrunt needs the source before any
  dependency output can be fetched);
- a ``generate`` or ``remote_state.generate`` ``path`` may not leave the module's working directory
  (absolute, or escaping with ``..``): Terragrunt writes generated files inside it, and a path
  outside would overwrite an unrelated file.

Raises ConfigError with the file position of the offending attribute.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Mapping
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any

from orchestrator.config.blocks import IAM_ATTRIBUTES, BlockEvaluator
from orchestrator.config.render import WRITTEN
from orchestrator.errors import ConfigError, Pos
from orchestrator.hcl.ast import Body
from orchestrator.hcl.references import references
from orchestrator.hcl.values import Value

Raw = dict[str, Any]
DependencyDir = Callable[[Value, tuple[str, ...]], Path]
SKIPPED_BLOCKS = frozenset({"include", "locals", "dependency", "feature"})
# Bool fields Terragrunt decodes through cty, which converts the strings "true"/"false".
REMOTE_STATE_BOOLS = ("disable_init", "disable_dependency_optimization")
GENERATE_BOOLS = ("disable_signature", "disable")


def coerce_bools(section: Raw, names: tuple[str, ...]) -> Raw:
    """``section`` with the strings "true"/"false" of ``names`` made bools, as cty converts them."""
    out = dict(section)
    for name in names:
        value = out.get(name)
        if value in ("true", "false"):
            out[name] = value == "true"
    return out


def escapes(path: str) -> bool:
    """Whether ``path`` (relative to the working directory) is absolute or climbs out of it."""
    if PurePosixPath(path).is_absolute() or PureWindowsPath(path).is_absolute() or path.startswith("~"):
        return True
    normal = posixpath.normpath(path.replace("\\", "/"))
    return normal == ".." or normal.startswith("../")


def check_generated_path(path: Value, attr: str, pos: Pos | None) -> None:
    if isinstance(path, str) and escapes(path):
        raise ConfigError(
            f"generated file path {path!r} is outside the module's working directory",
            pos=pos,
            attr=attr,
            hint="give a path relative to the module, without '..' (e.g. \"provider.tf\")",
        )


def _generate_attribute(value: Value, pos: Pos | None, ev: BlockEvaluator) -> list[Raw]:
    if not isinstance(value, Mapping) or not all(isinstance(v, Mapping) for v in value.values()):
        raise ConfigError(
            "generate must be an object of objects",
            pos=pos,
            attr="generate",
            hint='write generate = { provider = { path = "provider.tf", contents = "..." } }',
        )
    out = []
    for name, item in value.items():
        for key in item:
            ev.positions[("generate", name, str(key))] = pos  # type: ignore[assignment]
        ev.positions[("generate", name)] = pos  # type: ignore[assignment]
        out.append({"name": name, **item})
    return out


def evaluate_rest(body: Body, raw: Raw, ev: BlockEvaluator, dependency_dir: DependencyDir) -> None:
    """Evaluate the last phase of ``body`` into ``raw`` (see module doc). Raises TgoError."""
    for name, attr in body.attributes.items():
        if name not in IAM_ATTRIBUTES:
            raw[name] = ev.value(attr, (name,))
    if "inputs" in raw:
        if not isinstance(raw["inputs"], Mapping):
            raise ConfigError(
                "inputs must be an object",
                pos=body.attributes["inputs"].pos,
                attr="inputs",
                hint="write inputs = { name = value }",
            )
        raw["inputs"] = dict(raw["inputs"])
    if "generate" in raw:
        raw["generate"] = _generate_attribute(raw["generate"], body.attributes["generate"].pos, ev)
    for block in body.blocks:
        if block.type in SKIPPED_BLOCKS:
            continue
        if block.type == "terraform":
            _check_source(block.body)
            raw["terraform"] = ev.terraform(block)
        elif block.type == "errors":
            raw["errors"] = ev.errors(block)
        elif block.type in ("remote_state", "exclude"):
            raw[block.type] = ev.plain(block)
        elif block.type == "dependencies":
            raw["dependencies"] = _dependencies(block.body, ev, dependency_dir, block.pos)
    generate = ev.named_list(body, "generate", ())
    if generate:
        raw["generate"] = [*raw.get("generate", []), *generate]
    _check_remote_state(raw, ev)
    for item in raw.get("generate", []):
        name = item.get("name")
        check_generated_path(item.get("path"), f"generate.{name}.path", ev.positions.get(("generate", name, "path")))
    if raw.get("generate"):
        raw["generate"] = [coerce_bools(g, GENERATE_BOOLS) for g in raw["generate"]]


def _check_source(body: Body) -> None:
    attr = body.attributes.get("source")
    if attr is not None and any(ref[0] == "dependency" for ref in references(attr.expr)):
        raise ConfigError(
            "cannot read dependency outputs",
            pos=attr.pos,
            attr="terraform.source",
            hint="Terragrunt needs the source before dependency outputs exist: use a local or a literal",
        )


def _dependencies(body: Body, ev: BlockEvaluator, dependency_dir: DependencyDir, pos: Pos) -> Raw:
    ev.positions[("dependencies",)] = pos
    paths = ev.attributes(body, ("dependencies",))
    if isinstance(paths.get("paths"), list):
        where = ("dependencies", "paths")
        paths[WRITTEN] = list(paths["paths"])
        paths["paths"] = [str(dependency_dir(p, where)) for p in paths["paths"]]
    return paths


def _check_remote_state(raw: Raw, ev: BlockEvaluator) -> None:
    if "remote_state" not in raw:
        return
    state = raw["remote_state"]
    if not isinstance(state, Mapping):
        raise ConfigError(
            "remote_state must be an object",
            pos=ev.positions.get(("remote_state",)),
            attr="remote_state",
            hint="use a remote_state { ... } block",
        )
    state = coerce_bools(dict(state), REMOTE_STATE_BOOLS)
    generate = state.get("generate")
    if isinstance(generate, Mapping):
        pos = ev.positions.get(("remote_state", "generate")) or ev.positions.get(("remote_state",))
        check_generated_path(generate.get("path"), "remote_state.generate.path", pos)
    raw["remote_state"] = state
