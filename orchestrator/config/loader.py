"""The config loader: a module directory in, a validated :class:`ModuleConfig` out.

:class:`ConfigLoader` owns every memo of one run: parsed files (:class:`FileStore`, backed by the
optional on-disk :class:`ParseCache`), evaluated includes, ``read_terragrunt_config`` results,
``run_cmd`` outputs and the repository root. All of them are guarded by locks, so the run engine
may call :meth:`ConfigLoader.load_module` from worker threads; a second load of the same module
re-evaluates only what depends on dependency outputs.

Errors: every method raises :class:`~orchestrator.errors.TgoError` subclasses only (ConfigError,
EvalError, HclSyntaxError, ConfigErrors, ToolError).
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from orchestrator.config.blocks import IGNORED_BLOCKS, log_ignored_blocks
from orchestrator.config.context import FileContext
from orchestrator.config.evaluation import Evaluated, FileEvaluation
from orchestrator.config.files import FileStore
from orchestrator.config.fscache import FsCache
from orchestrator.config.models import ModuleConfig
from orchestrator.config.parallel import evaluate_shared, fewer_collections
from orchestrator.config.parsecache import ParseCache
from orchestrator.config.render import render_form
from orchestrator.config.validate import to_model
from orchestrator.discovery import config_files_under
from orchestrator.errors import ConfigError, ConfigErrors, EvalError, Pos, TgoError, relpath
from orchestrator.graph import GraphNode
from orchestrator.hcl.ast import Body
from orchestrator.hcl.values import Value
from orchestrator.process import run_capture
from orchestrator.runtime import Runtime

AwsIdentity = Callable[[str | None], Mapping[str, str]]
RoleEnv = Callable[[str | None], Mapping[str, str | None]]
ORIGINAL_DIR_FUNCTIONS = frozenset({"get_original_terragrunt_dir"})
MIN_PARALLEL_MODULES = 64


@dataclass
class TreeResult:
    """Every module of a tree: ``configs`` that loaded, ``errors`` of all the others (deduplicated).

    ``nodes`` holds the graph summary of every module that loaded (in the same order as
    ``configs``); ``configs`` is left empty with ``load_tree(configs=False)``. ``rendered`` holds each
    loaded module's render-json form (unless ``load_tree(render=False)``); ``external`` the
    dependency modules loaded because a module depends on them although they are outside the
    requested directories.
    """

    configs: dict[Path, ModuleConfig] = field(default_factory=dict)
    nodes: dict[Path, GraphNode] = field(default_factory=dict)
    errors: list[TgoError] = field(default_factory=list)
    rendered: dict[Path, dict[str, Any]] = field(default_factory=dict)
    external: set[Path] = field(default_factory=set)


def _calls(node: object, out: set[str]) -> None:
    """Names of every function called anywhere below ``node`` (a syntax tree)."""
    name = getattr(node, "name", None)
    if isinstance(name, str) and hasattr(node, "expand_last"):
        out.add(name)
    slots = getattr(type(node), "__slots__", ())
    for slot in slots:
        _walk_value(getattr(node, slot, None), out)


def _walk_value(value: object, out: set[str]) -> None:
    if isinstance(value, tuple | list):
        for item in value:
            _walk_value(item, out)
    elif isinstance(value, dict):
        for item in value.values():
            _walk_value(item, out)
    elif hasattr(type(value), "__slots__") and hasattr(value, "pos"):
        _calls(value, out)


class _Session:
    """One load: the command and dependency outputs it runs with, plus the loader's services."""

    def __init__(self, loader: ConfigLoader, command: str | None, outputs: Mapping[Path, Mapping[str, Value]] | None):
        self.loader = loader
        self.command = command
        self.outputs = outputs
        self.cwd = loader.runtime.cwd
        self.environ = loader.runtime.environ
        self.fs = loader.fs

    def body(self, path: Path) -> Body:
        return self.loader.files.body(path)

    def note_ignored(self, body: Body, file: str) -> None:
        if any(b.type in IGNORED_BLOCKS for b in body.blocks):
            with self.loader._lock:
                log_ignored_blocks(body, self.loader._logged_blocks, file)

    def evaluate_include(self, path: Path, ctx: FileContext) -> Evaluated:
        return self.loader._evaluate_include(self, path, ctx)

    def read_config(self, path: Path, ctx: FileContext) -> Value:
        return self.loader._read_config(self, path, ctx)

    def run_cmd(self, argv: Sequence[str], cwd: Path, *, quiet: bool, role: str | None) -> str:
        return self.loader._run_cmd(argv, cwd, quiet=quiet, role=role)

    def aws_identity(self, role: str | None) -> Mapping[str, str]:
        if self.loader._aws_identity is None:
            raise EvalError(
                "AWS identity functions are not available here", hint="run through a tgo command that has AWS access"
            )
        return self.loader._aws_identity(role)

    def repo_root(self, start: Path) -> Path:
        return self.loader._repo_root(start)


