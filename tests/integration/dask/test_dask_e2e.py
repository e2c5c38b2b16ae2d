"""run-all and drift on Dask end to end: the reduced sample tree (3 accounts, 5 modules), moto, the
real terraform 1.0.3 and the sample provider, on a local cluster of two worker PROCESSES that get
their credentials from their own cache (the tgo-deploy role of each account).

One world and one cluster for the module: the apply on Dask makes the world the other tests read.
Also here, on the same cluster: events and logs of single tasks, account affinity, and the one-line
errors at the start (unreachable scheduler, a worker's terraform of another version)."""

from __future__ import annotations

import contextlib
import io
import itertools
import json
import os
import re
import shutil
import signal
import subprocess
import sys
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
from orchestrator.errors import ToolError
from orchestrator.execution.dask_common import LOST_DURING_APPLY, WorkerSetup
from orchestrator.execution.dask_executor import DaskExecutor, connect, make_dask_executor
from orchestrator.execution.dask_spec import parse_dask_spec
from orchestrator.execution.git_source import GitSource
from orchestrator.execution.task import ModuleEvent
from orchestrator.report.drift_model import DriftReport
from orchestrator.report.run_model import RunReport
from orchestrator.terraform.commands import TfCommand
from tests.integration.dask.conftest import MAIN_TF, WRAPPER, kill_paused, outputs_only_task
from tests.integration.drift.conftest import ACCOUNTS, World, reduce_tree
from tests.support.cli import run_tgo
from tests.support.moto_server import MotoServer, free_port
from tests.support.terraform import terraform_path

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("dask-runs-e2e")]
SCHEMA = json.loads((Path(__file__).parents[3] / "schemas" / "drift-report.schema.json").read_text())
DEV_NET, DEV_APP = "dev/us-east-1/dev/network", "dev/us-east-1/dev/app"
PROD_NET, PROD_APP = "prod/us-east-1/prod/network", "prod/us-east-1/prod/app"
WORKERS = 2
WORKER_FLAGS = ("--nthreads", "2", "--no-dashboard", "--host", "127.0.0.1", "--no-nanny")


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

    def run(
        self, command: str, *args: str, dask: bool = True, max_per_account: int | None = None, parallelism: int = 4
    ) -> RunReport:
        runtime = self.world.runtime()
        options = RunOptions(
            command=TfCommand(command, args),
            working_dir=self.world.live,
            parallelism=parallelism,
            max_per_account=max_per_account,
        )
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


def test_max_per_account_1_on_dask_never_runs_two_modules_of_an_account_at_once(dask_world: DaskWorld) -> None:
    report = dask_world.run("plan", max_per_account=1)
    assert report.exit_code == 0, dask_world.world.out.getvalue()[-3000:]
    by_account: dict[str, list[tuple[object, object]]] = {}
    for mod in report.modules:
        assert mod.account_id is not None and mod.started_at is not None and mod.finished_at is not None
        by_account.setdefault(mod.account_id, []).append((mod.started_at, mod.finished_at))
    assert len(by_account) == len(ACCOUNTS)
    for spans in by_account.values():  # the client's times enclose the worker's: no overlap here, none there
        spans.sort()
        assert all(end <= start for (_, end), (start, _) in itertools.pairwise(spans)), spans


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
    sts = dask_world.applied.sts  # the run report, built from the results: the same figures
    assert sts is not None and sts.workers == per_worker and sts.assume_role_calls >= dask_world.apply_calls


