"""The exclude block: Terragrunt's action matching, inheritance through includes (its Merge rules),
and how the run selection applies it (run-all vs a single run, exclude_dependencies)."""

from __future__ import annotations

from typing import Any

import pytest

from orchestrator.app.run_select import select
from orchestrator.config.loader import ConfigLoader
from orchestrator.config.models import Exclude
from orchestrator.errors import ConfigError, ConfigErrors
from orchestrator.terraform.commands import TfCommand
from tests.unit.config.conftest import WriteTree


def block(**kw: Any) -> Exclude:
    return Exclude.model_validate(kw)


@pytest.mark.parametrize(
    ("actions", "command", "listed"),
    [
        (["all"], "output", True),
        (["all_except_output"], "apply", True),
        (["all_except_output"], "output", False),
        (["Plan"], "plan", True),
        (["plan"], "PLAN", True),
        (["plan"], "apply", False),
        ([], "plan", False),
    ],
)
def test_actions_listed_as_terragrunt(actions: list[str], command: str, listed: bool) -> None:
    assert block(**{"if": True, "actions": actions}).lists(command) is listed


def test_if_and_no_run_decide_run_all_and_single_runs() -> None:
    assert not block(**{"if": False, "actions": ["all"], "no_run": True}).excludes("plan")
    assert block(**{"if": True, "actions": ["plan"]}).excludes("plan")
    assert not block(**{"if": True, "actions": ["plan"]}).prevents_run("plan")
    assert not block(**{"if": True, "actions": ["plan"], "no_run": False}).prevents_run("plan")
    assert block(**{"if": True, "actions": ["all"], "no_run": True}).prevents_run("output")
    assert not block(**{"if": True, "actions": ["all_except_output"], "no_run": True}).prevents_run("output")


def test_inherited_through_include_with_terragrunt_merge(write_tree: WriteTree, loader: ConfigLoader) -> None:
    root = write_tree(
        {
            "root.hcl": """
                exclude {
                  if                   = true
                  actions              = ["destroy"]
                  exclude_dependencies = true
                }
            """,
            "plain/terragrunt.hcl": 'include "root" {\n  path = find_in_parent_folders("root.hcl")\n}\n',
            # The child's if / no_run win and its unset exclude_dependencies stays unset; with no
            # actions of its own it keeps the parent's.
            "child/terragrunt.hcl": """
                include "root" {
                  path = find_in_parent_folders("root.hcl")
                }
                exclude {
                  if     = "false"
                  no_run = "true"
                }
            """,
            "deep/terragrunt.hcl": """
                include "root" {
                  path           = find_in_parent_folders("root.hcl")
                  merge_strategy = "deep"
                }
                exclude {
                  if      = true
                  actions = ["plan"]
                }
            """,
        }
    )
    plain = loader.load_module(root / "plain").exclude
    assert plain == block(**{"if": True, "actions": ["destroy"], "exclude_dependencies": True})
    assert loader.load_module(root / "child").exclude == block(**{"if": False, "actions": ["destroy"], "no_run": True})
    assert loader.load_module(root / "deep").exclude == block(**{"if": True, "actions": ["plan"]})


def test_bad_exclude_is_a_config_error_with_position(write_tree: WriteTree, loader: ConfigLoader) -> None:
    root = write_tree({"a/terragrunt.hcl": 'exclude {\n  actions = ["plan"]\n  iff = true\n}\n'})
    with pytest.raises((ConfigError, ConfigErrors)) as info:
        loader.load_module(root / "a")
    text = info.value.format()
    assert "terragrunt.hcl:1" in text and "exclude.if" in text and "'iff'" in text


def test_selection_exclude_dependencies_is_direct_and_single_runs_need_no_run(
    write_tree: WriteTree, loader: ConfigLoader
) -> None:
    root = write_tree(
        {
            "vpc/terragrunt.hcl": "",
            "db/terragrunt.hcl": 'dependencies {\n  paths = ["../vpc"]\n}\n',
            "app/terragrunt.hcl": """
                dependencies {
                  paths = ["../db"]
                }
                exclude {
                  if                   = true
                  actions              = ["apply"]
                  exclude_dependencies = true
                }
            """,
        }
    ).resolve()
    sel = select(loader, root, TfCommand("apply"))
    assert sel.run == [root / "vpc"]  # only the direct dependency db goes with app
    assert sel.excluded[root / "db"] == "dependency of app (exclude_dependencies)"
    assert [p.name for p in select(loader, root, TfCommand("plan")).run] == ["app", "db", "vpc"]
    # A direct run of app is taken as intended: the block has no no_run.
    single = select(loader, root / "app", TfCommand("apply"), single=True)
    assert single.run == [root / "app"] and root / "db" in single.read_only


def test_exclusion_is_decided_with_the_command_bound(write_tree: WriteTree, loader: ConfigLoader) -> None:
    root = write_tree(
        {
            "vpc/terragrunt.hcl": "",
            # Never applied, no mocks: selection still loads it (outputs unknown, not an error).
            "app/terragrunt.hcl": """
                dependency "vpc" {
                  config_path = "../vpc"
                }
                inputs = {
                  id = dependency.vpc.outputs.id
                }
                exclude {
                  if      = get_terraform_command() == "destroy"
                  actions = ["all"]
                }
            """,
        }
    ).resolve()
    assert [p.name for p in select(loader, root, TfCommand("apply")).run] == ["app", "vpc"]
    destroy = select(loader, root, TfCommand("destroy"))
    assert destroy.run == [root / "vpc"] and "exclude block" in destroy.excluded[root / "app"]
