"""Guard rails on the architecture: who may import what (docs/architecture.md)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[2] / "orchestrator"


def _modules() -> dict[str, ast.Module]:
    out = {}
    for path in sorted(PKG.rglob("*.py")):
        rel = path.relative_to(PKG.parent).with_suffix("")
        out[".".join(rel.parts)] = ast.parse(path.read_text(), filename=str(path))
    return out


MODULES = _modules()


def _imports(tree: ast.Module) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _importers(prefix: str) -> set[str]:
    return {
        name
        for name, tree in MODULES.items()
        if any(imp == prefix or imp.startswith(prefix + ".") for imp in _imports(tree))
    }


def test_only_process_starts_subprocesses() -> None:
    assert _importers("subprocess") <= {"orchestrator.process"}
    spawners = {
        name
        for name, tree in MODULES.items()
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == "os"
        and node.attr in {"system", "popen", "execv", "execve", "spawnv", "fork"}
    }
    assert spawners <= {"orchestrator.process"}


def test_only_the_parser_imports_hcl2() -> None:
    assert _importers("hcl2") <= {"orchestrator.hcl.parser"}
    assert _importers("lark") <= {"orchestrator.hcl.parser"}


def test_only_sts_module_builds_sts_clients() -> None:
    callers = {
        name
        for name, tree in MODULES.items()
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and node.value == "sts"
    }
    assert callers <= {"orchestrator.aws.sts"}


def test_scheduler_imports_nothing_from_the_project() -> None:
    if "orchestrator.scheduler" not in MODULES:
        pytest.fail("orchestrator/scheduler.py is missing")
    assert not {i for i in _imports(MODULES["orchestrator.scheduler"]) if i.startswith("orchestrator")}


def test_lower_layers_do_not_import_upper_layers() -> None:
    upper = ("orchestrator.cli", "orchestrator.app")
    for name, tree in MODULES.items():
        if name.startswith(upper) or name in {"orchestrator.demo", "orchestrator.__main__"}:
            continue
        bad = {i for i in _imports(tree) if i.startswith(upper)}
        assert not bad, f"{name} imports {bad}: lower layers must not depend on the CLI or use cases"


def test_hcl_layer_does_not_know_terragrunt_or_terraform_running() -> None:
    for name, tree in MODULES.items():
        if name.startswith("orchestrator.hcl"):
            bad = {
                i
                for i in _imports(tree)
                if i.startswith("orchestrator.") and not i.startswith(("orchestrator.hcl", "orchestrator.errors"))
            }
            assert not bad, f"{name} imports {bad}"


def test_no_module_level_mutable_state() -> None:
    """Module-level names bound to dict/list/set literals or calls must be constants (UPPER_CASE)
    or type aliases; caches live on objects, never on modules."""
    offenders = []
    for name, tree in MODULES.items():
        for node in tree.body:
            targets = []
            if isinstance(node, ast.Assign):
                targets = [t for t in node.targets if isinstance(t, ast.Name)]
                value = node.value
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value:
                targets = [node.target]
                value = node.value
            else:
                continue
            mutable = isinstance(value, ast.Dict | ast.List | ast.Set) or (
                isinstance(value, ast.Call)
                and isinstance(value.func, ast.Name)
                and value.func.id in {"dict", "list", "set", "defaultdict", "OrderedDict"}
            )
            for target in targets:
                if mutable and not target.id.isupper() and target.id != "__all__":
                    offenders.append(f"{name}.{target.id}")
    assert not offenders, f"module-level mutable state: {offenders}"


def test_only_the_dask_executor_imports_dask() -> None:
    """Dask is an optional extra: only the Dask executor's own modules may import it (lazily)."""
    allowed = {"orchestrator.execution.dask_executor", "orchestrator.execution.dask_worker"}
    assert _importers("distributed") | _importers("dask") <= allowed
