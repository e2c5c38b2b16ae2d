from __future__ import annotations

from pathlib import Path

import pytest

from orchestrator.config.models import Dependency, ModuleConfig
from orchestrator.errors import GraphError, Pos
from orchestrator.graph import StackGraph

ROOT = Path("/live")


def _cfg(name: str, *deps: str, extra: tuple[str, ...] = ()) -> ModuleConfig:
    path = ROOT / name
    dependency = []
    for i, d in enumerate(deps):
        dep = Dependency(name=d, config_path=ROOT / d)
        dep._pos = Pos(f"{name}/terragrunt.hcl", 10 + i, 1)
        dependency.append(dep)
    return ModuleConfig(
        path=path, config_file=path / "terragrunt.hcl", dependency=dependency, dependencies=[ROOT / e for e in extra]
    )


def _configs(*cfgs: ModuleConfig) -> dict[Path, ModuleConfig]:
    return {c.path: c for c in cfgs}


def test_edges_and_queries() -> None:
    g = StackGraph.build(
        _configs(_cfg("vpc"), _cfg("app", "vpc"), _cfg("dns", "app"), _cfg("db", "vpc", extra=("app",)))
    )
    assert g.dependencies_of(ROOT / "app") == [ROOT / "vpc"]
    assert g.dependents_of(ROOT / "vpc") == [ROOT / "app", ROOT / "db"]
    assert g.transitive_dependents([ROOT / "vpc"]) == {ROOT / "app", ROOT / "dns", ROOT / "db"}
    assert g.transitive_dependencies([ROOT / "dns"]) == {ROOT / "app", ROOT / "vpc"}
    order = g.topological_order()
    assert order.index(ROOT / "vpc") < order.index(ROOT / "app") < order.index(ROOT / "dns")
    rev = g.reversed()
    assert rev.dependencies_of(ROOT / "vpc") == [ROOT / "app", ROOT / "db"]
    assert g.subgraph([ROOT / "app", ROOT / "vpc"]).nodes == [ROOT / "app", ROOT / "vpc"]


def test_to_json_shape_and_text_formats() -> None:
    g = StackGraph.build(_configs(_cfg("vpc"), _cfg("app", "vpc")))
    assert g.to_json(ROOT) == {"nodes": ["app", "vpc"], "edges": [{"from": "app", "to": "vpc"}]}
    assert '"app" -> "vpc";' in g.to_dot(ROOT)
    assert "n0 --> n1" in g.to_mermaid(ROOT)


def test_cycle_message_prints_cycle_and_position() -> None:
    with pytest.raises(GraphError) as info:
        StackGraph.build(_configs(_cfg("a", "b"), _cfg("b", "c"), _cfg("c", "a")), base=ROOT)
    text = info.value.format()
    assert "dependency cycle: a -> b -> c -> a" in text
    assert text.startswith("a/terragrunt.hcl:10:1: dependency.b.config_path:")


def test_dependency_without_module_names_the_block() -> None:
    with pytest.raises(GraphError) as info:
        StackGraph.build(_configs(_cfg("app", "missing")), base=ROOT)
    assert info.value.format().startswith("app/terragrunt.hcl:10:1: dependency.missing.config_path: dependency missing")
