"""Which modules a run loads, runs, reads and excludes. Pure apart from discovery and loading.

Contract: :func:`select` raises ConfigErrors (every configuration error of the loaded modules),
GraphError (a cycle, printed as ``a -> b -> a``) or ConfigError (no module left to run, outside
single-module mode) before anything runs. Modules that are not run but
whose outputs a run module needs are ``read_only``: loaded, never executed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, TypeAlias

from orchestrator.config.models import Exclude, ModuleConfig
from orchestrator.discovery import discover
from orchestrator.errors import ConfigError, ConfigErrors, TgoError
from orchestrator.graph import StackGraph
from orchestrator.printable import printable
from orchestrator.terraform.commands import TfCommand


class TreeResultLike(Protocol):
    @property
    def configs(self) -> Mapping[Path, ModuleConfig]: ...

    @property
    def errors(self) -> Sequence[TgoError]: ...


class Loader(Protocol):
    """What the run engine needs from ``orchestrator.config.loader.ConfigLoader``."""

    def load_tree(self, dirs: Sequence[Path], *, command: str | None = None, discovery: bool = False) -> Any: ...

    def load_module(
        self, dir: Path, *, command: str | None = None, outputs: Mapping[Path, Mapping[str, Any]] | None = None
    ) -> ModuleConfig: ...

    def files_read(self, dir: Path) -> Sequence[Path]: ...


Placement: TypeAlias = Callable[[ModuleConfig], tuple[str | None, str | None]]
"""A module's effective (IAM role ARN, AWS account id): flags and environment beat the config, and a module
with no role is in its base credentials' account. Either may be None when it cannot be known."""


def config_placement(cfg: ModuleConfig) -> tuple[str | None, str | None]:
    """The placement the config alone gives (no overrides, no base identity)."""
    return cfg.iam_role, cfg.account_id()


@dataclass
class Selection:
    root: Path
    configs: dict[Path, ModuleConfig]
    graph: StackGraph
    run: list[Path]
    read_only: set[Path] = field(default_factory=set)
    excluded: dict[Path, str] = field(default_factory=dict)
    placement: Placement = config_placement
    _names: dict[Path, str] = field(default_factory=dict, repr=False, compare=False)
    """``display``'s answers: a module is named in every event of its run (thread-safe: a name is
    computed the same by any thread)."""

    def dag(self, *, reverse: bool) -> dict[Path, list[Path]]:
        """Run modules -> the run modules they wait for (dependents first when ``reverse``)."""
        chosen = set(self.run)
        sub = self.graph.subgraph(chosen)
        if reverse:
            return {p: [d for d in sub.dependents_of(p) if d in chosen] for p in self.run}
        return {p: [d for d in sub.dependencies_of(p) if d in chosen] for p in self.run}

    def display(self, path: Path) -> str:
        """``path`` relative to the root, with control characters escaped: it names the module in every
        console line, log file name and report (a directory name must not forge a status line). The
        root itself (``tgo run`` in a module) is named by its directory's name."""
        name = self._names.get(path)
        if name is None:
            name = self._names[path] = self._display(path)
        return name

    def _display(self, path: Path) -> str:
        try:
            if path == self.root:
                return printable(path.name or ".")
            return printable(path.relative_to(self.root).as_posix())
        except ValueError:
            return printable(str(path))


def excluded_by_block(block: Exclude | None, command: str, *, single: bool = False) -> bool:
    """Whether ``block`` keeps its unit from running ``command``: in a run of every unit when ``if`` is
    true and ``actions`` lists the command; in a run of that one unit (``single``) only with
    ``no_run = true`` as well, as Terragrunt decides (a direct run is taken as intended)."""
    if block is None:
        return False
    return block.prevents_run(command) if single else block.excludes(command)


def load_closure(
    loader: Loader, dirs: Iterable[Path], command: str | None, *, discovery: bool = False
) -> dict[Path, ModuleConfig]:
    """Load ``dirs`` and, transitively, every dependency outside them (``discovery``: see the loader)."""
    configs: dict[Path, ModuleConfig] = {}
    errors: list[TgoError] = []
    todo = sorted(set(dirs))
    while todo:
        tree = loader.load_tree(todo, command=command, discovery=discovery)
        configs.update(tree.configs)
        errors.extend(tree.errors)
        if errors:
            break
        todo = sorted({d for c in tree.configs.values() for d in c.dependency_paths if d not in configs})
    if errors:
        raise ConfigErrors.collect(errors)
    return configs


