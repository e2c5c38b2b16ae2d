"""``tgo graph`` (app.dag): the real config loader on small trees, in-process and on two processes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from orchestrator.app.dag import graph_text
from orchestrator.config.loader import MIN_PARALLEL_MODULES, ConfigLoader
from orchestrator.errors import ConfigError, ConfigErrors, GraphError
from tests.unit.config.conftest import WriteTree, make_runtime

DEP = 'dependency "{name}" {{\n  config_path = "{path}"\n}}\n'


def _tree(write_tree: WriteTree, modules: int) -> Path:
    """``live/mNNN`` each depending on ``shared/vpc`` (outside ``live``), ``live/app`` on ``live/m000``."""
    files = {"shared/vpc/terragrunt.hcl": "", "live/app/terragrunt.hcl": DEP.format(name="m", path="../m000")}
    for i in range(modules):
        files[f"live/m{i:03d}/terragrunt.hcl"] = DEP.format(name="vpc", path="../../shared/vpc")
    return write_tree(files)


@pytest.mark.parametrize("workers", [1, 2])
def test_graph_has_every_module_and_the_dependencies_outside_the_root(write_tree: WriteTree, workers: int) -> None:
    root = _tree(write_tree, MIN_PARALLEL_MODULES)
    loader = ConfigLoader(make_runtime(root / "live"), workers=workers)
    shown = json.loads(graph_text(loader, root / "live", "json"))
    vpc = (root / "shared" / "vpc").resolve().as_posix()
    names = [f"m{i:03d}" for i in range(MIN_PARALLEL_MODULES)]
    assert shown["nodes"] == ["app", *names, vpc]  # sorted by path: live/... before shared/vpc
    assert shown["edges"] == [{"from": "app", "to": "m000"}] + [{"from": n, "to": vpc} for n in names]
    dot = graph_text(ConfigLoader(make_runtime(root / "live"), workers=workers), root / "live", "dot")
    assert '  "app" -> "m000";' in dot.splitlines()


def test_every_config_error_is_reported_and_a_cycle_is_a_graph_error(write_tree: WriteTree) -> None:
    root = _tree(write_tree, MIN_PARALLEL_MODULES)
    (root / "live/m003/terragrunt.hcl").write_text('iam_role = "nope"\n')
    (root / "live/m050/terragrunt.hcl").write_text("locals {\n  a = local.missing\n}\n")
    with pytest.raises(ConfigErrors) as info:
        graph_text(ConfigLoader(make_runtime(root / "live"), workers=2), root / "live", "dot")
    text = info.value.format()
    assert "m003/terragrunt.hcl:1:1: iam_role" in text and "m050/terragrunt.hcl:2" in text

    (root / "live/m003/terragrunt.hcl").write_text(DEP.format(name="app", path="../app"))
    (root / "live/m050/terragrunt.hcl").write_text("")
    (root / "live/m000/terragrunt.hcl").write_text(DEP.format(name="m", path="../m003"))
    with pytest.raises(GraphError, match="dependency cycle: "):
        graph_text(ConfigLoader(make_runtime(root / "live"), workers=2), root / "live", "dot")


def test_a_directory_without_modules_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"no modules to run: no terragrunt\.hcl"):
        graph_text(ConfigLoader(make_runtime(tmp_path)), tmp_path, "dot")
