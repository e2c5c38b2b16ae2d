"""Loading a tree of modules: every requested module plus the dependencies they name, with every
error collected (deduplicated) rather than the first one raised.

:class:`TreeLoad` is the bookkeeping of one :meth:`ConfigLoader.load_tree
<orchestrator.config.loader.ConfigLoader.load_tree>` call; it evaluates modules through an
``evaluate(module) -> (config, rendered)`` callable, in this process or shared with forked children
(:mod:`orchestrator.config.parallel`). Single-threaded.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from orchestrator.config.files import FileStore
from orchestrator.config.models import ModuleConfig
from orchestrator.config.parallel import ChildHooks, evaluate_shared, pickled_each, unpickled_later
from orchestrator.errors import ConfigErrors, TgoError
from orchestrator.graph import GraphNode

EvaluateModule = Callable[[Path], tuple[ModuleConfig, dict[str, Any] | None]]
"""(config, render-json form, or None when the load does not render)."""


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


class TreeLoad:
    """The bookkeeping of one tree load (see module doc)."""

    def __init__(self, evaluate: EvaluateModule, files: FileStore, *, render: bool, configs: bool) -> None:
        self.evaluate_module = evaluate
        self.files = files
        self.render = render
        self.configs = configs
        self.result = TreeResult()
        self.seen: set[str] = set()
        self.done: set[Path] = set()

    def evaluate(self, module: Path) -> None:
        self.done.add(module)
        try:
            config, rendered = self.evaluate_module(module)
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

    def in_children(
        self, dirs: list[Path], workers: int, enter_child: Callable[[], None] = lambda: None, *, hand_all: bool = False
    ) -> None:
        """The first module in-process (it reads the shared files above the tree, such as root.hcl,
        so the children inherit them), then the others shared between this process and
        ``workers - 1`` forked children; in-process if that fails. Modules a child left to the
        parent (AWS calls, ``run_cmd``) are not done yet: :meth:`finish` evaluates them here.

        Results are recorded in ``dirs`` order whichever process evaluated them. ``hand_all``: the
        children hand back the files they parsed for every module (see ConfigLoader.load_tree)."""
        self.evaluate(dirs[0])
        render, configs, evaluate_module = self.render, self.configs, self.evaluate_module

        def evaluate(module: Path) -> tuple[ModuleConfig | GraphNode, dict[str, Any] | None]:
            config, rendered = evaluate_module(module)
            # Less to send back (and unpickle here) when unused.
            return config if configs else GraphNode.of(config), rendered if render else None

        files = self.files
        hooks = ChildHooks(
            enter_child,
            lambda modules: pickled_each(files.bodies_in(modules)),
            lambda handed: files.adopt_later(unpickled_later(handed)),
            hand_all=hand_all,
        )
        evaluated = evaluate_shared(evaluate, lambda: files.parse_counts, dirs[1:], workers, hooks)
        outcomes, parsed = evaluated or ([], {})
        files.add_parse_counts(parsed)
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


__all__ = ["TreeLoad", "TreeResult"]
