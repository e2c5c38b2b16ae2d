"""Evaluating one config file in phases, as Terragrunt does:

include -> feature -> locals -> iam_* -> dependency blocks -> (merge dependencies, resolve outputs)
-> everything else -> merge with includes.

A file is evaluated in two halves so that dependencies are merged across includes before anything
reads them (:mod:`orchestrator.config.dependencies`):

- :meth:`FileEvaluation.head` runs the phases up to the ``dependency`` blocks, for the file and
  (through the :class:`Session`, memoized) every file it includes, and returns a :class:`Head`:
  the merged feature defaults, the file's locals, its ``iam_*`` attributes and the still unresolved
  dependency blocks of it and its includes.
- :meth:`FileEvaluation.finish` evaluates the rest of the file, and of every file it includes,
  with the module's merged ``dependency`` and ``feature`` variables.

:meth:`FileEvaluation.run` does both for a module's own file (or a file read with
``read_terragrunt_config``), resolving the merged dependency blocks in between. A later phase may
read what an earlier one produced (``include.<label>`` when exposed, ``feature.*``, ``local.*``,
``dependency.<name>.outputs``), never the reverse. Every phase starts from the module variables
the session gives (:meth:`Session.module_variables`).

A FileEvaluation runs on one thread; the Session it uses is thread-safe.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from orchestrator.config.blocks import IAM_ATTRIBUTES, BlockEvaluator, Positions, blocks_of, check_structure
from orchestrator.config.context import FileContext
from orchestrator.config.dependencies import DependencyResolver, dependency_variable, merge_dependency_blocks
from orchestrator.config.features import feature_variable
from orchestrator.config.includes import EarlyExposure, IncludeSpec, exposure, include_spec
from orchestrator.config.merge import merge_configs, merge_positions
from orchestrator.config.render import render_form, render_json
from orchestrator.config.rest import evaluate_rest
from orchestrator.config.scope import LocalsScope
from orchestrator.config.tgfunctions import Host, TerragruntFunctions
from orchestrator.errors import ConfigError, Pos, relpath
from orchestrator.hcl.ast import Attribute, Block, Body
from orchestrator.hcl.evaluator import EvalContext, evaluate
from orchestrator.hcl.values import Value

Raw = dict[str, Any]


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

    def render_json(self) -> dict[str, Any]:
        """A module's own file: its ``render --json`` form (made only when asked for)."""
        return render_json(self.raw, used_mocks=self.used_mocks)


@dataclass(frozen=True)
class Head:
    """A file's phases before dependencies are resolved (see module doc). Immutable once built."""

    path: Path
    ctx: FileContext
    specs: tuple[IncludeSpec, ...]
    includes: tuple[Head, ...]
    locals: dict[str, Value]
    iam: dict[str, Value]
    role: str | None
    dependencies: list[Raw]
    features: dict[str, Value]
    feature_positions: dict[str, Pos | None]
    positions: Positions


class Session(Host, Protocol):
    """One load of one module (a command and a set of dependency outputs). Thread-safe."""

    command: str | None
    outputs: Mapping[Path, Mapping[str, Value]] | None
    cwd: Path
    discovery: bool
    """True when this load decides what runs (the command is known, no output has been fetched):
    missing dependency outputs are then unknown, as for render/validate, instead of an error."""
    feature_overrides: Mapping[str, str]

    def body(self, path: Path) -> Body: ...

    def variables_in(self, path: Path) -> frozenset[str]: ...

    def include_head(self, path: Path, ctx: FileContext) -> Head: ...

    def include_alone(self, path: Path, ctx: FileContext) -> Evaluated: ...

    def include_finish(
        self, head: Head, dependency: Mapping[str, Value], feature: Mapping[str, Value]
    ) -> Evaluated: ...

    def note_ignored(self, body: Body, file: str) -> None: ...

    def module_variables(self, ctx: FileContext) -> dict[str, Value]:
        """A fresh dict of the variables every phase of a file evaluated in ``ctx`` sees."""
        ...


