"""Blocks the loader reads (JSON form, bare include, terraform/errors/exclude) and dependency outputs."""

from __future__ import annotations

import json
import logging
import threading
from pathlib import Path

import pytest

from orchestrator.config.loader import ConfigLoader
from orchestrator.config.outputs import resolve_outputs
from orchestrator.errors import ConfigError
from orchestrator.hcl.values import UNKNOWN
from tests.unit.config.conftest import WriteTree

VPC = Path("/live/vpc")


def test_terragrunt_hcl_json(write_tree: WriteTree, loader: ConfigLoader) -> None:
    doc = {
        "locals": {"env": "dev"},
        "iam_role": "arn:aws:iam::222222222222:role/x",
        "terraform": {"source": "../modules//net", "before_hook": {"fmt": {"commands": ["plan"], "execute": ["echo"]}}},
        "inputs": {"env": "${local.env}", "n": 2},
    }
    root = write_tree({"m/terragrunt.hcl.json": json.dumps(doc)})
    cfg = loader.load_module(root / "m")
    assert cfg.inputs == {"env": "dev", "n": 2}
    assert cfg.config_file == root / "m" / "terragrunt.hcl.json"
    assert cfg.terraform is not None and cfg.terraform.before_hook[0].name == "fmt"


def test_bare_include_exposed(write_tree: WriteTree, loader: ConfigLoader) -> None:
    root = write_tree(
        {
            "root.hcl": 'locals {\n  a = "x"\n}\ninputs = { r = 1 }\n',
            "m/terragrunt.hcl": 'include {\n  path   = find_in_parent_folders("root.hcl")\n  expose = true\n}\n'
            "inputs = { a = include.locals.a }\n",
        }
    )
    assert loader.load_module(root / "m").inputs == {"r": 1, "a": "x"}


def test_terraform_errors_exclude_blocks(write_tree: WriteTree, loader: ConfigLoader) -> None:
    root = write_tree(
        {
            "m/terragrunt.hcl": """
                terraform {
                  source = "git::https://example.com/m.git//x?ref=v1"
                  extra_arguments "vars" {
                    commands  = ["plan", "apply"]
                    arguments = ["-var", "x=1"]
                    env_vars  = { TF_LOG = "warn" }
                  }
                  after_hook "done" {
                    commands = ["apply"]
                    execute  = ["echo", "done"]
                    if       = false
                  }
                }
                errors {
                  retry "net" {
                    retryable_errors = [".*timeout.*"]
                    max_attempts     = 2
                  }
                  ignore "warn" {
                    ignorable_errors = [".*deprecated.*"]
                    message          = "fine"
                  }
                }
                exclude {
                  if      = true
                  actions = ["destroy"]
                }
                skip            = false
                prevent_destroy = true
            """
        }
    )
    cfg = loader.load_module(root / "m")
    assert cfg.terraform is not None
    assert cfg.terraform.extra_arguments[0].env_vars == {"TF_LOG": "warn"}
    assert cfg.terraform.after_hook[0].if_ is False
    assert cfg.errors is not None
    assert [r.name for r in cfg.errors.retry] == ["net"] and cfg.errors.ignore[0].message == "fine"
    assert cfg.exclude is not None and cfg.exclude.actions == ["destroy"]
    assert cfg.prevent_destroy is True


def test_ignored_blocks_logged_once(
    write_tree: WriteTree, loader: ConfigLoader, caplog: pytest.LogCaptureFixture
) -> None:
    root = write_tree(
        {"a/terragrunt.hcl": "catalog {\n  urls = []\n}\n", "b/terragrunt.hcl": "catalog {\n  urls = []\n}\n"}
    )
    with caplog.at_level(logging.DEBUG, logger="orchestrator.config.blocks"):
        loader.load_tree([root / "a", root / "b"])
    assert [r.getMessage() for r in caplog.records].count(
        "a/terragrunt.hcl: block 'catalog' is accepted but tgo does not act on it"
    ) == 1
    assert len(caplog.records) == 1


def test_outputs_unknown_when_rendering_without_mocks() -> None:
    assert resolve_outputs({"name": "vpc"}, VPC, command=None, outputs=None, pos=None) == (UNKNOWN, False)


