"""The config loader: a module directory in, a validated :class:`ModuleConfig` out.

:class:`ConfigLoader` is the entry point; it composes three pieces, each readable alone:

- :mod:`orchestrator.config.services` — file access and the caches of one run (parsed files,
  evaluated includes, ``read_terragrunt_config`` results, ``run_cmd`` outputs, repository roots);
- :mod:`orchestrator.config.module` — one module's load: its files evaluated in phases
  (:mod:`orchestrator.config.evaluation`), and :meth:`ModuleLoad.module_variables
  <orchestrator.config.module.ModuleLoad.module_variables>`, where variables every phase sees are
  assembled;
- :mod:`orchestrator.config.tree` — a tree of modules with every error collected.

Thread-safe: the run engine may call :meth:`ConfigLoader.load_module` from worker threads; a
second load of the same module re-evaluates only what depends on dependency outputs.

Errors: every method raises :class:`~orchestrator.errors.TgoError` subclasses only (ConfigError,
EvalError, HclSyntaxError, ConfigErrors, ToolError).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from orchestrator.config.fnservices import FunctionServices
from orchestrator.config.models import ModuleConfig
from orchestrator.config.module import ModuleLoad
from orchestrator.config.parallel import no_collections
from orchestrator.config.parsecache import ParseCache
from orchestrator.config.services import AwsIdentity, LoaderServices, LoadOptions, RoleEnv
from orchestrator.config.tree import TreeLoad, TreeResult
from orchestrator.discovery import TreeWalk, config_files_under
from orchestrator.hcl.ast import Body
from orchestrator.hcl.values import Value
from orchestrator.runtime import Runtime

MIN_PARALLEL_MODULES = 64


class ConfigLoader:
    """Loads module configs for one run. Thread-safe (see module doc)."""

    def __init__(
        self,
        runtime: Runtime,
        *,
        cache: ParseCache | None = None,
        aws_identity: AwsIdentity | None = None,
        role_env: RoleEnv | None = None,
        options: LoadOptions | None = None,
        extras: FunctionServices | None = None,
        workers: int = 1,
    ) -> None:
        """``workers``: processes for :meth:`load_tree` when its caller gives none (see there)."""
        self.runtime = runtime
        self.workers = workers
        self.walk = TreeWalk()
        """This command's directory walks: discovery and the up-front parse share one walk of the tree."""
        self.services = LoaderServices(
            runtime, cache=cache, aws_identity=aws_identity, role_env=role_env, options=options, extras=extras
        )
        self.files = self.services.files
        self.files_cached = cache is not None
        self.fs = self.services.fs

    def display(self, path: Path) -> str:
        """How messages name an (absolute, resolved) file: relative to the working dir when below it."""
        return self.services.display(path)

    def load_module(
        self, module_dir: Path, *, command: str | None = None, outputs: Mapping[Path, Mapping[str, Value]] | None = None
    ) -> ModuleConfig:
        """The validated config of ``module_dir`` for ``command`` (None: render/validate)."""
        return ModuleLoad(self.services, command, outputs).evaluate(self.fs.resolve(module_dir))[0]

    def evaluate_module(
        self,
        module_dir: Path,
        *,
        command: str | None = None,
        outputs: Mapping[Path, Mapping[str, Value]] | None = None,
        discovery: bool = False,
    ) -> tuple[ModuleConfig, dict[str, Any]]:
        """(validated config, render-json form) of ``module_dir``. ``discovery``: see :meth:`load_tree`."""
        load = ModuleLoad(self.services, command, outputs, discovery=discovery)
        config, ev = load.evaluate(self.fs.resolve(module_dir))
        return config, ev.render_json()

    def hcl_files(self, root: Path) -> list[Path]:
        """Every ``*.hcl`` (and ``terragrunt.hcl.json``) under the resolved ``root``, from this command's walk."""
        return config_files_under(root, self.walk)

    def body(self, path: Path) -> Body:
        """The syntax tree of ``path`` through this loader's parsed files and parse cache. Raises
        HclSyntaxError, or ConfigError when unreadable."""
        return self.files.body(self.fs.resolve(path))

    def files_read(self, module_dir: Path) -> tuple[Path, ...]:
        """Files the loads of ``module_dir`` so far read: includes, ``read_terragrunt_config``,
        ``read_tfvars_file``, ``sops_decrypt_file``, ``mark_as_read`` and ``mark_glob_as_read``."""
        return self.services.extras.reads.files(self.fs.resolve(module_dir))

    def load_tree(
        self,
        module_dirs: Sequence[Path],
        *,
        command: str | None = None,
        prefetch: bool = True,
        workers: int | None = None,
        render: bool = False,
        configs: bool = True,
        discovery: bool = False,
    ) -> TreeResult:
        """Every module of ``module_dirs`` plus the dependencies they name; ALL errors collected.

        ``workers > 1`` (default: the loader's ``workers``) evaluates the modules in that many forked
        processes (see :mod:`orchestrator.config.parallel`); only for single-threaded callers. A module
        whose evaluation calls AWS (``get_aws_*``, KMS) or runs a ``run_cmd`` that this process has not
        run yet is evaluated here, after the children, so credentials and ``run_cmd`` outputs stay in
        this process's caches. Results are the same either way.
        ``rendered`` of the result is filled only with ``render=True`` (``render --all``); ``configs=False``
        leaves ``configs`` empty, ``nodes`` only (less to send back from the children).
        ``discovery=True`` loads for deciding what a run of ``command`` runs (Terragrunt's discovery):
        functions see ``command`` (``get_terraform_command()`` in an ``exclude`` block), while missing
        dependency outputs stay unknown (mocks allowed) as with no command, since none is fetched yet.
        """
        dirs = [self.fs.resolve(d) for d in module_dirs]
        workers = self.workers if workers is None else workers
        parallel = workers > 1 and len(dirs) >= MIN_PARALLEL_MODULES
        with no_collections() if parallel else contextlib.nullcontext():

            def evaluate(module: Path) -> tuple[ModuleConfig, dict[str, Any] | None]:
                # The render-json form only when asked for: validate and the discovery loads
                # do not use it.
                load = ModuleLoad(self.services, command, None, discovery=discovery)
                config, ev = load.evaluate(self.fs.resolve(module))
                return config, ev.render_json() if render else None

            tree = TreeLoad(evaluate, self.files, render=render, configs=configs)
            self._prefetch(dirs, prefetch, parallel)
            if parallel:
                # Without a parse cache, a module re-evaluated here to run (discovery) would be parsed
                # again: the children hand back the files they parsed, decoded here when needed.
                hand_all = discovery and not self.files_cached
                tree.in_children(dirs, workers, self.services.enter_child, hand_all=hand_all)
            return tree.finish(dirs)

    def _prefetch(self, dirs: list[Path], prefetch: bool, parallel: bool) -> None:
        """Parse up front every config file below the modules' common root."""
        if not (prefetch and dirs):
            return
        files = config_files_under(Path(os.path.commonpath([str(d) for d in dirs])), self.walk)
        if parallel:
            # Each module's own file is needed by one child only: it parses (or decodes) it
            # there, in parallel. Shared files (root.hcl, account.hcl...) are read here, once,
            # before the fork, so every distinct file is still parsed once.
            own = {self.fs.module_config(d) for d in dirs}
            self.files.preload([f for f in files if f not in own])
        else:
            self.files.prefetch(files)


__all__ = ["ConfigLoader", "LoadOptions", "TreeResult"]