def test_a_worker_killed_during_a_plan_reruns_it_and_the_run_completes(dask_world: DaskWorld) -> None:
    dask_world.executor.refresh_workers(wait_for=WORKERS, timeout=300)
    dask_world.pause("plan", "stage/us-east-1/stage/network")
    ran: dict[str, RunReport] = {}
    # One module at a time: a plan of another module killed with the worker would leave its state lock
    # behind in the shared world (docs/scale-out.md), failing its rerun and the later tests' plans.
    plan = lambda: ran.setdefault("r", dask_world.run("plan", parallelism=1))  # noqa: E731
    thread = threading.Thread(target=plan)
    thread.start()
    kill_paused(dask_world.pause_dir, "plan")
    thread.join(timeout=300)
    mods = {m.path: m for m in ran["r"].modules}
    assert ran["r"].exit_code == 0, [(m.path, m.status, m.attempts, m.reason) for m in ran["r"].modules]
    assert mods["stage/us-east-1/stage/network"].status == "succeeded"
    assert mods["stage/us-east-1/stage/network"].attempts == 2


def test_a_worker_killed_during_an_apply_fails_it_with_the_lock_warning_and_skips_its_dependents(
    dask_world: DaskWorld,
) -> None:
    dask_world.executor.refresh_workers(wait_for=WORKERS, timeout=300)
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


def test_tasks_bring_back_events_and_logs_and_an_accounts_modules_share_a_worker(dask_world: DaskWorld) -> None:
    dask_world.executor.refresh_workers()  # a worker killed earlier may still be restarting: one is enough here
    events: list[ModuleEvent] = []
    root, tf = dask_world.pause_dir.parent / "plain", dask_world.world.box.tf_path
    tasks = [outputs_only_task(root, f"acct-a/m{i}", tf, "plan", account="111111111111") for i in range(2)]
    futures = [dask_world.executor.submit(t, events.append) for t in tasks]
    results = [f.result(timeout=120) for f in futures]
    assert [r.status for r in results] == ["succeeded"] * 2, [r.reason for r in results]
    assert len({r.worker for r in results}) == 1  # one account, one worker with free threads: its session is reused
    for task in tasks:
        kinds = [e.kind for e in events if e.module == task.module and e.kind != "line"]
        assert kinds[0] == "started" and kinds[-1] == "finished"
        lines = [e.text for e in events if e.module == task.module and e.kind == "line"]
        assert any("Changes to Outputs" in line for line in lines), lines  # the log, back from the worker


def test_an_unreachable_scheduler_is_one_line(dask_world: DaskWorld) -> None:
    with pytest.raises(ToolError) as err:
        make_dask_executor(
            f"dask://127.0.0.1:{free_port()}",
            run_id="u",
            environ=dask_world.world.box.env,
            root=dask_world.world.live,
            terraform=dask_world.world.box.tf_path,
            connect_timeout=1,
        )
    assert re.match(r"cannot reach the Dask scheduler at tcp://127\.0\.0\.1:\d+: ", err.value.format())
    assert "\n" not in err.value.format()


def test_a_worker_with_another_terraform_version_stops_the_run_before_any_task(dask_world: DaskWorld) -> None:
    address = dask_world.executor.scheduler_address
    tf = dask_world.world.box.tf_path
    setup = WorkerSetup(run_id="v", client_root=str(dask_world.world.live), terraform=tf, terraform_version="0.0.1")
    with pytest.raises(ToolError) as err:
        spec = parse_dask_spec(address.replace("tcp://", "dask://"))
        connect(spec, run_id="v", environ=dask_world.world.box.env, setup=setup)
    text = err.value.format()
    assert "\n" not in text
    assert re.search(r"Dask worker tcp://127\.0\.0\.1:\d+ has terraform 1\.0\.3 at .*, the client 0\.0\.1", text)