class FileEvaluation:
    """Evaluates the file at ``path`` in ``ctx`` (see :meth:`run`, :meth:`head`, :meth:`finish`)."""

    def __init__(self, session: Session, path: Path, ctx: FileContext) -> None:
        self.session = session
        self.path = path
        self.ctx = ctx
        self.positions: Positions = {}
        # Module-level variables first; the phases add include, feature, local and dependency.
        self.variables: dict[str, Value] = session.module_variables(ctx)
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

    # the whole file ------------------------------------------------------------------------------
    def run(self) -> Evaluated:
        """The file as a module's own config: head, dependencies merged and resolved, finish.

        Raises TgoError subclasses for anything wrong in this file or what it includes or reads."""
        head = self.head()
        resolver = DependencyResolver(
            self.session.fs,
            self.ctx.terragrunt_dir,
            self.session.cwd,
            None if self.session.discovery else self.ctx.command,
            self.session.outputs,
            self._all_positions(head),
        )
        resolved = resolver.resolve(head.dependencies)
        feature = feature_variable(head.features, self.session.feature_overrides, head.feature_positions)
        ev = self.finish(head, dependency_variable(resolved), feature, own=True)
        raw = dict(ev.raw)
        if resolved:
            raw["dependency"] = resolved
        if feature:
            raw["feature"] = {name: flag["value"] for name, flag in feature.items()}
        return Evaluated(raw, ev.positions, resolver.used_mocks, ev.reads_outputs or bool(resolved))

    @staticmethod
    def _all_positions(head: Head) -> Positions:
        positions: Positions = {}
        for inc in head.includes:
            positions.update(FileEvaluation._all_positions(inc))
        positions.update(head.positions)
        return positions

    # first half ----------------------------------------------------------------------------------
    def head(self) -> Head:
        """The phases up to the dependency blocks (see module doc). Raises TgoError."""
        body = self.session.body(self.path)
        check_structure(body)
        self.session.note_ignored(body, str(body.pos.file))
        specs = self._include_specs(body)
        self.ctx = self.ctx.with_includes(tuple((s.label, s.path) for s in specs))
        heads = tuple(self.session.include_head(s.path, self.ctx.for_include(s.path)) for s in specs)
        self._early_exposure(specs, heads)
        features, feature_pos = self._features(body, specs, heads)
        self.variables["feature"] = feature_variable(features, self.session.feature_overrides, feature_pos)
        locals_ = self._locals(body)
        iam = self._iam(body)
        role = iam.get("iam_role")
        for inc in heads:
            role = role or inc.role
        # run_cmd in later phases runs under the module's role, as Terragrunt does.
        self.ctx = self.ctx.with_role(role if isinstance(role, str) and role else None)
        own = self.blocks().named_list(body, "dependency", ())
        merged = merge_dependency_blocks(
            ((s.merge_strategy, h.dependencies) for s, h in zip(specs, heads, strict=True)), own
        )
        return Head(
            self.path,
            self.ctx,
            tuple(specs),
            heads,
            locals_,
            iam,
            self.ctx.iam_role,
            merged,
            features,
            feature_pos,
            dict(self.positions),
        )

    def _include_specs(self, body: Body) -> list[IncludeSpec]:
        ectx = EvalContext(
            variables=self.variables,  # only the module variables are bound yet
            functions=TerragruntFunctions(self.ctx, self.session).table(),
            base_dir=self.ctx.terragrunt_dir,
        )
        return [include_spec(block, ectx, self._include_target) for block in blocks_of(body, "include")]

    def _include_target(self, attr: Attribute, where: str, value: Value) -> Path:
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

    def _early_exposure(self, specs: list[IncludeSpec], heads: tuple[Head, ...]) -> None:
        files = []
        for spec, head in zip(specs, heads, strict=True):
            if spec.expose:
                files.append((spec, head.locals, self._alone(spec.path, self.ctx.for_include(spec.path))))
        if files:
            self.variables["include"] = EarlyExposure(files, alone=len(specs) == 1 and not specs[0].label)

    def _alone(self, path: Path, ctx: FileContext) -> Any:
        found: list[dict[str, Any]] = []

        def full() -> dict[str, Any]:
            if not found:
                found.append(self.session.include_alone(path, ctx).exposed())
            return found[0]

        return full

    def _features(
        self, body: Body, specs: list[IncludeSpec], heads: tuple[Head, ...]
    ) -> tuple[dict[str, Value], dict[str, Pos | None]]:
        defaults: dict[str, Value] = {}
        positions: dict[str, Pos | None] = {}
        for spec, inc in zip(specs, heads, strict=True):
            if spec.merge_strategy != "no_merge":
                defaults.update(inc.features)
                positions.update(inc.feature_positions)
        for block in blocks_of(body, "feature"):
            defaults[block.labels[0]] = self._feature_default(block)
            positions[block.labels[0]] = block.pos
        return defaults, positions

    def _feature_default(self, block: Block) -> Value:
        name = block.labels[0]
        for inner in block.body.blocks:
            raise ConfigError(
                f"unexpected block {inner.type!r} inside feature", pos=inner.pos, attr=f"feature.{name}.{inner.type}"
            )
        for attr_name, attr in block.body.attributes.items():
            if attr_name != "default":
                raise ConfigError(
                    f"unknown attribute {attr_name!r}",
                    pos=attr.pos,
                    attr=f"feature.{name}.{attr_name}",
                    hint="a feature block takes default only",
                )
        default = block.body.attributes.get("default")
        if default is None:
            return None
        return self.blocks().value(default, ("feature", name, "default"))

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

    def _iam(self, body: Body) -> dict[str, Value]:
        ev = self.blocks()
        return {name: ev.value(body.attributes[name], (name,)) for name in IAM_ATTRIBUTES if name in body.attributes}

    # second half ---------------------------------------------------------------------------------
    def finish(
        self, head: Head, dependency: Mapping[str, Value], feature: Mapping[str, Value], *, own: bool = False
    ) -> Evaluated:
        """The rest of the file (and of every file it includes) with the module's merged
        ``dependency`` and ``feature`` variables; ``raw`` holds no ``dependency`` (the caller's).
        ``own``: the file is the module's own (then :meth:`run` decides what reads outputs)."""
        body = self.session.body(self.path)
        self.ctx = head.ctx
        self.positions = dict(head.positions)
        finished = [self.session.include_finish(inc, dependency, feature) for inc in head.includes]
        # Only an exposed include's form is shown (exposure() drops the others): not made for the rest.
        forms = [(spec, ev.exposed() if spec.expose else {}) for spec, ev in zip(head.specs, finished, strict=True)]
        exposed = exposure(forms)
        if exposed or head.specs:
            self.variables["include"] = exposed
        if feature:
            self.variables["feature"] = feature
        self.variables["local"] = head.locals
        if dependency:
            self.variables["dependency"] = dependency
        raw: Raw = {}
        if head.locals:
            raw["locals"] = head.locals
        raw.update(head.iam)
        evaluate_rest(body, raw, self.blocks(), self._dependency_dir)
        # Whether the result depends on dependency outputs (then it is not memoized): only looked
        # at when there are dependencies, since it walks the file's syntax tree.
        reads = bool(dependency) and not own and self._reads_dependency(head)
        return self._merge(raw, head.specs, finished, reads)

    def _reads_dependency(self, head: Head) -> bool:
        """True when ``head``'s file or one it includes refers to ``dependency`` anywhere."""
        if "dependency" in self.session.variables_in(head.path):
            return True
        return any(self._reads_dependency(inc) for inc in head.includes)

    def _dependency_dir(self, value: Value, key: tuple[str, ...]) -> Path:
        fs, cwd = self.session.fs, self.session.cwd
        return DependencyResolver(fs, self.ctx.terragrunt_dir, cwd, None, None, self.positions).module_path(value, key)

    def _merge(self, raw: Raw, specs: tuple[IncludeSpec, ...], included: list[Evaluated], reads: bool) -> Evaluated:
        positions = self.positions
        for spec, inc in zip(reversed(specs), reversed(included), strict=True):
            reads = reads or inc.reads_outputs
            raw = merge_configs(inc.raw, raw, spec.merge_strategy)
            if spec.merge_strategy != "no_merge":
                positions = merge_positions(inc.positions, positions)
        return Evaluated(raw, positions, False, reads)
