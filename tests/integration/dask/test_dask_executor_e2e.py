"""The Dask executor on a local cluster of worker processes with the real terraform: results and
events come back, an account's modules share a worker, a worker killed during a plan has its module
run again, one killed during an apply is a failure that names the state lock, and the cluster's
problems at start are one-line errors."""

from __future__ import annotations

import re
from concurrent.futures import wait

import pytest

from orchestrator.errors import ToolError
from orchestrator.execution.dask_common import LOST_DURING_APPLY, WorkerSetup
from orchestrator.execution.dask_executor import connect, make_dask_executor
from orchestrator.execution.dask_spec import parse_dask_spec
from orchestrator.execution.task import ModuleEvent
from tests.integration.dask.conftest import Cluster
from tests.support.moto_server import free_port

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("dask-e2e")]


def test_plans_come_back_with_events_logs_and_account_affinity(cluster: Cluster) -> None:
    events: list[ModuleEvent] = []
    tasks = [cluster.task(f"acct-a/m{i}", "plan", account="111111111111") for i in range(2)]
    futures = [cluster.executor.submit(t, events.append) for t in tasks]
    wait(futures, timeout=120)
    results = [f.result() for f in futures]
    assert [r.status for r in results] == ["succeeded"] * 2, [r.reason for r in results]
    assert len({r.worker for r in results}) == 1  # one account, one worker with free threads: its session is reused
    for task in tasks:
        kinds = [e.kind for e in events if e.module == task.module and e.kind != "line"]
        assert kinds[0] == "started" and kinds[-1] == "finished"
        lines = [e.text for e in events if e.module == task.module and e.kind == "line"]
        assert any("Changes to Outputs" in line or "value" in line for line in lines), lines


def test_a_worker_killed_during_a_plan_has_the_module_run_again(cluster: Cluster) -> None:
    events: list[ModuleEvent] = []
    cluster.executor.refresh_workers(wait_for=2, timeout=120)  # a worker killed earlier is back
    cluster.pause("plan")
    future = cluster.executor.submit(cluster.task("killed/plan", "plan"), events.append)
    cluster.kill_paused("plan")
    result = future.result(timeout=60)
    assert result.status == "succeeded", result.reason
    assert result.attempts == 2
    assert [e.kind for e in events if e.kind == "retried"] == ["retried"]


def test_a_worker_killed_during_an_apply_fails_the_module_with_the_lock_warning(cluster: Cluster) -> None:
    cluster.executor.refresh_workers(wait_for=2, timeout=120)
    cluster.pause("apply")
    future = cluster.executor.submit(cluster.task("killed/apply", "apply", "-auto-approve"), lambda _e: None)
    cluster.kill_paused("apply")
    result = future.result(timeout=60)
    assert result.status == "failed"
    assert result.reason is not None and result.reason.startswith(LOST_DURING_APPLY)
    assert result.lock_maybe_left
    assert not (cluster.root / "killed/apply/terraform.tfstate").exists()  # never applied again


def test_an_unreachable_scheduler_is_one_line(cluster: Cluster) -> None:
    with pytest.raises(ToolError) as err:
        make_dask_executor(
            f"dask://127.0.0.1:{free_port()}",
            run_id="u",
            environ=cluster.environ,
            root=cluster.root,
            terraform=cluster.terraform,
            connect_timeout=1,
        )
    assert re.match(r"cannot reach the Dask scheduler at tcp://127\.0\.0\.1:\d+: ", err.value.format())
    assert "\n" not in err.value.format()


def test_a_worker_with_another_terraform_version_stops_the_run_before_any_task(cluster: Cluster) -> None:
    address = cluster.executor.scheduler_address
    setup = WorkerSetup(
        run_id="v", client_root=str(cluster.root), terraform=cluster.terraform, terraform_version="0.0.1"
    )
    with pytest.raises(ToolError) as err:
        connect(parse_dask_spec(address.replace("tcp://", "dask://")), run_id="v", environ=cluster.environ, setup=setup)
    text = err.value.format()
    assert "\n" not in text
    assert re.search(r"Dask worker tcp://127\.0\.0\.1:\d+ has terraform 1\.0\.3 at .*, the client 0\.0\.1", text)
