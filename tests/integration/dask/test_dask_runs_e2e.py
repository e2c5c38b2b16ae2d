"""run-all and drift on Dask end to end: the reduced sample tree (3 accounts, 5 modules), moto, the
real terraform 1.0.3 and the sample provider, on a local cluster of two worker PROCESSES that get
their credentials from their own cache (the tgo-deploy role of each account).

One world and one cluster for the module: the apply on Dask makes the world the other tests read."""

from __future__ import annotations

import io
import json
import shutil
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import jsonschema
import pytest

from orchestrator.app.drift import DriftOptions, DriftResult, drift
from orchestrator.app.run import RunOptions, RunServices, run_all
from orchestrator.demo import Sandbox
from orchestrator.execution.dask_common import LOST_DURING_APPLY
from orchestrator.execution.dask_executor import DaskExecutor, make_dask_executor
from orchestrator.report.drift_model import DriftReport
from orchestrator.report.run_model import RunReport
from orchestrator.terraform.commands import TfCommand
from tests.integration.dask.conftest import WRAPPER, kill_paused
from tests.integration.drift.conftest import ACCOUNTS, World, reduce_tree
from tests.support.moto_server import MotoServer
from tests.support.terraform import terraform_path

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("dask-runs-e2e")]
SCHEMA = json.loads((Path(__file__).parents[3] / "schemas" / "drift-report.schema.json").read_text())
DEV_NET, DEV_APP = "dev/us-east-1/dev/network", "dev/us-east-1/dev/app"
PROD_NET, PROD_APP = "prod/us-east-1/prod/network", "prod/us-east-1/prod/app"
WORKERS = 2


@dataclass
class DaskWorld:
    world: World
    executor: DaskExecutor
    pause_dir: Path
    applied: RunReport
    apply_calls: int = 0
    """AssumeRole calls that reached the server from the cluster's start to the end of the apply."""

    def services(self, dask: bool) -> RunServices:
        runtime = self.world.runtime()
        services = self.world.services(runtime)
        return replace(services, executor=self.executor) if dask else services

    def run(self, command: str, *args: str, dask: bool = True) -> RunReport:
        runtime = self.world.runtime()
        options = RunOptions(command=TfCommand(command, args), working_dir=self.world.live, parallelism=4)
        return run_all(runtime, options, self.services(dask))

    def drift(self, out_dir: Path, *, dask: bool) -> DriftResult:
        runtime = self.world.runtime()
        options = DriftOptions(working_dir=self.world.live, parallelism=4, output_dir=out_dir)
        return drift(runtime, options, self.services(dask))

    def pause(self, command: str, module: str) -> None:
        (self.pause_dir / f"pause-{command}").write_text(module)


@pytest.fixture(scope="module")
def dask_world() -> Iterator[DaskWorld]:
    root = Path(tempfile.mkdtemp(prefix="tgodw", dir="/tmp"))  # short: provider sockets live under TMPDIR
    server = MotoServer().start()
    executor = None
    try:
        box = Sandbox.create(root, server.url)
        pause = root / "pause"
        pause.mkdir()
        wrapper = root / "terraform"
        wrapper.write_text(WRAPPER.format(real=terraform_path()))
        wrapper.chmod(0o755)
        box.tf_path = str(wrapper)
        box.env.update({"TG_TF_PATH": str(wrapper), "PAUSE_DIR": str(pause)})
        box.provision(ACCOUNTS)
        live = box.copy_live_tree()
        reduce_tree(live)
        world = World(box, live, server, io.StringIO())
        before = server.calls("AssumeRole")
        executor = make_dask_executor(
            f"dask-local:{WORKERS}", run_id="dw", environ=box.env, root=live, terraform=str(wrapper), threads=2
        )
        dw = DaskWorld(world, executor, pause, applied=RunReport.model_construct())
        dw.applied = dw.run("apply")
        dw.apply_calls = server.calls("AssumeRole") - before
        yield dw
    finally:
        if executor is not None:
            executor.close()
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


def _by_path(report: RunReport) -> dict[str, object]:
    return {m.path: m for m in report.modules}


def test_run_all_apply_on_dask_follows_dependencies_and_a_second_plan_is_clean(dask_world: DaskWorld) -> None:
    applied = dask_world.applied
    assert applied.exit_code == 0, dask_world.world.out.getvalue()[-3000:]
    mods = {m.path: m for m in applied.modules}
    for net, app in [(DEV_NET, DEV_APP), (PROD_NET, PROD_APP)]:
        assert mods[app].started_at is not None and mods[net].finished_at is not None
        assert mods[app].started_at >= mods[net].finished_at, (net, app)
    plan = dask_world.run("plan", "-detailed-exitcode")
    assert plan.exit_code == 0, dask_world.world.out.getvalue()[-3000:]
    assert all(m.changes is None or not m.changes.has_changes for m in plan.modules)


