"""Evaluating a tree in forked children gives exactly what evaluating in-process gives."""

from __future__ import annotations

from pathlib import Path

from orchestrator.config.loader import MIN_PARALLEL_MODULES, ConfigLoader
from orchestrator.config.parallel import error_from_wire, error_to_wire
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
    sequential = ConfigLoader(make_runtime(root)).load_tree(modules)
    loader = ConfigLoader(make_runtime(root))
    parallel = loader.load_tree(modules, workers=2)
    # Every distinct file parsed exactly once, counting the parses done in the children.
    assert loader.files.parse_counts == {p: 1 for p in root.rglob("*.hcl")}
    assert parallel.configs == sequential.configs
    assert parallel.rendered.keys() == sequential.rendered.keys()
    assert [e.format() for e in parallel.errors] == [e.format() for e in sequential.errors]
    assert parallel.errors[0].format().startswith("broken/terragrunt.hcl:2:1: iam_role:")
    m0 = parallel.configs[root / "m000"]
    assert m0.inputs["id"] is UNKNOWN and m0.inputs["rel"] == "m000"
    assert m0.dependency[0].pos == Pos("m000/terragrunt.hcl", 4, 1)