def select(
    loader: Loader,
    root: Path,
    command: TfCommand,
    *,
    include_dirs: Sequence[str] = (),
    exclude_dirs: Sequence[str] = (),
    accounts: Sequence[str] = (),
    single: bool = False,
    include_external: bool = False,
    placement: Placement = config_placement,
    reading: Sequence[Path] = (),
) -> Selection:
    root = root.resolve()
    if single:
        everything = chosen = [root]
    else:
        walk = getattr(loader, "walk", None)  # the loader's walks: the tree is walked once per command
        everything = discover(root, walk=walk)
        chosen = discover(root, include_dirs=include_dirs, exclude_dirs=exclude_dirs, walk=walk)
    # Selection needs structure (dependencies, roles, exclusions), not outputs. A discovery load binds the
    # command (exclusion is decided with it: `get_terraform_command()` in an exclude block) but leaves
    # missing dependency outputs unknown, so `run-all apply` works on a tree that was never applied.
    # Each module is re-loaded with its command and real outputs right before it runs.
    configs = load_closure(loader, chosen, command.name, discovery=True)
    graph = StackGraph.build(configs, base=root)
    excluded: dict[Path, str] = {p: "excluded by --include-dir/--exclude-dir" for p in everything if p not in configs}
    if reading:
        wanted = set(reading)
        for path in chosen:
            if not wanted.intersection(loader.files_read(path)):
                excluded[path] = "does not read any --queue-include-units-reading file"
        chosen = [p for p in chosen if p not in excluded]
    run: list[Path] = []
    for path in chosen:
        reason = _exclusion(configs[path], command, accounts, placement, single=single)
        if reason:
            excluded[path] = reason
        else:
            run.append(path)
    for path in chosen:
        # exclude_dependencies takes the unit's direct dependencies out too (Terragrunt's
        # applyExcludeModules); those another running unit needs are still read for outputs below.
        block = configs[path].exclude
        if not single and block is not None and block.exclude_dependencies and block.excludes(command.name):
            for dep in configs[path].dependency_paths:
                excluded.setdefault(dep, f"dependency of {_display(root, path)} (exclude_dependencies)")
    run = [p for p in run if p not in excluded]
    if include_external and not single:
        run += sorted(graph.transitive_dependencies(run) - set(run) - set(excluded))
    read_only = graph.transitive_dependencies(run) - set(run)
    for path in read_only:
        excluded.pop(path, None)
    selection = Selection(root, configs, graph, sorted(run), read_only, excluded, placement)
    if not run and not single:
        raise nothing_to_run(selection, len(everything))
    return selection


MAX_NAMED = 5


def nothing_to_run(selection: Selection, found: int) -> ConfigError:
    """The error (exit 3) for a run left with no module: what was searched and which filter removed
    what. A nightly job pointed at the wrong directory must fail, not report an empty success."""
    root = selection.root
    if not root.is_dir():
        what = f"{printable(str(root))} is not a directory"
    elif not found:
        what = f"no terragrunt.hcl or terragrunt.hcl.json found under {printable(str(root))}"
    else:
        by_reason: dict[str, list[str]] = {}
        for path, reason in sorted(selection.excluded.items()):
            by_reason.setdefault(reason, []).append(selection.display(path))
        removed = [
            f"{reason}: {len(names)} ({', '.join(names[:MAX_NAMED])}{', ...' if len(names) > MAX_NAMED else ''})"
            for reason, names in sorted(by_reason.items())
        ]
        what = f"{found} module(s) found under {printable(str(root))}, every one left out: " + "; ".join(removed)
    return ConfigError(f"no modules to run: {what}", hint="check --working-dir and the include/exclude/account filters")


def _display(root: Path, path: Path) -> str:
    return path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)


def _exclusion(
    cfg: ModuleConfig, command: TfCommand, accounts: Sequence[str], placement: Placement, *, single: bool
) -> str | None:
    if cfg.skip:
        return "skip = true"
    if excluded_by_block(cfg.exclude, command.name, single=single):
        actions = ", ".join(cfg.exclude.actions) if cfg.exclude else ""
        return f"exclude block (actions {actions}{'; no_run = true' if single else ''})"
    if accounts:
        account = placement(cfg)[1]
        if account not in accounts:
            return f"account {account or 'unknown'} not selected by --account"
    if command.is_destroy and cfg.prevent_destroy:
        return "prevent_destroy = true"
    return None
