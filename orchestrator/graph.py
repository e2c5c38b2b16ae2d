"""The module dependency graph: nodes are module directories, edges point dependent -> dependency.

:meth:`StackGraph.build` raises :class:`~orchestrator.errors.GraphError` for a cycle (the message
prints the cycle ``a -> b -> a`` with paths relative to the working dir and the file:line of one
``dependency`` block involved) and for a dependency path that holds no loaded module.

A StackGraph is immutable after construction (every method returns new objects), so it may be
shared across threads.

:func:`check_graph` raises the same errors without building a StackGraph, for callers that only
validate (``tgo validate``): it works on :class:`GraphNode` summaries, which are cheap to send
between processes, and imports networkx (slow to import) only to describe a cycle it found.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from orchestrator.errors import GraphError, Pos, relpath

if TYPE_CHECKING:
    import networkx as nx

    from orchestrator.config.models import ModuleConfig


class _DependencyRef(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def config_path(self) -> Path: ...

    @property
    def pos(self) -> Pos | None: ...


class GraphConfig(Protocol):
    """What the graph needs of a module's config (a ModuleConfig or a :class:`GraphNode`)."""

    @property
    def config_file(self) -> Path: ...

    @property
    def dependency(self) -> Sequence[_DependencyRef]: ...

    @property
    def dependency_paths(self) -> Sequence[Path]: ...

    @property
    def dependencies_pos(self) -> Pos | None: ...


@dataclass(frozen=True, slots=True)
class DependencyRef:
    name: str
    config_path: Path
    pos: Pos | None


@dataclass(frozen=True, slots=True)
class GraphNode:
    """The part of a ModuleConfig the graph reads: its edges and where they were written."""

    config_file: Path
    dependency: tuple[DependencyRef, ...]
    dependency_paths: tuple[Path, ...]
    dependencies_pos: Pos | None

    @classmethod
    def of(cls, config: ModuleConfig) -> GraphNode:
        return cls(
            config.config_file,
            tuple(DependencyRef(d.name, d.config_path, d.pos) for d in config.dependency),
            tuple(config.dependency_paths),
            config.dependencies_pos,
        )


def _edge_pos(config: GraphConfig, target: Path) -> Pos:
    for dep in config.dependency:
        if dep.config_path == target and dep.pos is not None:
            return dep.pos
    return config.dependencies_pos or Pos(str(config.config_file))


def _edge_attr(config: GraphConfig, target: Path) -> str:
    for dep in config.dependency:
        if dep.config_path == target:
            return f"dependency.{dep.name}.config_path"
    return "dependencies.paths"


def _check_targets(configs: Mapping[Path, GraphConfig], base: Path | None) -> None:
    for config in configs.values():
        for target in config.dependency_paths:
            if target not in configs:
                raise GraphError(
                    f"dependency {relpath(target, base)} holds no module",
                    pos=_edge_pos(config, target),
                    attr=_edge_attr(config, target),
                    hint="point config_path at a directory with a terragrunt.hcl",
                )


def _has_cycle(configs: Mapping[Path, GraphConfig]) -> bool:
    """Whether the (checked) graph has a cycle: an iterative depth-first search, no networkx."""
    done: set[Path] = set()
    for start in configs:
        if start in done:
            continue
        path: set[Path] = {start}
        stack = [(start, iter(configs[start].dependency_paths))]
        while stack:
            node, targets = stack[-1]
            for target in targets:
                if target in path:
                    return True
                if target not in done:
                    path.add(target)
                    stack.append((target, iter(configs[target].dependency_paths)))
                    break
            else:
                stack.pop()
                path.discard(node)
                done.add(node)
    return False


def _networkx_graph(configs: Mapping[Path, GraphConfig]) -> nx.DiGraph[Path]:
    import networkx as nx  # slow to import: only when a graph is really built

    g: nx.DiGraph[Path] = nx.DiGraph()
    g.add_nodes_from(sorted(configs))
    for path, config in configs.items():
        for target in config.dependency_paths:
            g.add_edge(path, target)
    return g


def _raise_cycle(configs: Mapping[Path, GraphConfig], g: nx.DiGraph[Path], base: Path | None) -> None:
    """Raise GraphError naming a cycle of ``g``; return if it has none."""
    import networkx as nx

    try:
        cycle = nx.find_cycle(g)
    except nx.NetworkXNoCycle:
        return
    nodes = [edge[0] for edge in cycle]
    chain = " -> ".join(relpath(n, base) for n in [*nodes, nodes[0]])
    first, second = cycle[0][0], cycle[0][1]
    raise GraphError(
        f"dependency cycle: {chain}",
        pos=_edge_pos(configs[first], second),
        attr=_edge_attr(configs[first], second),
        hint="remove one of these dependencies",
    )