def test_outputs_skip_disabled_and_merges() -> None:
    dep = {"name": "vpc", "skip_outputs": True, "mock_outputs": {"a": 1}}
    assert resolve_outputs(dep, VPC, command="apply", outputs=None, pos=None) == ({"a": 1}, True)
    assert resolve_outputs({"name": "v", "skip_outputs": True}, VPC, command="apply", outputs=None, pos=None) == (
        {},
        False,
    )
    deep = {
        "name": "v",
        "mock_outputs": {"m": {"a": 1, "b": 1}, "l": [1]},
        "mock_outputs_merge_strategy_with_state": "deep_map_only",
    }
    real = {VPC: {"m": {"b": 2}, "l": [2]}}
    assert resolve_outputs(deep, VPC, command="plan", outputs=real, pos=None) == (
        {"m": {"a": 1, "b": 2}, "l": [2]},
        False,
    )
    legacy = {"name": "v", "mock_outputs": {"a": 1, "b": 1}, "mock_outputs_merge_with_state": True}
    assert resolve_outputs(legacy, VPC, command="plan", outputs={VPC: {"b": 2}}, pos=None)[0] == {"a": 1, "b": 2}
    not_allowed = {**legacy, "mock_outputs_allowed_terraform_commands": ["plan"]}
    assert resolve_outputs(not_allowed, VPC, command="apply", outputs={VPC: {"b": 2}}, pos=None)[0] == {"b": 2}
    with pytest.raises(ConfigError):
        resolve_outputs(not_allowed, VPC, command="apply", outputs={VPC: {}}, pos=None)


def test_unknown_outputs_render_as_null_in_inputs(write_tree: WriteTree, loader: ConfigLoader) -> None:
    root = write_tree(
        {
            "vpc/terragrunt.hcl": "",
            "m/terragrunt.hcl": (
                'dependency "vpc" {\n  config_path = "../vpc"\n}\ninputs = { id = dependency.vpc.outputs.id }\n'
            ),
        }
    )
    cfg, rendered = loader.evaluate_module(root / "m")
    assert cfg.inputs["id"] is UNKNOWN
    # Render fetches no output: Terragrunt's outputs is null; tgo's own view is under "tgo".
    assert rendered["dependency"]["vpc"]["outputs"] is None
    assert rendered["tgo"]["dependency_outputs"]["vpc"] is UNKNOWN
    assert cfg.used_mock_outputs is False


def test_disabled_dependency_is_not_an_edge(write_tree: WriteTree, loader: ConfigLoader) -> None:
    root = write_tree({"m/terragrunt.hcl": 'dependency "gone" {\n  config_path = "../gone"\n  enabled = false\n}\n'})
    assert loader.load_module(root / "m").dependency_paths == []


def test_load_tree_collects_all_errors_and_external_dependencies(write_tree: WriteTree, loader: ConfigLoader) -> None:
    root = write_tree(
        {
            "shared/vpc/terragrunt.hcl": "",
            "live/a/terragrunt.hcl": 'dependency "vpc" {\n  config_path = "../../shared/vpc"\n}\n',
            "live/b/terragrunt.hcl": "iam_role = 1\n",
            "live/c/terragrunt.hcl": "inputs = {\n",
        }
    )
    live = root / "live"
    tree = loader.load_tree([live / "a", live / "b", live / "c"])
    assert sorted(tree.configs) == [live / "a", root / "shared/vpc"]
    assert tree.external == {root / "shared/vpc"}
    assert [e.pos.file if e.pos else None for e in tree.errors] == ["live/b/terragrunt.hcl", "live/c/terragrunt.hcl"]


def test_load_module_from_threads_parses_each_file_once(write_tree: WriteTree, loader: ConfigLoader) -> None:
    files = {"root.hcl": "inputs = { r = path_relative_to_include() }\n"}
    for i in range(8):
        files[f"m{i}/terragrunt.hcl"] = 'include "root" {\n  path = find_in_parent_folders("root.hcl")\n}\n'
    root = write_tree(files)
    results: dict[int, object] = {}

    def load(i: int) -> None:
        results[i] = loader.load_module(root / f"m{i % 8}").inputs

    threads = [threading.Thread(target=load, args=(i,)) for i in range(32)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == {i: {"r": f"m{i % 8}"} for i in range(32)}
    assert set(loader.files.parse_counts.values()) == {1}
    assert len(loader.files.parse_counts) == 9


def test_apply_never_uses_mock_outputs_even_when_allowed() -> None:
    listed = {"name": "vpc", "mock_outputs": {"id": "vpc-mock"}, "mock_outputs_allowed_terraform_commands": ["apply"]}
    unset = {"name": "vpc", "mock_outputs": {"id": "vpc-mock"}}
    for dep in (listed, unset):
        with pytest.raises(ConfigError, match="has no outputs") as info:
            resolve_outputs(dep, VPC, command="apply", outputs=None, pos=None)
        assert "never applies with mock outputs" in (info.value.hint or "")
        assert resolve_outputs(
            dep, VPC, command="plan" if dep is unset else "apply", outputs={VPC: {"x": 1}}, pos=None
        )[0] == {"x": 1}, "no mock merged into real outputs either"
    shallow = {**unset, "mock_outputs_merge_strategy_with_state": "shallow"}
    assert resolve_outputs(shallow, VPC, command="apply", outputs={VPC: {"x": 1}}, pos=None) == ({"x": 1}, False)
    assert resolve_outputs(shallow, VPC, command="plan", outputs={VPC: {"x": 1}}, pos=None)[0] == {
        "id": "vpc-mock",
        "x": 1,
    }
