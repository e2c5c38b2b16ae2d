"""Includes through the loader: merge strategies, exposed includes, nested includes, path functions."""

from __future__ import annotations

from pathlib import Path

import pytest

from orchestrator.config.loader import ConfigLoader
from orchestrator.errors import ConfigError
from tests.unit.config.conftest import WriteTree


def test_terragrunt_layout_root_evaluated_in_child_context(write_tree: WriteTree, loader: ConfigLoader) -> None:
    root = write_tree(
        {
            "root.hcl": """
                locals {
                  acct = read_terragrunt_config(find_in_parent_folders("account.hcl"))
                }
                iam_role = "arn:aws:iam::${local.acct.locals.id}:role/deploy"
                remote_state {
                  backend = "s3"
                  config = {
                    key    = "${path_relative_to_include()}/terraform.tfstate"
                    from   = path_relative_from_include()
                    parent = get_parent_terragrunt_dir()
                    here   = get_terragrunt_dir()
                  }
                }
                inputs = { a = 1, b = 2 }
            """,
            "prod/account.hcl": 'locals {\n  id = "444444444444"\n}\n',
            "prod/eu/app/terragrunt.hcl": """
                include "root" {
                  path = find_in_parent_folders("root.hcl")
                }
                inputs = { b = 3, rel = path_relative_to_include() }
            """,
        }
    )
    module = root / "prod/eu/app"
    cfg = loader.load_module(module)
    assert cfg.iam_role == "arn:aws:iam::444444444444:role/deploy"
    assert cfg.inputs == {"a": 1, "b": 3, "rel": "prod/eu/app"}
    assert cfg.remote_state is not None
    assert cfg.remote_state.config == {
        "key": "prod/eu/app/terraform.tfstate",
        "from": "../../..",
        "parent": str(root),
        "here": str(module),
    }
    assert cfg.locals == {}


def test_exposed_include_and_merge_strategies(write_tree: WriteTree, loader: ConfigLoader) -> None:
    root = write_tree(
        {
            "common.hcl": """
                locals { component = "app" }
                inputs = { tags = { team = "a" }, list = [1] }
            """,
            "m/terragrunt.hcl": """
                include "common" {
                  path           = "../common.hcl"
                  expose         = true
                  merge_strategy = "deep"
                }
                locals { name = "${include.common.locals.component}-x" }
                inputs = { tags = { env = "dev" }, list = [2], name = local.name }
            """,
            "n/terragrunt.hcl": """
                include "common" {
                  path           = "../common.hcl"
                  expose         = true
                  merge_strategy = "no_merge"
                }
                inputs = { from_parent = include.common.inputs.list }
            """,
        }
    )
    deep = loader.load_module(root / "m")
    assert deep.inputs == {"tags": {"team": "a", "env": "dev"}, "list": [1, 2], "name": "app-x"}
    assert deep.locals == {"name": "app-x"}
    assert loader.load_module(root / "n").inputs == {"from_parent": [1]}


def test_several_includes_later_ones_win(write_tree: WriteTree, loader: ConfigLoader) -> None:
    root = write_tree(
        {
            "a.hcl": 'inputs = { x = "a", a = 1 }\n',
            "b.hcl": 'inputs = { x = "b", b = 1 }\n',
            "m/terragrunt.hcl": """
                include "a" {
                  path = "../a.hcl"
                }
                include "b" {
                  path = "../b.hcl"
                }
                inputs = { rel_a = path_relative_to_include("a") }
            """,
        }
    )
    assert loader.load_module(root / "m").inputs == {"x": "b", "a": 1, "b": 1, "rel_a": "m"}


def test_nested_includes_and_their_path_functions(write_tree: WriteTree, loader: ConfigLoader) -> None:
    root = write_tree(
        {
            "root.hcl": """
                inputs = {
                  root_rel    = path_relative_to_include()
                  root_parent = get_parent_terragrunt_dir()
                  level       = "root"
                }
            """,
            "env/env.hcl": """
                include "root" {
                  path = find_in_parent_folders("root.hcl")
                }
                inputs = {
                  env_rel = path_relative_to_include()
                  env_from = path_relative_from_include()
                  level   = "env"
                }
            """,
            "env/svc/m/terragrunt.hcl": """
                include "env" {
                  path = find_in_parent_folders("env.hcl")
                }
                inputs = { child_rel = path_relative_to_include() }
            """,
        }
    )
    cfg = loader.load_module(root / "env/svc/m")
    assert cfg.inputs == {
        "root_rel": "env/svc/m",
        "root_parent": str(root),
        "level": "env",
        "env_rel": "svc/m",
        "env_from": "../..",
        "child_rel": "svc/m",
    }


def test_include_cycle_is_reported(write_tree: WriteTree, loader: ConfigLoader) -> None:
    root = write_tree(
        {
            "a.hcl": 'include "b" {\n  path = "b.hcl"\n}\n',
            "b.hcl": 'include "a" {\n  path = "a.hcl"\n}\n',
            "m/terragrunt.hcl": 'include "a" {\n  path = "../a.hcl"\n}\n',
        }
    )
    with pytest.raises(ConfigError) as info:
        loader.load_module(root / "m")
    assert "include cycle: a.hcl -> b.hcl -> a.hcl" in info.value.format()
    assert info.value.format().startswith("b.hcl:2:")


def test_missing_include_names_file_and_line(write_tree: WriteTree, loader: ConfigLoader) -> None:
    root = write_tree({"m/terragrunt.hcl": '\ninclude "root" {\n  path = "../nope.hcl"\n}\n'})
    with pytest.raises(ConfigError) as info:
        loader.load_module(root / "m")
    assert info.value.format() == (
        "m/terragrunt.hcl:3:3: include.root.path: included file nope.hcl does not"
        " exist (fix the path, or create the file)"
    )


def test_second_load_reuses_parsed_files_and_includes(write_tree: WriteTree, loader: ConfigLoader) -> None:
    root = write_tree(
        {
            "root.hcl": (
                "locals {\n"
                '  x = read_terragrunt_config("${get_terragrunt_dir()}/../v.hcl")\n'
                "}\n"
                "inputs = { v = local.x.locals.v }\n"
            ),
            "v.hcl": "locals {\n  v = 1\n}\n",
            "m/terragrunt.hcl": 'include "root" {\n  path = find_in_parent_folders("root.hcl")\n}\n',
        }
    )
    first = loader.load_module(root / "m")
    second = loader.load_module(root / "m")
    assert first == second
    assert first.inputs == {"v": 1}
    assert set(loader.files.parse_counts.values()) == {1}
    assert len(loader.files.parse_counts) == 3
    assert isinstance(Path(first.config_file), Path)
