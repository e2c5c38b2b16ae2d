"""Loading one module: its files evaluated in phases, then validated into a :class:`ModuleConfig`.

:class:`ModuleLoad` is one load of one module for one command and one set of dependency
outputs. It is the :class:`~orchestrator.config.evaluation.Session` every file evaluation of that
load talks to: the module's own file, what it includes (memoized in the shared
:class:`~orchestrator.config.services.LoaderServices` by file and context, unless the result read
dependency outputs) and what it reads with ``read_terragrunt_config``.

Module variables: :meth:`ModuleLoad.module_variables` is THE place where variables that every
phase of every file of a module sees are assembled (today none besides what the phases bind
themselves: ``include``, ``feature``, ``local``, ``dependency``). A variable that comes from the
module's directory rather than from the file being evaluated is added there, and is then visible
from the ``include`` phase on, in the module's file and in every file it includes or reads. That is
how ``values`` (the ``terragrunt.values.hcl`` next to the module, see :meth:`ModuleLoad.values_of`)
reaches every phase, so ``dependency.config_path = values.x`` shapes the graph.

Thread-safe in the sense that one ModuleLoad runs on one thread while others run on theirs; all
they share is the thread-safe LoaderServices.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from orchestrator.config.context import FileContext
from orchestrator.config.evaluation import Evaluated, FileEvaluation, Head
from orchestrator.config.models import ModuleConfig
from orchestrator.config.services import LoaderServices
from orchestrator.config.tgfunctions import TerragruntFunctions
from orchestrator.config.validate import to_model
from orchestrator.config.values import STACK_FILE, VALUES_FILE, read_values
from orchestrator.errors import ConfigError, EvalError, Pos, relpath
from orchestrator.hcl.ast import Body
from orchestrator.hcl.evaluator import EvalContext
from orchestrator.hcl.values import Value

# A file that calls one of these is evaluated per module even through read_terragrunt_config.
ORIGINAL_DIR_FUNCTIONS = frozenset({"get_original_terragrunt_dir"})


class ModuleLoad:
    """One load of one module (see module doc)."""

    def __init__(
        self,
        services: LoaderServices,
        command: str | None,
        outputs: Mapping[Path, Mapping[str, Value]] | None,
        *,
        discovery: bool = False,
    ) -> None:
        self.services = services
        self.command = command
        self.outputs = outputs
        self.discovery = discovery
        self.cwd = services.runtime.cwd
        self.environ = services.runtime.environ
        self.fs = services.fs
        self._values: dict[Path, dict[str, Value] | None] = {}
        self.feature_overrides = services.options.features
        self.extras = services.extras

    # module variables ----------------------------------------------------------------------------
    def module_variables(self, ctx: FileContext) -> dict[str, Value]:
        """The variables bound in every phase of the file evaluated in ``ctx`` (a fresh dict).

        ``ctx.terragrunt_dir`` is the module's directory (or, for a file read with
        ``read_terragrunt_config``, that file's directory). Add module-level variables here; the
        memo keys of included and read files already include the context, so a variable that
        depends only on ``ctx.terragrunt_dir`` needs no change to the memos.
        """
        values = self.values_of(ctx.terragrunt_dir)
        return {} if values is None else {"values": values}

    def values_of(self, directory: Path) -> dict[str, Value] | None:
        """The ``terragrunt.values.hcl`` of ``directory`` as an object; None when there is none (then
        ``values`` stays undefined and ``try(values.x, d)`` gives ``d``). Read once per load."""
        if directory in self._values:
            return self._values[directory]
        path = directory / VALUES_FILE
        found: dict[str, Value] | None = None
        if self.fs.is_file(path):
            ctx = FileContext(terragrunt_dir=directory, config_file=path, original_dir=directory, command=self.command)
            functions = TerragruntFunctions(ctx, self).table()
            found = read_values(self.body(path), EvalContext(variables={}, functions=functions, base_dir=directory))
        self._values[directory] = found
        return found

    # the load ------------------------------------------------------------------------------------
    def evaluate(self, module_dir: Path) -> tuple[ModuleConfig, Evaluated]:
        """(validated config, evaluated file) of ``module_dir`` (resolved); the evaluated file gives
        the render-json form (:meth:`Evaluated.render_json`) to whoever needs it. Raises TgoError."""
        path = self.fs.module_config(module_dir)
        stack_file = module_dir / STACK_FILE
        if path is not None and self.fs.is_file(stack_file):
            raise ConfigError(
                f"this directory holds both {path.name} and {STACK_FILE}",
                pos=Pos(self.services.display(stack_file), 1),
                hint="a directory is either a unit or a stack: move one of them",
            )
        if path is None:
            raise ConfigError(
                f"{relpath(module_dir, self.cwd)} holds no terragrunt.hcl",
                pos=Pos(relpath(module_dir, self.cwd)),
                hint="run tgo in a module directory or pass --working-dir",
            )
        ctx = FileContext(
            terragrunt_dir=module_dir, config_file=path, original_dir=module_dir, command=self.command, chain=(path,)
        )
        try:
            ev = FileEvaluation(self, path, ctx).run()
        except RecursionError:
            raise ConfigError("configuration nested too deeply", pos=Pos(relpath(path, self.cwd))) from None
        config = to_model(
            ev.raw,
            ev.positions,
            module_dir=module_dir,
            config_file=path,
            used_mocks=ev.used_mocks,
            display=self.services.display(path),
        )
        return config, ev

    # Session -------------------------------------------------------------------------------------
    def body(self, path: Path) -> Body:
        return self.services.body(path)

    def note_ignored(self, body: Body, file: str) -> None:
        self.services.note_ignored(body, file)

    def variables_in(self, path: Path) -> frozenset[str]:
        return self.services.variables_in(path)

    def include_head(self, path: Path, ctx: FileContext) -> Head:
        """The first half of an included file; memoized by (file, context): it reads no output."""
        self.extras.reads.note(ctx.original_dir, path)  # --queue-include-units-reading counts includes
        key = ("head", path, ctx)
        found = self.services.include_memo(key)
        if isinstance(found, Head):
            return found
        head = FileEvaluation(self, path, ctx).head()
        self.services.remember_include(key, head)
        return head

    def include_alone(self, path: Path, ctx: FileContext) -> Evaluated:
        """An included file evaluated on its own (its own dependencies merged and resolved), for what
        ``include.<label>`` shows before the module's dependencies are known."""
        key = ("alone", path, ctx)
        found = self.services.include_memo(key)
        if isinstance(found, Evaluated):
            return found
        ev = FileEvaluation(self, path, ctx).run()
        if not ev.reads_outputs:
            self.services.remember_include(key, ev)
        return ev

    def include_finish(self, head: Head, dependency: Mapping[str, Value], feature: Mapping[str, Value]) -> Evaluated:
        """The second half of an included file with the module's merged variables; memoized by
        (file, context) unless it reads dependency outputs (the features of a module are fixed for a
        loader, and the context names the module)."""
        key = ("finish", head.path, head.ctx)
        found = self.services.include_memo(key)
        if isinstance(found, Evaluated):
            return found
        ev = FileEvaluation(self, head.path, head.ctx).finish(head, dependency, feature)
        if not ev.reads_outputs:
            self.services.remember_include(key, ev)
        return ev

    def read_config(self, path: Path, ctx: FileContext) -> Value:
        if path.name == VALUES_FILE:  # Terragrunt returns the values object, not a config
            return self.values_of(path.parent) or {}
        if path in ctx.chain:
            chain = " -> ".join(relpath(p, self.cwd) for p in (*ctx.chain[ctx.chain.index(path) :], path))
            raise EvalError(
                f"read_terragrunt_config cycle: {chain}", hint="a file may not read itself, directly or not"
            )
        original = ctx.original_dir if self.services.calls_in(path) & ORIGINAL_DIR_FUNCTIONS else None
        key = (path, original, ctx.command)
        found, value = self.services.read_memo(key)
        if found:
            return value
        read_ctx = FileContext(
            terragrunt_dir=path.parent,
            config_file=path,
            original_dir=ctx.original_dir,
            command=ctx.command,
            chain=(*ctx.chain, path),
        )
        ev = FileEvaluation(self, path, read_ctx).run()
        value = ev.exposed()
        if not ev.reads_outputs:
            self.services.remember_read(key, value)
        return value

    def run_cmd(self, argv: Sequence[str], cwd: Path, *, quiet: bool, role: str | None, cache: str = "dir") -> str:
        return self.services.commands.run(argv, cwd, quiet=quiet, role=role, cache=cache)

    def aws_identity(self, role: str | None) -> Mapping[str, str]:
        return self.services.aws_identity(role)

    def repo_root(self, start: Path) -> Path:
        return self.services.repo_root(start)

    def load_module(self, module_dir: Path) -> ModuleConfig:
        """The module's config for this load's command and outputs (``get_working_dir()``)."""
        return ModuleLoad(self.services, self.command, self.outputs).evaluate(module_dir)[0]


__all__ = ["ORIGINAL_DIR_FUNCTIONS", "ModuleLoad"]
