"""Evaluating one config file in phases, as Terragrunt does:

include -> (feature) -> locals -> iam_* -> dependency / dependencies -> everything else -> merge.

A later phase may read what an earlier one produced (``include.<label>`` when exposed,
``local.*``, ``dependency.<name>.outputs``), never the reverse. Included files are evaluated in the
including module's context (see :mod:`orchestrator.config.context`) through the
:class:`Session`, which memoizes them; the result of a file is its raw config already merged with
its includes (:mod:`orchestrator.config.merge`).

A FileEvaluation runs on one thread; the Session it uses is thread-safe.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from orchestrator.config.blocks import (
    IAM_ATTRIBUTES,
    BlockEvaluator,
    Positions,
    blocks_of,
    check_structure,
)
from orchestrator.config.context import FileContext
from orchestrator.config.merge import MERGE_STRATEGIES, merge_configs, merge_named, merge_positions
from orchestrator.config.outputs import resolve_outputs
from orchestrator.config.render import render_form
from orchestrator.config.scope import LocalsScope, did_you_mean
from orchestrator.config.tgfunctions import Host, TerragruntFunctions
from orchestrator.errors import ConfigError, Pos, TgoError, relpath
from orchestrator.hcl.ast import Attribute, Block, Body
from orchestrator.hcl.evaluator import EvalContext, evaluate
from orchestrator.hcl.values import Value

INCLUDE_ATTRIBUTES = ("path", "expose", "merge_strategy")


@dataclass(frozen=True)
class Evaluated:
    """A file's raw config (merged with its includes) and where each part was written."""

    raw: dict[str, Any]
    positions: Positions
    used_mocks: bool
    reads_outputs: bool

    def exposed(self) -> dict[str, Any]:
        """What ``include.<label>`` and ``read_terragrunt_config`` show of this file."""
        return render_form(self.raw)


@dataclass(frozen=True)
class IncludeSpec:
    label: str
    path: Path
    expose: bool
    merge_strategy: str
    pos: Pos


class Session(Host, Protocol):
    """One load of one module (a command and a set of dependency outputs). Thread-safe."""

    command: str | None
    outputs: Mapping[Path, Mapping[str, Value]] | None
    cwd: Path
    discovery: bool
    """True when this load decides what runs (the command is known, no output has been fetched):
    missing dependency outputs are then unknown, as for render/validate, instead of an error."""

    def body(self, path: Path) -> Body: ...

    def evaluate_include(self, path: Path, ctx: FileContext) -> Evaluated: ...

    def note_ignored(self, body: Body, file: str) -> None: ...

    def module_variables(self, ctx: FileContext) -> dict[str, Value]:
        """A fresh dict of the variables every phase of a file evaluated in ``ctx`` sees."""
        ...


