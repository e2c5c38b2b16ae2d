"""The module dependency graph: nodes are module directories, edges point dependent -> dependency.

:meth:`StackGraph.build` raises :class:`~orchestrator.errors.GraphError` for a cycle (the message
prints the cycle ``a -> b -> a`` with paths relative to the working dir and the file:line of one
``dependency`` block involved) and for a dependency path that holds no loaded module.

A StackGraph is immutable after construction (every method returns new objects), so it may be
shared across threads.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

import networkx as nx

from orchestrator.config.models import ModuleConfig
from orchestrator.errors import GraphError, Pos, relpath


def _edge_pos(config: ModuleConfig, target: Path) -> Pos:
    for dep in config.dependency:
        if dep.config_path == target and dep.pos is not None:
            return dep.pos
    return config.dependencies_pos or Pos(str(config.config_file))


def _edge_attr(config: ModuleConfig, target: Path) -> str:
    for dep in config.dependency:
        if dep.config_path == target:
            return f"dependency.{dep.name}.config_path"
    return "dependencies.paths"


class StackGraph:
    """A DAG of modules. Use :meth:`build`; the constructor takes an already checked graph."""

    def __init__(self, graph: nx.DiGraph[Path]) -> None:
        self._g = graph

    @classmethod
    def build(cls, configs: Mapping[Path, ModuleConfig], *, base: Path | None = None) -> StackGraph:
        """Graph over ``configs`` (keyed by module dir). ``base`` only shortens paths in messages."""
        g: nx.DiGraph[Path] = nx.DiGraph()
        g.add_nodes_from(sorted(configs))
        for path, config in configs.items():
            for target in config.dependency_paths:
                if target not in configs:
                    raise GraphError(
                        f"dependency {relpath(target, base)} holds no module",
                        pos=_edge_pos(config, target),
                        attr=_edge_attr(config, target),
                        hint="point config_path at a directory with a terragrunt.hcl",
                    )
                g.add_edge(path, target)
        try:
            cycle = nx.find_cycle(g)
        except nx.NetworkXNoCycle:
            return cls(g)
        nodes = [edge[0] for edge in cycle]
        chain = " -> ".join(relpath(n, base) for n in [*nodes, nodes[0]])
        first, second = cycle[0][0], cycle[0][1]
        raise GraphError(
            f"dependency cycle: {chain}",
            pos=_edge_pos(configs[first], second),
            attr=_edge_attr(configs[first], second),
            hint="remove one of these dependencies",
        )

    @property
    def nodes(self) -> list[Path]:
        return sorted(self._g.nodes)

    @property
    def graph(self) -> nx.DiGraph[Path]:
        """A copy of the underlying networkx graph."""
        return self._g.copy()

    def dependencies_of(self, path: Path) -> list[Path]:
        return sorted(self._g.successors(path))

    def dependents_of(self, path: Path) -> list[Path]:
        return sorted(self._g.predecessors(path))

    def transitive_dependents(self, paths: Iterable[Path]) -> set[Path]:
        """Every module that depends (directly or not) on one of ``paths``; excludes ``paths``."""
        start = set(paths)
        out: set[Path] = set()
        for p in start:
            out |= nx.ancestors(self._g, p)
        return out - start

    def transitive_dependencies(self, paths: Iterable[Path]) -> set[Path]:
        """Every module one of ``paths`` depends on (directly or not); excludes ``paths``."""
        start = set(paths)
        out: set[Path] = set()
        for p in start:
            out |= nx.descendants(self._g, p)
        return out - start

    def subgraph(self, paths: Iterable[Path]) -> StackGraph:
        return StackGraph(nx.DiGraph(self._g.subgraph(set(paths))))

    def reversed(self) -> StackGraph:
        """The same modules with every edge flipped (dependency -> dependent), e.g. for destroy."""
        return StackGraph(nx.DiGraph(self._g.reverse(copy=True)))

    def topological_order(self) -> list[Path]:
        """Edge targets first: a module comes after everything it points to. Ties sorted by path."""
        return list(reversed(list(nx.lexicographical_topological_sort(self._g, key=str))))

    def to_json(self, root: Path) -> dict[str, list[object]]:
        rel = _Rel(root)
        return {
            "nodes": [rel(n) for n in self.nodes],
            "edges": [{"from": rel(a), "to": rel(b)} for a, b in sorted(self._g.edges)],
        }

    def to_dot(self, root: Path) -> str:
        rel = _Rel(root)
        lines = ["digraph {"]
        lines += [f'  "{rel(n)}";' for n in self.nodes]
        lines += [f'  "{rel(a)}" -> "{rel(b)}";' for a, b in sorted(self._g.edges)]
        lines.append("}")
        return "\n".join(lines) + "\n"

    def to_mermaid(self, root: Path) -> str:
        rel = _Rel(root)
        ids = {n: f"n{i}" for i, n in enumerate(self.nodes)}
        lines = ["graph TD"]
        lines += [f'  {ids[n]}["{rel(n)}"]' for n in self.nodes]
        lines += [f"  {ids[a]} --> {ids[b]}" for a, b in sorted(self._g.edges)]
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
