from __future__ import annotations

from pathlib import Path

from orchestrator.discovery import discover, glob_to_regex
from tests.unit.config.conftest import WriteTree


def _tree(write_tree: WriteTree) -> Path:
    return write_tree(
        {
            "root.hcl": "",
            "prod/app/terragrunt.hcl": "",
            "prod/vpc/terragrunt.hcl.json": "{}",
            "prod/notamodule/main.tf": "",
            "dev/app/terragrunt.hcl": "",
            "dev/app/.terragrunt-cache/x/terragrunt.hcl": "",
            "dev/app/.terraform/modules/terragrunt.hcl": "",
            ".hidden/m/terragrunt.hcl": "",
        }
    )


def _rel(root: Path, paths: list[Path]) -> list[str]:
    return [p.relative_to(root.resolve()).as_posix() for p in paths]


def test_discovers_modules_sorted_skipping_caches_and_hidden(write_tree: WriteTree) -> None:
    root = _tree(write_tree)
    assert _rel(root, discover(root)) == ["dev/app", "prod/app", "prod/vpc"]


def test_include_and_exclude_globs(write_tree: WriteTree) -> None:
    root = _tree(write_tree)
    assert _rel(root, discover(root, include_dirs=["prod/*"])) == ["prod/app", "prod/vpc"]
    assert _rel(root, discover(root, include_dirs=["prod"])) == ["prod/app", "prod/vpc"]
    assert _rel(root, discover(root, exclude_dirs=["**/app"])) == ["prod/vpc"]
    assert _rel(root, discover(root, include_dirs=["prod/*"], exclude_dirs=["prod/vpc"])) == ["prod/app"]
    assert _rel(root, discover(root, include_dirs=[str(root / "dev" / "app")])) == ["dev/app"]


def test_root_itself_can_be_a_module(write_tree: WriteTree) -> None:
    root = write_tree({"terragrunt.hcl": ""})
    assert discover(root) == [root.resolve()]


def test_glob_semantics() -> None:
    assert glob_to_regex("a/*/c").match("a/b/c")
    assert not glob_to_regex("a/*/c").match("a/b/x/c")
    assert glob_to_regex("a/**/c").match("a/b/x/c")
    assert glob_to_regex("a/**/c").match("a/c")
    assert glob_to_regex("a/?").match("a/b")
    assert glob_to_regex("[ab]x").match("bx")