def _drifted(report: DriftReport) -> dict[str, list[tuple[str, str]]]:
    return {m.path: [(r.address, r.action) for r in m.resources] for m in report.modules if m.status == "drifted"}


def _resources(report: DriftReport) -> list[list[dict[str, object]]]:
    return [[r.model_dump(exclude={"first_seen"}) for r in m.resources] for m in report.modules]


def test_drift_on_dask_matches_a_local_run_and_stays_near_one_sts_call_per_role(
    dask_world: DaskWorld, tmp_path: Path
) -> None:
    box, server = dask_world.world.box, dask_world.world.server
    dev = box.client(ACCOUNTS["dev"], "s3")
    keys = [o["Key"] for o in dev.list_objects_v2(Bucket="tgo-data-222222222222", Prefix="app/")["Contents"]]
    dev.put_object(Bucket="tgo-data-222222222222", Key=sorted(keys)[0], Body=b'{"replicas": 9}')

    local = dask_world.drift(tmp_path / "local", dask=False)
    before = server.calls("AssumeRole")
    on_dask = dask_world.drift(tmp_path / "dask", dask=True)
    calls = server.calls("AssumeRole") - before

    assert on_dask.report.exit_code == local.report.exit_code == 2
    assert _drifted(on_dask.report) == _drifted(local.report) == {DEV_APP: [("tgo_s3_object.config", "update")]}
    assert [(m.path, m.status) for m in on_dask.report.modules] == [(m.path, m.status) for m in local.report.modules]
    assert _resources(on_dask.report) == _resources(local.report)  # timings aside
    jsonschema.validate(json.loads(on_dask.files["json"].read_text()), SCHEMA)
    # Each worker assumes a role once for the cluster's life (its own cache); affinity keeps it near one
    # call per role. The apply made them; this drift reused every session.
    assert len(ACCOUNTS) <= dask_world.apply_calls <= len(ACCOUNTS) * WORKERS
    assert calls == 0
    per_worker = dask_world.executor.assume_role_calls()
    assert len(per_worker) == WORKERS and sum(per_worker.values()) == dask_world.apply_calls


def test_a_worker_killed_during_a_plan_reruns_it_and_the_run_completes(dask_world: DaskWorld) -> None:
    dask_world.executor.refresh_workers(wait_for=WORKERS, timeout=120)
    dask_world.pause("plan", "stage/us-east-1/stage/network")
    ran: dict[str, RunReport] = {}
    thread = threading.Thread(target=lambda: ran.setdefault("r", dask_world.run("plan")))
    thread.start()
    kill_paused(dask_world.pause_dir, "plan")
    thread.join(timeout=300)
    mods = {m.path: m for m in ran["r"].modules}
    assert ran["r"].exit_code == 0
    assert mods["stage/us-east-1/stage/network"].status == "succeeded"
    assert mods["stage/us-east-1/stage/network"].attempts == 2


def test_a_worker_killed_during_an_apply_fails_it_with_the_lock_warning_and_skips_its_dependents(
    dask_world: DaskWorld,
) -> None:
    dask_world.executor.refresh_workers(wait_for=WORKERS, timeout=120)
    dask_world.pause("apply", DEV_NET)
    ran: dict[str, RunReport] = {}
    thread = threading.Thread(target=lambda: ran.setdefault("r", dask_world.run("apply")))
    thread.start()
    kill_paused(dask_world.pause_dir, "apply")
    thread.join(timeout=300)
    mods = {m.path: m for m in ran["r"].modules}
    assert ran["r"].exit_code == 1
    assert mods[DEV_NET].status == "failed"
    assert (mods[DEV_NET].reason or "").startswith(LOST_DURING_APPLY)
    assert mods[DEV_APP].status == "skipped"
    for path in (PROD_NET, PROD_APP, "stage/us-east-1/stage/network"):  # another apply on that worker fails alike
        mod = mods[path]
        assert (
            mod.status == "succeeded"
            or (mod.reason or "").startswith(LOST_DURING_APPLY)
            or (path == PROD_APP and mod.status == "skipped" and mods[PROD_NET].status == "failed")
        ), (path, mod.status, mod.reason)