def check_graph(configs: Mapping[Path, GraphConfig], *, base: Path | None = None) -> None:
    """Raise what :meth:`StackGraph.build` raises for ``configs`` (the same error), build nothing."""
    _check_targets(configs, base)
    if _has_cycle(configs):
        _raise_cycle(configs, _networkx_graph(configs), base)


class StackGraph:
    """A DAG of modules. Use :meth:`build`; the constructor takes an already checked graph.

    Plain adjacency sets (networkx, slow to import, is only used to describe a cycle)."""

    def __init__(self, edges: Mapping[Path, Iterable[Path]]) -> None:
        """``edges``: every node -> the nodes it points to (each target also a key)."""
        self._out: dict[Path, frozenset[Path]] = {p: frozenset(targets) for p, targets in edges.items()}
        into: dict[Path, set[Path]] = {p: set() for p in self._out}
        for path, targets in self._out.items():
            for target in targets:
                into[target].add(path)
        self._in: dict[Path, frozenset[Path]] = {p: frozenset(s) for p, s in into.items()}

    @classmethod
    def build(cls, configs: Mapping[Path, GraphConfig], *, base: Path | None = None) -> StackGraph:
        """Graph over ``configs`` (keyed by module dir). ``base`` only shortens paths in messages."""
        check_graph(configs, base=base)
        return cls({path: config.dependency_paths for path, config in configs.items()})

    @property
    def nodes(self) -> list[Path]:
        return sorted(self._out)

    def _edges(self) -> list[tuple[Path, Path]]:
        return sorted((a, b) for a, targets in self._out.items() for b in targets)

    def dependencies_of(self, path: Path) -> list[Path]:
        return sorted(self._out[path])

    def dependents_of(self, path: Path) -> list[Path]:
        return sorted(self._in[path])

    @staticmethod
    def _reach(adjacency: Mapping[Path, frozenset[Path]], paths: Iterable[Path]) -> set[Path]:
        start = set(paths)
        seen: set[Path] = set()
        todo = list(start)
        while todo:
            for nxt in adjacency[todo.pop()]:
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        return seen - start

    def transitive_dependents(self, paths: Iterable[Path]) -> set[Path]:
        """Every module that depends (directly or not) on one of ``paths``; excludes ``paths``."""
        return self._reach(self._in, paths)

    def transitive_dependencies(self, paths: Iterable[Path]) -> set[Path]:
        """Every module one of ``paths`` depends on (directly or not); excludes ``paths``."""
        return self._reach(self._out, paths)

    def subgraph(self, paths: Iterable[Path]) -> StackGraph:
        """The graph induced on ``paths`` (those that are nodes of this graph)."""
        keep = {p for p in paths if p in self._out}
        return StackGraph({p: self._out[p] & keep for p in keep})

    def reversed(self) -> StackGraph:
        """The same modules with every edge flipped (dependency -> dependent), e.g. for destroy."""
        return StackGraph(self._in)

    def topological_order(self) -> list[Path]:
        """Edge targets first: a module comes after everything it points to. Ties sorted by path
        string (the reverse of a lexicographical topological sort from the sources)."""
        pending = {p: len(sources) for p, sources in self._in.items()}
        ready = [(str(p), p) for p, n in pending.items() if n == 0]
        heapq.heapify(ready)
        order: list[Path] = []
        while ready:
            _, path = heapq.heappop(ready)
            order.append(path)
            for target in self._out[path]:
                pending[target] -= 1
                if pending[target] == 0:
                    heapq.heappush(ready, (str(target), target))
        order.reverse()
        return order

    def to_json(self, root: Path) -> dict[str, list[object]]:
        rel = _Rel(root)
        return {
            "nodes": [rel(n) for n in self.nodes],
            "edges": [{"from": rel(a), "to": rel(b)} for a, b in self._edges()],
        }

    def to_dot(self, root: Path) -> str:
        rel = _Rel(root)
        lines = ["digraph {"]
        lines += [f'  "{rel(n)}";' for n in self.nodes]
        lines += [f'  "{rel(a)}" -> "{rel(b)}";' for a, b in self._edges()]
        lines.append("}")
        return "\n".join(lines) + "\n"

    def to_mermaid(self, root: Path) -> str:
        rel = _Rel(root)
        ids = {n: f"n{i}" for i, n in enumerate(self.nodes)}
        lines = ["graph TD"]
        lines += [f'  {ids[n]}["{rel(n)}"]' for n in self.nodes]
        lines += [f"  {ids[a]} --> {ids[b]}" for a, b in self._edges()]
        return "\n".join(lines) + "\n"


class _Rel:
    """Paths relative to ``root``, ``/``-separated; paths outside root keep their absolute form."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()

    def __call__(self, path: Path) -> str:
        try:
            rel = path.relative_to(self.root).as_posix()
        except ValueError:
            return path.as_posix()
        return rel or "."
