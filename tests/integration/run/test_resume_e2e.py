"""``--resume REPORT``: real terraform, state in S3 on the moto server. A run with one failing module,
the module fixed, then a resumed run reruns exactly it and the dependents its failure skipped; the
merged report has the outcomes of a clean full run. A report that no longer fits the tree (another
command, a module gone) is refused with one line before anything runs."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import jsonschema
import pytest

from orchestrator.app.resume import from_run_report
from orchestrator.app.run import RunOptions, RunServices, run_all
from orchestrator.errors import UsageError
from orchestrator.report.run_model import RunReport
from orchestrator.runtime import Runtime
from orchestrator.terraform.commands import TfCommand
from tests.integration.run.conftest import MAIN_TF, StubTree

pytestmark = pytest.mark.e2e
BROKEN = 'output "x" {\n  value = \n}\n'


def _run(runtime: Runtime, tree: StubTree, name: str, command: str = "apply", **kw: object) -> RunReport:
    options = RunOptions(
        command=TfCommand(command),
        working_dir=tree.root,
        parallelism=4,
        log_dir=tree.root.parent / f"run-{name}",
        report_file=tree.root.parent / f"{name}.json",
        **kw,  # type: ignore[arg-type]
    )
    return run_all(runtime, options, RunServices(loader=tree))


def _outcomes(report: RunReport) -> dict[str, str]:
    return {m.path: m.status for m in report.modules}


def test_resume_reruns_the_failed_module_and_its_skipped_dependents(runtime: Runtime, stub_tree: StubTree) -> None:
    t = stub_tree
    t.add("net")
    t.add("app", ("net",))
    t.add("solo")
    t.add("bad", ("net",), tf=BROKEN)
    t.add("needs-bad", ("bad",))
    t.add("after-needs-bad", ("needs-bad", "app"))

    first = _run(runtime, t, "first")
    assert _outcomes(first) == {
        "net": "succeeded",
        "app": "succeeded",
        "solo": "succeeded",
        "bad": "failed",
        "needs-bad": "skipped",
        "after-needs-bad": "skipped",
    }
    report_path = t.root.parent / "first.json"

    # another command, or a module gone: refused before anything runs
    with pytest.raises(UsageError, match="was made by `apply`, not `plan`"):
        _run(runtime, t, "wrong", "plan", resume=from_run_report(report_path))
    (t.root / "bad" / "main.tf").write_text(MAIN_TF % "bad")  # the fix
    t.loads.clear()

    resumed = _run(runtime, t, "resumed", resume=from_run_report(report_path))

    rerun = sorted({d.name for d, _cmd in t.loads})
    assert rerun == ["after-needs-bad", "bad", "needs-bad"], "exactly the failed module and what it skipped"
    before = {m.path: m for m in first.modules}
    for m in resumed.modules:
        if m.path in {"net", "app", "solo"}:
            # kept as it was; a dependency's entry also says how this run read its outputs
            how = {"outputs_via", "outputs_fallback"}
            assert m.model_dump(exclude=how) == before[m.path].model_dump(exclude=how), m.path
    assert resumed.exit_code == 0
    schema = json.loads((Path(__file__).resolve().parents[3] / "schemas" / "run-report.schema.json").read_text())
    jsonschema.validate(json.loads((t.root.parent / "resumed.json").read_text()), schema)

    # the merged report has the outcomes of a clean full run of the fixed tree
    full = _run(runtime, t, "full")
    assert _outcomes(resumed) == _outcomes(full)
    assert resumed.exit_code == full.exit_code

    shutil.rmtree(t.root / "solo")
    del t.configs[(t.root / "solo").resolve()]
    with pytest.raises(UsageError, match="module\\(s\\) gone: solo"):
        _run(runtime, t, "gone", resume=from_run_report(report_path))