def test_a_scheduler_lost_mid_run_makes_running_and_later_modules_interrupted(
    dask_world: DaskWorld, tmp_path: Path
) -> None:
    env = {**os.environ, "PAUSE_DIR": str(dask_world.pause_dir)}
    port = free_port()
    dask = [sys.executable, "-m"]
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "env": env}
    scheduler = subprocess.Popen(
        [*dask, "distributed.cli.dask_scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
        **quiet,  # type: ignore[call-overload]
    )
    worker = subprocess.Popen(
        [*dask, "distributed.cli.dask_worker", f"tcp://127.0.0.1:{port}", *WORKER_FLAGS],
        **quiet,  # type: ignore[call-overload]
    )
    executor, paused = None, 0
    try:
        tf = dask_world.world.box.tf_path
        executor = make_dask_executor(
            f"dask://127.0.0.1:{port}", run_id="lost", environ=env, root=tmp_path, terraform=tf, connect_timeout=60
        )
        dask_world.pause("plan", "lost/running")
        running = executor.submit(outputs_only_task(tmp_path, "lost/running", tf, "plan"), lambda _e: None)
        paused = kill_paused(dask_world.pause_dir, "plan", kill_worker=False)
        scheduler.kill()
        result = running.result(timeout=120)
        assert (result.status, result.reason) == ("interrupted", "lost the connection to the Dask scheduler")
        assert executor.lost == "lost the connection to the Dask scheduler"
        later = executor.submit(outputs_only_task(tmp_path, "lost/later", tf, "plan"), lambda _e: None)
        assert later.result(timeout=5).status == "interrupted"
    finally:
        for proc in (scheduler, worker):
            proc.kill()
            proc.wait()
        if paused:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(paused, signal.SIGKILL)
        if executor is not None:
            executor.close()


def test_worker_root_maps_paths_and_the_account_semaphore_holds_across_the_cluster(
    dask_world: DaskWorld, tmp_path: Path
) -> None:
    """The client's tree is at one path, the workers' copy at another; with --max-per-account 1 two
    modules of one account submitted together (no tgo scheduler in between) never overlap."""
    client_root, worker_root = tmp_path / "client", tmp_path / "worker"
    tf = dask_world.world.box.tf_path
    tasks = [outputs_only_task(client_root, f"m{i}", tf, "plan", account="555555555555") for i in range(2)]
    shutil.copytree(client_root, worker_root)
    shutil.rmtree(client_root)  # only the workers' copy exists: a path not mapped would fail the plan
    spec = parse_dask_spec(dask_world.executor.scheduler_address.replace("tcp://", "dask://"))
    setup = WorkerSetup(
        run_id="wr", client_root=str(client_root), worker_root=str(worker_root), mode="env", max_per_account=1
    )
    executor = connect(spec, run_id="wr", environ=dask_world.world.box.env, setup=setup)
    try:
        results = [f.result(timeout=120) for f in [executor.submit(t, lambda _e: None) for t in tasks]]
    finally:
        executor.close()
    assert [r.status for r in results] == ["succeeded"] * 2, [r.reason for r in results]
    assert all((r.working_dir or "").startswith(str(worker_root)) for r in results)
    first, second = sorted(results, key=lambda r: r.started_at)
    assert first.finished_at <= second.started_at


def test_the_cli_runs_drift_on_a_local_dask_cluster(dask_world: DaskWorld, tmp_path: Path) -> None:
    """The README's command, through the real CLI (its own cluster of two worker processes)."""
    done = run_tgo(
        dask_world.world.box.env,
        dask_world.world.live,
        "drift",
        "--executor",
        "dask-local:2",
        "--output-dir",
        str(tmp_path),
        "--quiet",
        timeout=600,  # it starts a cluster of its own: a busy 2-core machine has taken over 120 s
    )
    assert done.returncode in {0, 2}, done.stderr[-3000:]
    assert "Traceback" not in done.stderr
    assert re.search(
        r"\[tgo\] ran on local Dask cluster \(2 worker process\(es\) x 4 thread\(s\)\); AssumeRole calls per worker: ",
        done.stderr,
    )
    report = json.loads((tmp_path / "drift.json").read_text())
    jsonschema.validate(report, SCHEMA)
    assert len(report["modules"]) == 5


def test_cli_executor_values_are_checked_before_anything_runs(dask_world: DaskWorld) -> None:
    env, live = dask_world.world.box.env, dask_world.world.live
    bad = run_tgo(env, live, "run-all", "plan", "--executor", "dask:/nowhere")
    assert bad.returncode == 64 and "--executor: 'dask:/nowhere' is not an executor" in bad.stderr
    root = run_tgo(env, live, "drift", "--worker-root", "/srv/live")
    assert root.returncode == 64 and "--worker-root needs a Dask executor" in root.stderr
    provider = run_tgo({**env, "TG_AUTH_PROVIDER_CMD": "/bin/false"}, live, "drift", "--executor", "dask-local:1")
    assert provider.returncode == 64 and "--auth-provider-cmd cannot be used with a Dask executor" in provider.stderr


def _git(cwd: Path, *args: str) -> str:
    ident = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@e", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@e"}
    env = {**os.environ, **ident, "GIT_CONFIG_NOSYSTEM": "1", "HOME": str(cwd)}
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True).stdout


