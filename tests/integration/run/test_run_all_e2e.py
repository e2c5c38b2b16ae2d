"""run_all end to end: the real terraform binary, state in S3 on a moto server with DynamoDB locks."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from orchestrator.app.run import RunOptions, RunServices, run_all
from orchestrator.config.models import ModuleConfig
from orchestrator.process import run_capture
from orchestrator.report.run_model import RunReport
from orchestrator.runtime import Runtime
from orchestrator.terraform.commands import TfCommand
from tests.integration.run.conftest import StubTree

pytestmark = pytest.mark.e2e


def _run(runtime: Runtime, tree: StubTree, command: str, *args: str, **kw: object) -> RunReport:
    options = RunOptions(
        command=TfCommand(command, args),
        working_dir=tree.root,
        parallelism=4,
        log_dir=tree.root.parent / f"run-{command}-{len(tree.loads)}",
        report_file=tree.root.parent / "report.json",
        **kw,  # type: ignore[arg-type]
    )
    return run_all(runtime, options, RunServices(loader=tree))


def _assert_order(report: RunReport, tree: StubTree, *, reverse: bool) -> None:
    by_path = {m.path: m for m in report.modules}
    for cfg in tree.configs.values():
        for dep in cfg.dependency_paths:
            first, then = (cfg.path, dep) if reverse else (dep, cfg.path)
            a = by_path[first.relative_to(tree.root).as_posix()]
            b = by_path[then.relative_to(tree.root).as_posix()]
            if a.status == "succeeded" and b.status == "succeeded":
                assert a.finished_at is not None and b.started_at is not None
                assert a.finished_at <= b.started_at, f"{b.path} started before {a.path} finished"


def _output(runtime: Runtime, cfg: ModuleConfig) -> str:
    res = run_capture([runtime.environ["TG_TF_PATH"], "output", "-json"], cwd=cfg.path, env=runtime.environ)
    return str(json.loads(res.stdout).get("value", {}).get("value", ""))


def test_apply_plan_destroy_over_a_tree(runtime: Runtime, stub_tree: StubTree) -> None:
    t = stub_tree
    t.add("net")
    t.add("app", ("net",))
    t.add("web", ("app",))
    t.add("solo")
    t.add("bad", tf='output "x" {\n  value = \n}\n')
    t.add("needs-bad", ("bad",))

    report = _run(runtime, t, "apply")
    status = {m.path: m.status for m in report.modules}
    assert status == {
        "net": "succeeded",
        "app": "succeeded",
        "web": "succeeded",
        "solo": "succeeded",
        "bad": "failed",
        "needs-bad": "skipped",
    }
    assert report.exit_code == 1
    assert report.module("needs-bad").reason == "skipped: dependency bad failed"
    assert report.module("bad").stderr_tail, "the root cause carries its stderr"
    _assert_order(report, t, reverse=False)
    schema = json.loads((Path(__file__).resolve().parents[3] / "schemas" / "run-report.schema.json").read_text())
    jsonschema.validate(json.loads((t.root.parent / "report.json").read_text()), schema)
    # dependency outputs flowed into inputs: web saw app's output, which saw net's
    assert _output(runtime, t.configs[(t.root / "web").resolve()]) == "none>net#0>app#0>web#0"
    assert Path(report.module("web").log_file or "").read_text().count("Apply complete") == 1

    # a second plan after apply reports no changes: exit 0 with -detailed-exitcode
    clean = _run(runtime, t, "plan", "-detailed-exitcode", exclude_dirs=("bad", "needs-bad"))
    assert clean.exit_code == 0, [(m.path, m.status, m.reason) for m in clean.modules]
    for name in ("net", "app", "web", "solo"):
        changes = clean.module(name).changes
        assert changes is not None and not changes.has_changes
        assert Path(clean.module(name).plan_file or "").is_file()
    assert clean.module("bad").status == "excluded"

    # a changed input: exit 2 and the plan counts name the change
    t.set_salt("solo", "1")
    changed = _run(runtime, t, "plan", "-detailed-exitcode", exclude_dirs=("bad", "needs-bad"))
    assert changed.exit_code == 2
    solo = changed.module("solo").changes
    assert solo is not None and solo.has_changes
    assert not changed.module("net").changes.has_changes  # type: ignore[union-attr]

    # destroy runs in reverse order
    gone = _run(runtime, t, "destroy", exclude_dirs=("bad", "needs-bad"))
    assert gone.exit_code == 0, [(m.path, m.status, m.reason) for m in gone.modules]
    _assert_order(gone, t, reverse=True)
    assert _output(runtime, t.configs[(t.root / "net").resolve()]) == ""


def test_plan_with_mocks_when_dependency_has_no_state(runtime: Runtime, stub_tree: StubTree) -> None:
    t = stub_tree
    t.add("base")
    t.add("top", ("base",), mock=True)
    report = _run(runtime, t, "plan")
    assert report.exit_code == 0, [(m.path, m.status, m.reason) for m in report.modules]
    top = report.module("top")
    assert top.used_mock_outputs
    assert top.changes is not None and top.changes.add == 0 and top.changes.has_changes  # outputs only
    assert not report.module("base").used_mock_outputs


def test_missing_terraform_binary_is_a_tool_error_before_anything_runs(runtime: Runtime, stub_tree: StubTree) -> None:
    from orchestrator.errors import ToolError

    stub_tree.add("one")
    env = dict(runtime.environ, TG_TF_PATH=str(stub_tree.root / "no-such-terraform"))
    broken = Runtime(environ=env, cwd=runtime.cwd, console=runtime.console)
    with pytest.raises(ToolError, match="no-such-terraform"):
        _run(broken, stub_tree, "plan")
    assert not (stub_tree.root / "one" / ".terraform").exists()
