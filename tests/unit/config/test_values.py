"""``values``: the terragrunt.values.hcl next to a module, bound in every phase of every file of it."""

from __future__ import annotations

import pytest

from orchestrator.config.loader import ConfigLoader
from orchestrator.discovery import discover
from orchestrator.errors import ConfigError, TgoError
from tests.unit.config.conftest import WriteTree

ROOT = """
locals {
  env = try(values.env, "standalone")
}
remote_state {
  backend = "s3"
  config = {
    bucket = "state-${local.env}"
    key    = "${path_relative_to_include()}/terraform.tfstate"
    region = "us-east-1"
  }
}
"""


def test_values_reach_every_phase_and_included_files(write_tree: WriteTree, loader: ConfigLoader) -> None:
    root = write_tree(
        {
            "root.hcl": ROOT,
            "live/.terragrunt-stack/net/terragrunt.hcl": "",
            "live/.terragrunt-stack/app/terragrunt.values.hcl": """
                env      = "dev"
                net_path = "../net"
                version  = "v1.2.3"
                sizes    = { small = 1 }
            """,
            "live/.terragrunt-stack/app/terragrunt.hcl": """
                include "root" {
                  path = find_in_parent_folders("root.hcl")
                }
                locals {
                  read = read_terragrunt_config("terragrunt.values.hcl")
                }
                terraform {
                  source = "git::https://example.com/m.git//app?ref=${values.version}"
                }
                dependency "net" {
                  config_path = values.net_path
                }
                inputs = {
                  size    = values.sizes.small
                  default = try(values.missing, "d")
                  read    = local.read.env
                }
            """,
        }
    )
    app = root / "live/.terragrunt-stack/app"
    cfg, rendered = loader.evaluate_module(app)
    assert cfg.terraform is not None and cfg.terraform.source.endswith("?ref=v1.2.3")
    assert cfg.dependency_paths == [(root / "live/.terragrunt-stack/net").resolve()]
    assert cfg.inputs == {"size": 1, "default": "d", "read": "dev"}
    assert cfg.remote_state is not None
    # root.hcl, evaluated in the unit's context, sees the unit's values; the key keeps .terragrunt-stack
    assert cfg.remote_state.config["bucket"] == "state-dev"
    assert cfg.remote_state.config["key"] == "live/.terragrunt-stack/app/terraform.tfstate"
    # without a values file, values is undefined and try() gives the default
    net, _ = loader.evaluate_module(root / "live/.terragrunt-stack/net")
    assert net.remote_state is None
    assert discover(root / "live") == [(root / "live/.terragrunt-stack/app"), (root / "live/.terragrunt-stack/net")]
    assert "values" not in rendered


def test_values_undefined_without_a_file(write_tree: WriteTree, loader: ConfigLoader) -> None:
    root = write_tree({"m/terragrunt.hcl": 'inputs = {\n  a = try(values.a, "d")\n  b = values.b\n}\n'})
    with pytest.raises(TgoError, match="values"):
        loader.evaluate_module(root / "m")
    (root / "m/terragrunt.hcl").write_text('inputs = {\n  a = try(values.a, "d")\n}\n')
    assert ConfigLoader(loader.services.runtime).load_module(root / "m").inputs == {"a": "d"}


def test_a_directory_with_both_files_is_an_error(write_tree: WriteTree, loader: ConfigLoader) -> None:
    root = write_tree({"m/terragrunt.hcl": "inputs = {}\n", "m/terragrunt.stack.hcl": "locals {}\n"})
    with pytest.raises(ConfigError, match=r"holds both terragrunt.hcl and terragrunt.stack.hcl") as info:
        loader.evaluate_module(root / "m")
    assert info.value.pos is not None and info.value.pos.file.endswith("m/terragrunt.stack.hcl")


def test_discovery_skips_other_hidden_directories(write_tree: WriteTree) -> None:
    root = write_tree(
        {
            "a/.terragrunt-stack/u/terragrunt.hcl": "",
            "a/.terragrunt-stack/u/.terragrunt-cache/x/terragrunt.hcl": "",
            "a/.hidden/terragrunt.hcl": "",
            "a/.terraform/terragrunt.hcl": "",
            "a/stack/terragrunt.stack.hcl": "",
        }
    )
    assert discover(root) == [root / "a/.terragrunt-stack/u"]