class ConfigLoader:
    """Loads module configs for one run. Thread-safe (see module doc)."""

    def __init__(
        self,
        runtime: Runtime,
        *,
        cache: ParseCache | None = None,
        aws_identity: AwsIdentity | None = None,
        role_env: RoleEnv | None = None,
    ) -> None:
        self.runtime = runtime
        self._cwd = runtime.cwd.resolve()
        self.files = FileStore(cache, display=self.display)
        self.fs = FsCache()
        self._aws_identity = aws_identity
        self._role_env = role_env
        self._lock = threading.Lock()
        self._includes: dict[tuple[Path, FileContext], Evaluated] = {}
        self._reads: dict[tuple[Path, Path | None, str | None], Value] = {}
        self._runs: dict[tuple[tuple[str, ...], Path, str | None], str] = {}
        self._repo_roots: dict[Path, Path] = {}
        self._calls: dict[Path, frozenset[str]] = {}
        self._displays: dict[Path, str] = {}  # one item set at a time: atomic, needs no lock
        self._logged_blocks: set[str] = set()

    # public API ----------------------------------------------------------------------------------
    def display(self, path: Path) -> str:
        """How messages name an (absolute, resolved) file: relative to the working dir when below it."""
        # Memoized, and what errors.relpath() does (resolve, then relative to the resolved cwd, else
        # as given) with the loader's memoized resolve: this is asked for every file and module.
        found = self._displays.get(path)
        if found is None:
            try:
                found = path.relative_to(self._cwd).as_posix()
            except ValueError:
                try:
                    found = str(self.fs.resolve(path).relative_to(self._cwd))
                except ValueError:
                    found = str(path)
            self._displays[path] = found
        return found

    def load_module(
        self, module_dir: Path, *, command: str | None = None, outputs: Mapping[Path, Mapping[str, Value]] | None = None
    ) -> ModuleConfig:
        """The validated config of ``module_dir`` for ``command`` (None: render/validate)."""
        return self.evaluate_module(module_dir, command=command, outputs=outputs)[0]

    def evaluate_module(
        self, module_dir: Path, *, command: str | None = None, outputs: Mapping[Path, Mapping[str, Value]] | None = None
    ) -> tuple[ModuleConfig, dict[str, Any]]:
        """(validated config, render-json form) of ``module_dir``."""
        module_dir = self.fs.resolve(module_dir)
        path = self.fs.module_config(module_dir)
        if path is None:
            raise ConfigError(
                f"{relpath(module_dir, self.runtime.cwd)} holds no terragrunt.hcl",
                pos=Pos(relpath(module_dir, self.runtime.cwd)),
                hint="run tgo in a module directory or pass --working-dir",
            )
        ctx = FileContext(
            terragrunt_dir=module_dir, config_file=path, original_dir=module_dir, command=command, chain=(path,)
        )
        session = _Session(self, command, outputs)
        try:
            ev = FileEvaluation(session, path, ctx).run()
        except RecursionError:
            raise ConfigError("configuration nested too deeply", pos=Pos(relpath(path, self.runtime.cwd))) from None
        config = to_model(
            ev.raw,
            ev.positions,
            module_dir=module_dir,
            config_file=path,
            used_mocks=ev.used_mocks,
            display=self.display(path),
        )
        return config, render_form(ev.raw)

    def load_tree(
        self,
        module_dirs: Sequence[Path],
        *,
        command: str | None = None,
        prefetch: bool = True,
        workers: int = 1,
        render: bool = True,
        configs: bool = True,
    ) -> TreeResult:
        """Every module of ``module_dirs`` plus the dependencies they name; ALL errors collected.

        ``workers > 1`` evaluates the modules in that many forked processes (see
        :mod:`orchestrator.config.parallel`); only for single-threaded, read-only callers, and only
        used when the loader has no AWS callbacks. Results are the same either way.
        ``render=False`` / ``configs=False`` leave ``rendered`` / ``configs`` of the result empty
        (less to send back from the children when the caller only validates).
        """
        dirs = [self.fs.resolve(d) for d in module_dirs]
        parallel = workers > 1 and len(dirs) >= MIN_PARALLEL_MODULES and self._aws_identity is None
        parallel = parallel and self._role_env is None
        with fewer_collections() if parallel else contextlib.nullcontext():
            tree = _TreeLoad(self, command, render, configs)
            return self._load_tree(dirs, prefetch, workers if parallel else 1, tree)

    def _load_tree(self, dirs: list[Path], prefetch: bool, workers: int, tree: _TreeLoad) -> TreeResult:
        parallel = workers > 1
        if prefetch and dirs:
            files = self._tree_files(dirs)
            if parallel:
                # Each module's own file is needed by one child only: it parses (or decodes) it
                # there, in parallel. Shared files (root.hcl, account.hcl...) are read here, once,
                # before the fork, so every distinct file is still parsed once.
                own = {self.fs.module_config(d) for d in dirs}
                self.files.preload([f for f in files if f not in own])
            else:
                self.files.prefetch(files)
        if parallel:
            tree.in_children(dirs, workers)
        return tree.finish(dirs)

    # services ------------------------------------------------------------------------------------
    def _tree_files(self, dirs: list[Path]) -> list[Path]:
        """Config files worth parsing up front: every one below the modules' common root."""
        return config_files_under(Path(os.path.commonpath([str(d) for d in dirs])))

    def _evaluate_include(self, session: _Session, path: Path, ctx: FileContext) -> Evaluated:
        key = (path, ctx)
        with self._lock:
            found = self._includes.get(key)
        if found is not None and not found.reads_outputs:
            return found
        ev = FileEvaluation(session, path, ctx).run()
        if not ev.reads_outputs:
            with self._lock:
                self._includes[key] = ev
        return ev

    def _calls_in(self, path: Path) -> frozenset[str]:
        with self._lock:
            found = self._calls.get(path)
        if found is None:
            names: set[str] = set()
            _calls(self.files.body(path), names)
            found = frozenset(names)
            with self._lock:
                self._calls[path] = found
        return found

    def _read_config(self, session: _Session, path: Path, ctx: FileContext) -> Value:
        if path in ctx.chain:
            chain = " -> ".join(relpath(p, self.runtime.cwd) for p in (*ctx.chain[ctx.chain.index(path) :], path))
            raise EvalError(
                f"read_terragrunt_config cycle: {chain}", hint="a file may not read itself, directly or not"
            )
        original = ctx.original_dir if self._calls_in(path) & ORIGINAL_DIR_FUNCTIONS else None
        key = (path, original, ctx.command)
        with self._lock:
            if key in self._reads:
                return self._reads[key]
        read_ctx = FileContext(
            terragrunt_dir=path.parent,
            config_file=path,
            original_dir=ctx.original_dir,
            command=ctx.command,
            chain=(*ctx.chain, path),
        )
        ev = FileEvaluation(session, path, read_ctx).run()
        value = ev.exposed()
        if not ev.reads_outputs:
            with self._lock:
                self._reads[key] = value
        return value

    def _run_cmd(self, argv: Sequence[str], cwd: Path, *, quiet: bool, role: str | None) -> str:
        key = (tuple(argv), cwd, role)
        with self._lock:
            if key in self._runs:
                return self._runs[key]
        env = dict(self.runtime.environ)
        if self._role_env is not None:
            for name, value in self._role_env(role).items():
                if value is None:
                    env.pop(name, None)
                else:
                    env[name] = value
        done = run_capture(argv, cwd=cwd, env=env)
        if done.returncode != 0:
            detail = (done.stderr.strip().splitlines() or [""])[-1]
            raise EvalError(
                f"run_cmd({', '.join(repr(a) for a in argv)}) exited with {done.returncode}"
                + (f": {detail}" if detail else ""),
                hint="fix the command, or wrap it in try()",
            )
        output = done.stdout.removesuffix("\n")
        if not quiet and output:
            for line in output.splitlines():
                self.runtime.console.error(f"run_cmd: {line}")
        with self._lock:
            self._runs[key] = output
        return output

    def _repo_root(self, start: Path) -> Path:
        with self._lock:
            if start in self._repo_roots:
                return self._repo_roots[start]
        current = start
        while not (current / ".git").exists():
            if current.parent == current:
                raise EvalError(f"{start} is not inside a git repository", hint="run tgo inside a git checkout")
            current = current.parent
        with self._lock:
            self._repo_roots[start] = current
        return current


