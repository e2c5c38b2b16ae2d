"""Which modules run, which are read only and which are excluded (fake loader, real discovery)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from orchestrator.app.run_select import select
from orchestrator.config.models import Exclude, ModuleConfig
from orchestrator.errors import ConfigError, GraphError
from orchestrator.terraform.commands import TfCommand
from tests.support.fake_loader import static_tree

ROLE = "arn:aws:iam::{}:role/deploy"


@dataclass
class FakeLoader:
    configs: dict[Path, ModuleConfig] = field(default_factory=dict)

    def load_tree(self, dirs: list[Path], *, command: str | None = None, discovery: bool = False) -> Any:
        return static_tree(self.configs, dirs)

    def load_module(self, dir: Path, *, command: str | None = None, outputs: Any = None) -> ModuleConfig:
        return self.configs[dir]


def tree(tmp_path: Path, spec: dict[str, dict[str, Any]]) -> FakeLoader:
    loader = FakeLoader()
    for name, kw in spec.items():
        d = (tmp_path / name).resolve()
        d.mkdir(parents=True, exist_ok=True)
        (d / "terragrunt.hcl").write_text("")
        deps = [(tmp_path / x).resolve() for x in kw.pop("deps", [])]
        loader.configs[d] = ModuleConfig(path=d, config_file=d / "terragrunt.hcl", dependencies=deps, **kw)
    return loader


def names(root: Path, paths: Any) -> set[str]:
    return {p.relative_to(root.resolve()).as_posix() for p in paths}


def test_filters_read_dependencies_and_reasons(tmp_path: Path) -> None:
    loader = tree(
        tmp_path,
        {
            "prod/vpc": {"iam_role": ROLE.format("111111111111")},
            "prod/app": {"deps": ["prod/vpc"], "iam_role": ROLE.format("222222222222")},
            "prod/off": {"skip": True},
            "prod/noplan": {"exclude": Exclude(**{"if": True, "actions": ["plan"]})},
            "dev/app": {},
        },
    )
    sel = select(loader, tmp_path, TfCommand("plan"), include_dirs=["prod/*"])
    assert names(tmp_path, sel.run) == {"prod/vpc", "prod/app"}
    assert sel.excluded[(tmp_path / "dev/app").resolve()].startswith("excluded by --include-dir")
    assert sel.excluded[(tmp_path / "prod/off").resolve()] == "skip = true"
    assert "exclude block" in sel.excluded[(tmp_path / "prod/noplan").resolve()]
    assert names(tmp_path, select(loader, tmp_path, TfCommand("apply")).run) >= {"prod/noplan"}

    by_account = select(loader, tmp_path, TfCommand("plan"), accounts=["222222222222"])
    assert names(tmp_path, by_account.run) == {"prod/app"}
    assert names(tmp_path, by_account.read_only) == {"prod/vpc"}, "dependencies in other accounts are read"


def test_destroy_reverses_and_honours_prevent_destroy(tmp_path: Path) -> None:
    loader = tree(tmp_path, {"a": {}, "b": {"deps": ["a"]}, "keep": {"prevent_destroy": True}})
    sel = select(loader, tmp_path, TfCommand("destroy"))
    assert names(tmp_path, sel.run) == {"a", "b"}
    assert sel.excluded[(tmp_path / "keep").resolve()] == "prevent_destroy = true"
    a, b = (tmp_path / "a").resolve(), (tmp_path / "b").resolve()
    assert sel.dag(reverse=True) == {a: [b], b: []}
    assert sel.dag(reverse=False) == {a: [], b: [a]}


def test_cycle_raises_graph_error_naming_the_cycle(tmp_path: Path) -> None:
    loader = tree(tmp_path, {"a": {"deps": ["b"]}, "b": {"deps": ["a"]}})
    with pytest.raises(GraphError, match=r"a -> b -> a|b -> a -> b"):
        select(loader, tmp_path, TfCommand("plan"))


def test_account_selection_uses_the_effective_placement(tmp_path: Path) -> None:
    """--account asks the run's placement (overrides, base identity), not only the config's role."""
    loader = tree(tmp_path, {"norole": {}, "roled": {"iam_role": ROLE.format("111111111111")}})

    def base_is_999(cfg: ModuleConfig) -> tuple[str | None, str | None]:
        return (cfg.iam_role, cfg.account_id() or "999999999999")

    sel = select(loader, tmp_path, TfCommand("plan"), accounts=["999999999999"], placement=base_is_999)
    assert names(tmp_path, sel.run) == {"norole"}
    assert sel.excluded[(tmp_path / "roled").resolve()] == "account 111111111111 not selected by --account"
    with pytest.raises(ConfigError, match="account unknown not selected by --account: 1 \\(norole\\)"):
        # with the config alone a module without a role has no account: nothing is left to run
        select(loader, tmp_path, TfCommand("plan"), accounts=["999999999999"])
