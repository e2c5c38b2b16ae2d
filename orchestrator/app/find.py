"""Use case of ``tgo find`` and ``tgo list``: which units and stacks a tree holds, their dependencies,
and the order a run would take, without running anything (the dry-run API CI scripts use).

Semantics follow Terragrunt 1.x's ``find``/``list``:
- a unit is a directory holding ``terragrunt.hcl`` (or ``.json``), a stack one holding
  ``terragrunt.stack.hcl``; paths are relative to the working dir (``.`` for the working dir itself);
- the default order is by path; ``dag`` orders by dependency level, dependencies first, by path within
  a level (Terragrunt's queue), and dependents first for a destroy (``queue_construct_as`` ``destroy``
  or ``plan -destroy``);
- ``dependencies`` are each unit's direct dependencies (``dependency`` blocks and ``dependencies``);
- ``external`` adds the dependencies outside the working dir to the results;
- ``queue_construct_as`` (a command and its arguments) lists exactly the units ``tgo run-all`` with that
  command would run: the same selection (``--include-dir`` / ``--exclude-dir``, ``skip``, ``exclude``
  blocks decided with that command, ``prevent_destroy`` for destroy), in DAG order.

Contract: configs are only loaded when something needs them (dependencies, dag, external, exclude,
queue_construct_as); then every configuration error of the tree is raised at once (ConfigErrors),
and a dependency cycle raises GraphError, as for ``run-all``. Nothing here prints.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from orchestrator.app.run_select import Loader, load_closure, select
from orchestrator.config.models import Exclude, ModuleConfig
from orchestrator.discovery import discover, walk_dirs
from orchestrator.errors import GraphError
from orchestrator.graph import StackGraph
from orchestrator.terraform.commands import TfCommand

STACK_FILE = "terragrunt.stack.hcl"


@dataclass(frozen=True)
class FindOptions:
    """``working_dir`` is absolute. ``queue_construct_as`` is a terraform command and its arguments."""

    working_dir: Path
    dependencies: bool = False
    dag: bool = False
    external: bool = False
    exclude: bool = False
    queue_construct_as: tuple[str, ...] = ()
    include_dirs: tuple[str, ...] = ()
    exclude_dirs: tuple[str, ...] = ()

    @property
    def needs_configs(self) -> bool:
        return self.dependencies or self.dag or self.external or self.exclude or bool(self.queue_construct_as)


@dataclass(frozen=True)
class Found:
    """One unit or stack; ``path`` and ``dependencies`` are absolute."""

    type: Literal["unit", "stack"]
    path: Path
    dependencies: tuple[Path, ...] = ()
    exclude: Exclude | None = None


def rel(path: Path, root: Path) -> str:
    """``path`` relative to ``root`` as Terragrunt prints it (``.``, ``a/b``, ``../x``)."""
    return Path(os.path.relpath(path, root)).as_posix()


def to_json(found: Sequence[Found], root: Path, opts: FindOptions) -> list[dict[str, Any]]:
    """Terragrunt's ``find --json`` shape: ``type`` and ``path``; ``dependencies`` with ``--dependencies``
    (always a list, empty when there are none); ``exclude`` with ``--exclude`` when the unit has one."""
    out: list[dict[str, Any]] = []
    for item in found:
        entry: dict[str, Any] = {"type": item.type, "path": rel(item.path, root)}
        if opts.dependencies:
            entry["dependencies"] = sorted(rel(d, root) for d in item.dependencies)
        if opts.exclude and item.exclude is not None:
            entry["exclude"] = item.exclude.model_dump(by_alias=True)
        out.append(entry)
    return out


def stack_dirs(root: Path) -> list[Path]:
    """Directories below ``root`` (``root`` included) holding a ``terragrunt.stack.hcl``."""
    return [d.resolve() for d, files in walk_dirs(root) if STACK_FILE in files]


def dag_order(paths: Iterable[Path], deps: Mapping[Path, Sequence[Path]], *, down: bool = False) -> list[Path]:
    """``paths`` level by level: a path comes after every one of its ``deps`` among ``paths`` (after
    every dependent with ``down``); by path string within a level. Raises GraphError on a cycle."""
    chosen = sorted(set(paths), key=str)
    members = set(chosen)
    waits: dict[Path, set[Path]] = {p: {d for d in deps.get(p, ()) if d in members} for p in chosen}
    if down:
        flipped: dict[Path, set[Path]] = {p: set() for p in chosen}
        for p, ds in waits.items():
            for d in ds:
                flipped[d].add(p)
        waits = flipped
    order: list[Path] = []
    done: set[Path] = set()
    remaining = chosen
    while remaining:
        level = [p for p in remaining if waits[p] <= done]
        if not level:
            raise GraphError("dependency cycle among " + ", ".join(map(str, remaining)))
        order += level
        done.update(level)
        remaining = [p for p in remaining if p not in done]
    return order


def _units(loader: Loader, opts: FindOptions) -> tuple[list[Path], dict[Path, ModuleConfig], bool]:
    """The units to list, their configs (empty when not needed) and whether the order is a destroy's."""
    root = opts.working_dir
    if opts.queue_construct_as:
        command = TfCommand(opts.queue_construct_as[0], tuple(opts.queue_construct_as[1:]))
        sel = select(
            loader,
            root,
            command,
            include_dirs=opts.include_dirs,
            exclude_dirs=opts.exclude_dirs,
            include_external=opts.external,
        )
        return list(sel.run), sel.configs, command.is_destroy
    walk = getattr(loader, "walk", None)  # the loader's walks: the tree is walked once per command
    units = discover(root, include_dirs=opts.include_dirs, exclude_dirs=opts.exclude_dirs, walk=walk)
    if not opts.needs_configs:
        return units, {}, False
    configs = load_closure(loader, units, None)
    StackGraph.build(configs, base=root)  # a cycle or a dangling dependency is an error, as for run-all
    if opts.external:
        units += [p for p in configs if not p.is_relative_to(root)]
    return units, configs, False


def find(loader: Loader, opts: FindOptions) -> list[Found]:
    """Every unit and stack of the tree, ordered and described as ``opts`` asks (see module doc)."""
    units, configs, down = _units(loader, opts)
    deps = {p: configs[p].dependency_paths for p in units if p in configs}
    found: dict[Path, Found] = {
        p: Found("unit", p, tuple(deps.get(p, ())), configs[p].exclude if p in configs else None) for p in units
    }
    for stack in stack_dirs(opts.working_dir):
        found.setdefault(stack, Found("stack", stack))
    order = dag_order(found, deps, down=down) if opts.dag or opts.queue_construct_as else sorted(found, key=str)
    return [found[p] for p in order]