class FileEvaluation:
    """Evaluates the file at ``path`` in ``ctx`` (see :meth:`run`)."""

    def __init__(self, session: Session, path: Path, ctx: FileContext) -> None:
        self.session = session
        self.path = path
        self.ctx = ctx
        self.positions: Positions = {}
        # Module-level variables first; the phases add include, feature, local and dependency.
        self.variables: dict[str, Value] = session.module_variables(ctx)
        self.used_mocks = False
        self.dependencies: dict[str, Any] | None = None
        self._ectx: tuple[FileContext, EvalContext] | None = None

    # helpers -------------------------------------------------------------------------------------
    def eval_context(self) -> EvalContext:
        """The context of the current phase: shared by the phases that run with the same ``ctx``
        (``variables`` is one dict that the phases fill in)."""
        if self._ectx is None or self._ectx[0] is not self.ctx:
            functions = TerragruntFunctions(self.ctx, self.session).table()
            ectx = EvalContext(variables=self.variables, functions=functions, base_dir=self.ctx.terragrunt_dir)
            self._ectx = (self.ctx, ectx)
        return self._ectx[1]

    def blocks(self) -> BlockEvaluator:
        ectx = self.eval_context()
        return BlockEvaluator(lambda expr: evaluate(expr, ectx), self.positions)

    def _eval_attr(self, attr: Attribute, path: str, ectx: EvalContext) -> Value:
        try:
            return evaluate(attr.expr, ectx)
        except TgoError as err:
            raise err.with_context(pos=attr.pos, attr=path) from None

    # phases --------------------------------------------------------------------------------------
    def run(self) -> Evaluated:
        """Raises TgoError subclasses for anything wrong in this file or what it includes or reads."""
        body = self.session.body(self.path)
        check_structure(body)
        self.session.note_ignored(body, str(body.pos.file))
        specs = self._include_specs(body)
        self.ctx = self.ctx.with_includes(tuple((s.label, s.path) for s in specs))
        included = [(s, self.session.evaluate_include(s.path, self.ctx.for_include(s.path))) for s in specs]
        self._expose(included)
        self._features(body)
        raw: dict[str, Any] = {}
        locals_ = self._locals(body)
        if locals_:
            raw["locals"] = locals_
        self._iam(body, raw, included)
        own_deps = self._dependency_blocks(body)
        self._dependency_variable(own_deps, included)
        if own_deps:
            raw["dependency"] = own_deps
        self._rest(body, raw)
        return self._merge(raw, included)

    def _include_specs(self, body: Body) -> list[IncludeSpec]:
        ectx = EvalContext(
            variables=self.variables,  # only the module variables are bound yet
            functions=TerragruntFunctions(self.ctx, self.session).table(),
            base_dir=self.ctx.terragrunt_dir,
        )
        return [self._include_spec(block, ectx) for block in blocks_of(body, "include")]

    def _include_spec(self, block: Block, ectx: EvalContext) -> IncludeSpec:
        label = block.labels[0] if block.labels else ""
        where = f"include.{label}" if label else "include"
        for name, attr in block.body.attributes.items():
            if name not in INCLUDE_ATTRIBUTES:
                hint = did_you_mean(name, INCLUDE_ATTRIBUTES) or "include takes path, expose and merge_strategy"
                raise ConfigError(f"unknown attribute {name!r}", pos=attr.pos, attr=f"{where}.{name}", hint=hint)
        if "path" not in block.body.attributes:
            raise ConfigError(
                "include needs a path",
                pos=block.pos,
                attr=f"{where}.path",
                hint='add path = find_in_parent_folders("root.hcl")',
            )
        target = self._include_target(block.body.attributes["path"], f"{where}.path", ectx)
        expose, strategy = self._include_options(block.body.attributes, where, ectx)
        return IncludeSpec(label, target, expose, strategy, block.pos)

    def _include_target(self, attr: Attribute, where: str, ectx: EvalContext) -> Path:
        value = self._eval_attr(attr, where, ectx)
        if not isinstance(value, str) or not value:
            raise ConfigError("must be a non-empty string", pos=attr.pos, attr=where, hint="give the file to include")
        target = self.session.fs.resolve_in(self.path.parent, value)
        if not self.session.fs.is_file(target):
            raise ConfigError(
                f"included file {relpath(target, self.session.cwd)} does not exist",
                pos=attr.pos,
                attr=where,
                hint="fix the path, or create the file",
            )
        if target in self.ctx.chain:
            cycle = (*self.ctx.chain[self.ctx.chain.index(target) :], target)
            raise ConfigError(
                "include cycle: " + " -> ".join(relpath(p, self.session.cwd) for p in cycle),
                pos=attr.pos,
                attr=where,
                hint="a file may not include itself, directly or not",
            )
        return target

    def _include_options(self, attrs: Mapping[str, Attribute], where: str, ectx: EvalContext) -> tuple[bool, str]:
        expose = self._eval_attr(attrs["expose"], f"{where}.expose", ectx) if "expose" in attrs else False
        if not isinstance(expose, bool):
            raise ConfigError(
                f"must be true or false, got {expose!r}",
                pos=attrs["expose"].pos,
                attr=f"{where}.expose",
                hint="write expose = true",
            )
        strategy = "shallow"
        if "merge_strategy" in attrs:
            strategy = self._eval_attr(attrs["merge_strategy"], f"{where}.merge_strategy", ectx)
        if strategy not in MERGE_STRATEGIES:
            raise ConfigError(
                f"unknown merge strategy {strategy!r}",
                pos=attrs["merge_strategy"].pos,
                attr=f"{where}.merge_strategy",
                hint=(did_you_mean(str(strategy), MERGE_STRATEGIES) or "use no_merge, shallow or deep"),
            )
        return expose, str(strategy)

    def _expose(self, included: list[tuple[IncludeSpec, Evaluated]]) -> None:
        exposed: dict[str, Value] = {}
        for spec, ev in included:
            if not spec.expose:
                continue
            if spec.label:
                exposed[spec.label] = ev.exposed()
            else:
                exposed.update(ev.exposed())  # a bare include is exposed as include.<attribute>
        if exposed:
            self.variables["include"] = exposed

    def _features(self, body: Body) -> None:
        features: dict[str, Value] = {}
        ectx = self.eval_context()
        for block in blocks_of(body, "feature"):
            default = block.body.attributes.get("default")
            value = self._eval_attr(default, f"feature.{block.labels[0]}.default", ectx) if default else None
            features[block.labels[0]] = {"value": value}
        if features:
            self.variables["feature"] = features

    def _locals(self, body: Body) -> dict[str, Value]:
        attrs: dict[str, Attribute] = {}
        for block in blocks_of(body, "locals"):
            for inner in block.body.blocks:
                raise ConfigError(
                    f"unexpected block {inner.type!r} inside locals",
                    pos=inner.pos,
                    attr=f"locals.{inner.type}",
                    hint=f"locals holds attributes only: write {inner.type} = {{ ... }}",
                )
            attrs.update(block.body.attributes)
        for name, attr in attrs.items():
            self.positions[("locals", name)] = attr.pos
        holder: list[EvalContext] = []
        scope = LocalsScope(attrs, lambda attr: evaluate(attr.expr, holder[0]))
        self.variables["local"] = scope
        holder.append(self.eval_context())
        return scope.evaluate_all()

    def _iam(self, body: Body, raw: dict[str, Any], included: list[tuple[IncludeSpec, Evaluated]]) -> None:
        ev = self.blocks()
        for name in IAM_ATTRIBUTES:
            if name in body.attributes:
                raw[name] = ev.value(body.attributes[name], (name,))
        role = raw.get("iam_role")
        for _, inc in included:
            role = role or inc.raw.get("iam_role")
        # run_cmd in later phases runs under the module's role, as Terragrunt does.
        self.ctx = self.ctx.with_role(role if isinstance(role, str) and role else None)

    def _resolve_module_path(self, value: Value, key: tuple[str, ...], pos: Pos) -> Path:
        attr = ".".join(key)
        if not isinstance(value, str) or not value:
            raise ConfigError(
                "must be a non-empty string (a module directory)",
                pos=pos,
                attr=attr,
                hint='set it to a path like "../vpc"',
            )
        target = self.session.fs.resolve_in(self.ctx.terragrunt_dir, value)
        if self.session.fs.module_config(target) is None:
            raise ConfigError(
                "dependency config_path must exist and hold a module: "
                f"{relpath(target, self.session.cwd)} has no terragrunt.hcl",
                pos=pos,
                attr=attr,
                hint="point it at a directory with a terragrunt.hcl; relative paths start at the module's directory",
            )
        return target

    def _dependency_blocks(self, body: Body) -> list[dict[str, Any]]:
        ev = self.blocks()
        deps = []
        for block in blocks_of(body, "dependency"):
            dep = ev.named(block, ("dependency",))
            name = dep["name"]
            if "config_path" not in dep:
                raise ConfigError(
                    "is required",
                    pos=block.pos,
                    attr=f"dependency.{name}.config_path",
                    hint='set config_path = "../<module>"',
                )
            key = ("dependency", name, "config_path")
            enabled = dep.get("enabled", True) is not False
            if enabled:
                target = self._resolve_module_path(dep["config_path"], key, self.positions[key])
                dep["config_path"] = str(target)
                outputs, used = resolve_outputs(
                    dep,
                    target,
                    command=None if self.session.discovery else self.ctx.command,
                    outputs=self.session.outputs,
                    pos=block.pos,
                    base=self.session.cwd,
                )
                self.used_mocks = self.used_mocks or used
            else:
                outputs = dep.get("mock_outputs") or {}
            dep["outputs"] = outputs
            deps.append(dep)
        for block in blocks_of(body, "dependencies"):
            self.positions[("dependencies",)] = block.pos
            paths = ev.attributes(block.body, ("dependencies",))
            if isinstance(paths.get("paths"), list):
                where = ("dependencies", "paths")
                paths["paths"] = [
                    str(self._resolve_module_path(p, where, self.positions[where])) for p in paths["paths"]
                ]
            self.dependencies = paths
        return deps

    def _dependency_variable(self, own: list[dict[str, Any]], included: list[tuple[IncludeSpec, Evaluated]]) -> None:
        merged: list[dict[str, Any]] = []
        for spec, inc in included:
            if spec.merge_strategy != "no_merge":
                merged = merge_named(merged, inc.raw.get("dependency", []))
            self.used_mocks = self.used_mocks or inc.used_mocks
        merged = merge_named(merged, own)
        if merged:
            self.variables["dependency"] = {
                d["name"]: {"outputs": d["outputs"], "config_path": d["config_path"]} for d in merged
            }

    def _rest(self, body: Body, raw: dict[str, Any]) -> None:
        ev = self.blocks()
        if self.dependencies is not None:
            raw["dependencies"] = self.dependencies
        for name, attr in body.attributes.items():
            if name not in IAM_ATTRIBUTES:
                raw[name] = ev.value(attr, (name,))
        if "inputs" in raw and not isinstance(raw["inputs"], Mapping):
            raise ConfigError(
                "inputs must be an object",
                pos=body.attributes["inputs"].pos,
                attr="inputs",
                hint="write inputs = { name = value }",
            )
        if "inputs" in raw:
            raw["inputs"] = dict(raw["inputs"])
        for block in body.blocks:
            if block.type == "terraform":
                raw["terraform"] = ev.terraform(block)
            elif block.type == "errors":
                raw["errors"] = ev.errors(block)
            elif block.type in ("remote_state", "exclude"):
                raw[block.type] = ev.plain(block)
        generate = ev.named_list(body, "generate", ())
        if generate:
            raw["generate"] = generate
        if "remote_state" in raw and not isinstance(raw["remote_state"], Mapping):
            raise ConfigError(
                "remote_state must be an object",
                pos=self.positions.get(("remote_state",)),
                attr="remote_state",
                hint="use a remote_state { ... } block",
            )

    def _merge(self, raw: dict[str, Any], included: list[tuple[IncludeSpec, Evaluated]]) -> Evaluated:
        positions = self.positions
        reads_outputs = bool(raw.get("dependency"))
        for spec, inc in reversed(included):
            reads_outputs = reads_outputs or inc.reads_outputs
            raw = merge_configs(inc.raw, raw, spec.merge_strategy)
            if spec.merge_strategy != "no_merge":
                positions = merge_positions(inc.positions, positions)
        return Evaluated(raw, positions, self.used_mocks, reads_outputs)
