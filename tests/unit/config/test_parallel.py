"""Evaluating a tree in forked children gives exactly what evaluating in-process gives."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from orchestrator.config import tree as tree_mod
from orchestrator.config.loader import MIN_PARALLEL_MODULES, ConfigLoader
from orchestrator.config.parallel import error_from_wire, error_to_wire, evaluate_shared
from orchestrator.errors import ConfigErrors, EvalError, Pos
from orchestrator.hcl.values import UNKNOWN
from tests.unit.config.conftest import WriteTree, make_runtime


def test_errors_survive_the_wire() -> None:
    err = EvalError("boom", pos=Pos("a.hcl", 3, 4), attr="inputs.x", hint="fix it")
    back = error_from_wire(error_to_wire(err))
    assert type(back) is EvalError and back.format() == err.format()
    many = error_from_wire(error_to_wire(ConfigErrors([err, err])))
    assert isinstance(many, ConfigErrors) and many.format() == "\n".join([err.format()] * 2)


def test_parallel_tree_equals_sequential(write_tree: WriteTree, tmp_path: Path) -> None:
    files = {
        "root.hcl": "inputs = { rel = path_relative_to_include() }\n",
        "vpc/terragrunt.hcl": "",
        "broken/terragrunt.hcl": '\niam_role = "nope"\n',
    }
    for i in range(MIN_PARALLEL_MODULES):
        files[f"m{i:03d}/terragrunt.hcl"] = (
            'include "root" {\n  path = find_in_parent_folders("root.hcl")\n}\n'
            'dependency "vpc" {\n  config_path = "../vpc"\n}\n'
            "inputs = { id = dependency.vpc.outputs.id }\n"
        )
    root = write_tree(files)
    modules = sorted(p.parent for p in root.rglob("terragrunt.hcl"))
    sequential = ConfigLoader(make_runtime(root)).load_tree(modules, render=True)
    loader = ConfigLoader(make_runtime(root))
    parallel = loader.load_tree(modules, workers=2, render=True)
    # Every distinct file parsed exactly once, counting the parses done in the children.
    assert loader.files.parse_counts == {p: 1 for p in root.rglob("*.hcl")}
    assert parallel.configs == sequential.configs
    assert parallel.rendered.keys() == sequential.rendered.keys() == set(parallel.configs)
    assert [e.format() for e in parallel.errors] == [e.format() for e in sequential.errors]
    assert parallel.errors[0].format().startswith("broken/terragrunt.hcl:2:1: iam_role:")
    m0 = parallel.configs[root / "m000"]
    assert m0.inputs["id"] is UNKNOWN and m0.inputs["rel"] == "m000"
    assert m0.dependency[0].pos == Pos("m000/terragrunt.hcl", 4, 1)


def test_aws_and_run_cmd_stay_in_the_parent(write_tree: WriteTree, tmp_path: Path, monkeypatch: Any) -> None:
    """Modules calling get_aws_* or run_cmd are evaluated by the parent (one credential cache, one run
    of each command); the others still go to the children; the result equals an in-process load."""
    marks = tmp_path / "marks"
    files = {"root.hcl": "inputs = { rel = path_relative_to_include() }\n"}
    include = 'include "root" {\n  path = find_in_parent_folders("root.hcl")\n}\n'
    for i in range(MIN_PARALLEL_MODULES * 2):
        extra = ""
        if i % 10 == 3:
            extra = f'iam_role = "arn:aws:iam::{100000000000 + i}:role/x"\nlocals {{ a = get_aws_account_id() }}\n'
        elif i % 10 == 7:
            extra = f'locals {{ c = run_cmd("--terragrunt-quiet", "sh", "-c", "echo $$ >> {marks}; echo ok") }}\n'
        files[f"m{i:03d}/terragrunt.hcl"] = include + extra
    root = write_tree(files)
    modules = sorted(p.parent for p in root.rglob("terragrunt.hcl"))
    asked: list[tuple[int, str | None]] = []

    def identity(role: str | None) -> dict[str, str]:
        asked.append((os.getpid(), role))
        account = (role or "arn:aws:iam::000000000000:").split(":")[4]
        return {"account_id": account, "arn": role or "", "user_id": "AID"}

    def loader() -> ConfigLoader:
        return ConfigLoader(make_runtime(root), aws_identity=identity, role_env=lambda _role: {})

    sequential = loader().load_tree(modules)
    shared: list[int] = []

    def spy(*args: Any, **kwargs: Any) -> Any:
        got = evaluate_shared(*args, **kwargs)
        shared.append(len(got[0]) if got else -1)
        return got

    monkeypatch.setattr(tree_mod, "evaluate_shared", spy)
    marks.write_text("")
    asked.clear()
    parallel_loader = loader()
    parallel = parallel_loader.load_tree(modules, workers=2)
    assert not parallel.errors and parallel.configs == sequential.configs
    assert asked and {pid for pid, _ in asked} == {os.getpid()}, "identities asked in this process only"
    parent_only = len([m for m in modules if int(m.name[1:]) % 10 in (3, 7)])
    assert len(shared) == 1, "shared out with the children although the loader calls AWS"
    assert len(modules) - 1 - parent_only <= shared[0] < len(modules) - 1, "the children left some to the parent"
    runs = marks.read_text().split()
    assert len(runs) == len([m for m in modules if int(m.name[1:]) % 10 == 7]), "each run_cmd ran once"
    # The children did the rest: their parses are counted too, every file exactly once.
    assert parallel_loader.files.parse_counts == {p: 1 for p in root.rglob("*.hcl")}


def test_without_a_parse_cache_a_module_reloaded_to_run_is_not_parsed_again(write_tree: WriteTree) -> None:
    """A run without the parse cache (``--no-cache``): the children hand back the files they parsed,
    so re-evaluating every module in the parent (as a run does before each module) parses nothing."""
    files = {"root.hcl": "inputs = { rel = path_relative_to_include() }\n"}
    include = 'include "root" {\n  path = find_in_parent_folders("root.hcl")\n}\n'
    for i in range(MIN_PARALLEL_MODULES):
        files[f"m{i:03d}/terragrunt.hcl"] = include + f"locals {{\n  n = {i}\n}}\n"
    root = write_tree(files)
    modules = sorted(p.parent for p in root.rglob("terragrunt.hcl"))
    loader = ConfigLoader(make_runtime(root), workers=2)
    tree = loader.load_tree(modules, command="plan", discovery=True)
    assert not tree.errors and len(tree.configs) == len(modules)
    for module in modules:
        assert loader.load_module(module, command="plan") == tree.configs[module]
    assert loader.files.parse_counts == {p: 1 for p in root.rglob("*.hcl")}
