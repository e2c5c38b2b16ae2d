"""run_task and LocalExecutor against a stand-in terraform (a shell script): one ``show -json`` per
saved plan, after the ``released`` event; drift read where the plan ran; results and tasks pickle."""

from __future__ import annotations

import os
import pickle
import threading
from pathlib import Path

from orchestrator.config.models import ModuleConfig
from orchestrator.execution.local import LocalExecutor
from orchestrator.execution.run_task import WorkerServices, run_task
from orchestrator.execution.task import ModuleEvent, ModuleTask, RoleSession
from orchestrator.runtime import SystemClock
from orchestrator.terraform.commands import TfCommand

FAKE_TF = r"""#!/bin/sh
echo "$1" >> "$LOG"
case "$1" in
  init) exit 0 ;;
  output) echo '{"id": {"sensitive": false, "type": "string", "value": "v-1"}}'; exit 0 ;;
  show) echo '{"resource_changes":[{"address":"a.b","change":{"actions":["update"],
        "before":{"x":1},"after":{"x":2},"before_sensitive":{},"after_sensitive":{},"after_unknown":{}}}]}'
        exit 0 ;;
  plan)
    for a in "$@"; do case "$a" in -out=*) touch "${a#-out=}";; esac; done
    echo "Plan: 0 to add, 1 to change, 0 to destroy."; exit "${PLAN_EXIT:-2}" ;;
esac
exit 0
"""


def services(tmp_path: Path, **env: str) -> tuple[WorkerServices, Path]:
    tf = tmp_path / "terraform"
    tf.write_text(FAKE_TF)
    tf.chmod(0o755)
    log = tmp_path / "calls.log"
    base = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LOG": str(log), **env}
    return WorkerServices(base_env=base, clock=SystemClock()), log


def task(tmp_path: Path, **kw: object) -> ModuleTask:
    d = tmp_path / "mod"
    d.mkdir(exist_ok=True)
    cfg = ModuleConfig(path=d, config_file=d / "terragrunt.hcl")
    fields: dict[str, object] = {
        "run_id": "r1",
        "module": "mod",
        "root": str(tmp_path),
        "config": cfg,
        "terraform": str(tmp_path / "terraform"),
        "command": TfCommand("plan", ("-detailed-exitcode",)),
        "plan_file": str(tmp_path / "plans" / "mod.tfplan"),
        "drift_mode": "plan",
        "role": RoleSession("arn:aws:iam::111111111111:role/r", "s", 900),
        "account_id": "111111111111",
    }
    fields.update(kw)
    return ModuleTask(**fields)  # type: ignore[arg-type]


def calls(log: Path) -> list[str]:
    return log.read_text().split()


def test_a_drift_plan_shows_once_after_release_and_carries_its_drift(tmp_path: Path) -> None:
    svc, log = services(tmp_path)
    seen: list[tuple[str, list[str]]] = []

    def on_event(e: ModuleEvent) -> None:
        if e.kind != "line":
            seen.append((e.kind, calls(log) if log.exists() else []))

    result = run_task(task(tmp_path), svc, on_event)
    assert result.status == "succeeded" and result.exit_code == 2
    assert calls(log).count("show") == 1
    kinds = [k for k, _ in seen]
    assert kinds == ["started", "released", "finished"]
    released_at = dict(seen)["released"]
    assert "plan" in released_at and "show" not in released_at  # dependents never wait for show
    assert result.plan is not None and result.plan.change == 1 and result.has_changes
    assert result.drift is not None
    assert [(r.address, r.action) for r in result.drift.resources] == [("a.b", "update")]
    assert [a.name for a in result.drift.resources[0].attributes] == ["x"]


def test_a_clean_drift_plan_runs_no_show(tmp_path: Path) -> None:
    svc, log = services(tmp_path, PLAN_EXIT="0")
    result = run_task(task(tmp_path), svc)
    assert result.status == "succeeded" and result.exit_code == 0
    assert "show" not in calls(log)
    assert result.drift is not None and not result.drift.drifted


def test_an_outputs_task_returns_the_values_and_which_path_gave_them(tmp_path: Path) -> None:
    svc, _log = services(tmp_path)
    result = run_task(task(tmp_path, kind="outputs", command=TfCommand("output"), drift_mode=None), svc)
    assert result.status == "succeeded"
    assert result.outputs == {"id": "v-1"} and result.outputs_source == "terraform"


def test_a_failing_plan_is_a_failed_result_with_its_stderr_tail(tmp_path: Path) -> None:
    svc, _log = services(tmp_path, PLAN_EXIT="1")
    result = run_task(task(tmp_path), svc)
    assert result.status == "failed" and result.exit_code == 1 and result.drift is None


def test_task_and_result_pickle_without_loss(tmp_path: Path) -> None:
    svc, _log = services(tmp_path)
    t = task(tmp_path, keep_log=True)
    assert pickle.loads(pickle.dumps(t)) == t
    result = run_task(t, svc)
    back = pickle.loads(pickle.dumps(result))
    assert back == result
    assert back.log_gz is not None  # keep_log: the whole log travels with the result


def test_local_executor_runs_tasks_on_its_threads_and_sends_events(tmp_path: Path) -> None:
    svc, _log = services(tmp_path)
    events: list[str] = []
    lock = threading.Lock()

    def on_event(e: ModuleEvent) -> None:
        with lock:
            events.append(e.kind)

    ex = LocalExecutor(svc, slots=2)
    try:
        assert ex.slots == 2
        result = ex.submit(task(tmp_path), on_event).result(timeout=30)
    finally:
        ex.close()
    assert result.status == "succeeded" and result.worker == "local"
    assert events[0] == "started" and events[-1] == "finished"
