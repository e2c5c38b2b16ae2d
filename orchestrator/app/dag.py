"""``tgo graph``: the module DAG of a tree as dot, json or mermaid text.

The tree is loaded as ``tgo validate`` loads it (one walk, every core, the parse cache) with the
command bound to ``graph`` for discovery, and only each module's edges come back from the loader
(:class:`~orchestrator.graph.GraphNode`), not whole configs: the graph needs nothing else.

Contract: raises ConfigErrors (every configuration error of the loaded modules), GraphError (a cycle or
a dependency that holds no module) or ConfigError (no module under ``root``). Single-threaded caller
(the loader evaluates in forked processes).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Protocol

from orchestrator.app.run_select import Selection, nothing_to_run
from orchestrator.discovery import TreeWalk, discover
from orchestrator.errors import ConfigErrors, TgoError
from orchestrator.graph import GraphNode, StackGraph

FORMATS = ("dot", "json", "mermaid")


class NodeTree(Protocol):
    @property
    def nodes(self) -> Mapping[Path, GraphNode]: ...

    @property
    def errors(self) -> Sequence[TgoError]: ...


class NodeLoader(Protocol):
    """What the graph needs of ``orchestrator.config.loader.ConfigLoader``."""

    @property
    def walk(self) -> TreeWalk: ...

    def load_tree(
        self, module_dirs: Sequence[Path], *, command: str | None = None, configs: bool = True, discovery: bool = False
    ) -> NodeTree: ...


def tree_graph(loader: NodeLoader, root: Path) -> StackGraph:
    """The DAG of every module under ``root`` plus the dependencies they name outside it."""
    root = root.resolve()
    modules = discover(root, walk=loader.walk)
    if not modules:
        raise nothing_to_run(Selection(root, {}, StackGraph({}), []), 0)
    # The loader loads the dependencies outside `modules` too (``external``), with their nodes.
    tree = loader.load_tree(modules, command="graph", configs=False, discovery=True)
    if tree.errors:
        raise ConfigErrors.collect(list(tree.errors))
    return StackGraph.build(tree.nodes, base=root)


def graph_text(loader: NodeLoader, root: Path, fmt: str) -> str:
    """``tgo graph``: the DAG of the tree under ``root`` in ``fmt`` (one of :data:`FORMATS`)."""
    graph = tree_graph(loader, root)
    root = root.resolve()
    if fmt == "json":
        return json.dumps(graph.to_json(root), indent=2)
    if fmt == "mermaid":
        return graph.to_mermaid(root)
    return graph.to_dot(root)