def test_worker_git_runs_the_clients_commit_in_a_per_commit_checkout_on_the_workers(
    dask_world: DaskWorld, tmp_path: Path
) -> None:
    """The tree lives in a git repository; the client runs from its own clone (another path), the
    workers check the client's HEAD out of the origin into their cache, once per commit, and
    terraform runs there. Uncommitted changes are refused before any worker is asked (exit 64), a
    commit that was never pushed fails the workers' setup with one line (exit 3 through the CLI)."""
    origin = tmp_path / "origin"
    for name in ("a", "b"):
        outputs_only_task(origin / "live", name, "terraform", "plan")
    _git(origin, "init", "-q")
    _git(origin, "add", "-A")
    _git(origin, "commit", "-q", "-m", "tree")
    commit = _git(origin, "rev-parse", "HEAD").strip()
    _git(tmp_path, "clone", "-q", str(origin), "client")
    live = tmp_path / "client" / "live"
    env, address = dask_world.world.box.env, dask_world.executor.scheduler_address.replace("tcp://", "dask://")
    flags = ("--executor", address, "--worker-git", "origin", "--progress", "plain")
    done = run_tgo(env, live, "run-all", "plan", *flags, "--report-file", str(tmp_path / "report.json"))
    assert done.returncode == 0, done.stderr[-3000:]
    assert f"[tgo] the Dask workers check out commit {commit[:12]} of {origin}" in done.stderr
    report = json.loads((tmp_path / "report.json").read_text())
    checkout = Path(env["HOME"]) / ".cache" / "tgo" / "checkouts"
    dirs = {m["path"]: Path(m["working_dir"]) for m in report["modules"]}
    assert sorted(dirs) == ["a", "b"] and {m["status"] for m in report["modules"]} == {"succeeded"}
    for name, where in dirs.items():
        assert where.is_relative_to(checkout) and where.parts[-3:] == (commit, "live", name), where
        assert (where / ".terraform").is_dir()  # terraform init ran in the checkout, not in the client's clone
    assert not (live / "a" / ".terraform").exists()
    assert sorted(p.name for p in dirs["a"].parents[1].parent.iterdir()) == [".lock", commit, "repo.git"]

    (live / "a" / "main.tf").write_text(MAIN_TF.replace("v-", "w-"))
    dirty = run_tgo(env, live, "run-all", "plan", *flags)
    assert dirty.returncode == 64 and "Traceback" not in dirty.stderr, dirty.stderr
    assert f"--worker-git: uncommitted changes under {live} (live/a/main.tf)" in dirty.stderr
    _git(live, "commit", "-q", "-am", "not pushed")
    unpushed = _git(live, "rev-parse", "HEAD").strip()
    setup = WorkerSetup(run_id="gone", client_root=str(live), git=GitSource(str(origin), unpushed, str(live.parent)))
    with pytest.raises(ToolError, match=f"^Dask worker tcp://.*: commit {unpushed[:12]} is not on {origin} \\(push it"):
        connect(parse_dask_spec(address), run_id="gone", environ=env, setup=setup)