class _TreeLoad:
    """The bookkeeping of one :meth:`ConfigLoader.load_tree` call (single-threaded)."""

    def __init__(self, loader: ConfigLoader, command: str | None, render: bool, configs: bool) -> None:
        self.loader = loader
        self.command = command
        self.render = render
        self.configs = configs
        self.result = TreeResult()
        self.seen: set[str] = set()
        self.done: set[Path] = set()

    def evaluate(self, module: Path) -> None:
        self.done.add(module)
        try:
            config, rendered = self.loader.evaluate_module(module, command=self.command)
        except TgoError as err:
            self.record(module, None, None, err)
            return
        self.record(module, config, rendered, None)

    def record(self, module: Path, config: Any, rendered: Any, error: TgoError | None) -> None:
        """``config`` is a ModuleConfig, or only its GraphNode when it comes back from a child
        and ``configs`` is off."""
        if error is not None:
            for e in error.errors if isinstance(error, ConfigErrors) else [error]:
                if e.format() not in self.seen:
                    self.seen.add(e.format())
                    self.result.errors.append(e)
            return
        if isinstance(config, GraphNode):
            self.result.nodes[module] = config
        else:
            self.result.nodes[module] = GraphNode.of(config)
            if self.configs:
                self.result.configs[module] = config
        if self.render:
            self.result.rendered[module] = rendered

    def in_children(self, dirs: list[Path], workers: int) -> None:
        """The first module in-process (it reads the shared files above the tree, such as root.hcl,
        so the children inherit them), then the others shared between this process and
        ``workers - 1`` forked children; in-process if that fails.

        Results are recorded in ``dirs`` order whichever process evaluated them."""
        self.evaluate(dirs[0])
        loader = self.loader
        render, configs = self.render, self.configs

        def evaluate(module: Path) -> tuple[ModuleConfig | GraphNode, dict[str, Any] | None]:
            config, rendered = loader.evaluate_module(module, command=self.command)
            # Less to send back (and unpickle here) when unused.
            return config if configs else GraphNode.of(config), rendered if render else None

        evaluated = evaluate_shared(evaluate, lambda: loader.files.parse_counts, dirs[1:], workers)
        outcomes, parsed = evaluated or ([], {})
        loader.files.add_parse_counts(parsed)
        for module, config, rendered, error in outcomes:
            self.done.add(module)
            self.record(module, config, rendered, error)

    def finish(self, dirs: list[Path]) -> TreeResult:
        """Evaluate what is left, then the dependencies outside ``dirs`` (read, not run)."""
        requested = set(dirs)
        todo = list(dirs)
        while todo:
            module = todo.pop(0)
            if module not in self.done:
                self.evaluate(module)
            loaded = self.result.nodes.get(module)
            for dep in loaded.dependency_paths if loaded else ():
                if dep not in self.done and dep not in requested:
                    self.result.external.add(dep)
                    todo.append(dep)
        return self.result


__all__ = ["ConfigLoader", "TreeResult"]
