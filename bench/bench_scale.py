"""Scale-out on Dask: ``run-all plan`` over N modules whose stand-in terraform sleeps S seconds per plan,
on ``dask-local`` with 1, 2, 4 and 8 worker processes x 8 threads. Per cluster size it prints the
makespan versus the ideal (N x S / slots), the client's CPU per module, and the AssumeRole calls the
workers made (each module has the role of one of K accounts; a moto server in its own process
answers STS).

What runs is tgo's real run engine (selection, its scheduler, the per-module runner, the report) and
the real Dask executor and worker plugin; only the config loader is a stand-in that hands out
prepared configs (HCL evaluation is measured by bench_parse.py / bench_drift.py), and terraform is a
shell script (``version -json`` answers 1.0.3, ``plan`` sleeps).

CPU per module, the steadier figure on a shared machine (wall-clock makespans there are mostly
other people's load): ``client`` is this process's CPU time during the run, which with
``dask-local`` also includes the Dask scheduler and the nannies (they live in the client process);
``--scheduler-process`` starts the scheduler and workers as separate processes (``dask scheduler`` /
``dask worker``) and connects with ``dask://``, so ``client`` is the tgo client's alone, ``sched``
the Dask scheduler's, ``worker`` the worker processes' own CPU (tgo's task code, Dask's worker) and
``tf`` their children's (the stand-in terraform: a shell per terraform call).

The ``projected`` column is a projection, not a measurement: the makespan at that many slots on a
machine with a free core per process, ``max(modules x (sleep + overhead) / slots, modules x client,
modules x sched)`` where ``overhead`` is the measured CPU per module of client, scheduler, worker
and tf together (counted as if all of it delayed the module's slot) and the client and scheduler,
one process each, bound the rate from below.

``--base COMMIT`` measures that commit and the current tree in one run, interleaved per cluster
size (a detached ``git worktree`` of the commit; each side runs this script with its own code on
``PYTHONPATH``, workers included), and prints the ratios current / base.

    .venv/bin/python bench/bench_scale.py [--modules 1000] [--sleep 1.0] [--workers 1,2,4,8]
        [--threads 8] [--accounts 20] [--scheduler-process] [--base COMMIT] [--rounds 1]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

CODE = Path(os.environ.get("TGO_BENCH_CODE") or Path(__file__).resolve().parents[1])
sys.path.insert(0, str(CODE))

import psutil  # noqa: E402

from orchestrator.app.run import RunOptions, RunServices, run_all  # noqa: E402
from orchestrator.config.models import ModuleConfig  # noqa: E402
from orchestrator.execution.dask_executor import make_dask_executor  # noqa: E402
from orchestrator.runtime import Console, Runtime  # noqa: E402
from orchestrator.terraform.commands import TfCommand  # noqa: E402
from tests.support.fake_loader import static_tree  # noqa: E402
from tests.support.moto_server import free_port  # noqa: E402

STAND_IN = """#!/bin/sh
case "$1" in
  version) echo '{{"terraform_version":"1.0.3"}}' ;;
  plan) sleep {sleep} ;;
esac
exit 0
"""


class Loader:
    """Prepared configs for the run engine (no HCL)."""

    def __init__(self, configs: dict[Path, ModuleConfig]) -> None:
        self.configs = configs

    def load_tree(self, dirs: Sequence[Path], *, command: str | None = None, discovery: bool = False) -> Any:
        return static_tree(self.configs, list(dirs))

    def load_module(
        self, dir: Path, *, command: str | None = None, outputs: Mapping[Path, Mapping[str, Any]] | None = None
    ) -> ModuleConfig:
        return self.configs[dir]

    def files_read(self, dir: Path) -> Sequence[Path]:
        return []


def write_tree(root: Path, modules: int, accounts: int) -> dict[Path, ModuleConfig]:
    configs = {}
    for i in range(modules):
        path = root / f"m{i:05d}"
        path.mkdir(parents=True)
        (path / "terragrunt.hcl").write_text("")
        account = f"{100000000000 + i % accounts:012d}"
        configs[path] = ModuleConfig(
            path=path, config_file=path / "terragrunt.hcl", iam_role=f"arn:aws:iam::{account}:role/tgo-deploy"
        )
    return configs


def start_moto(port: int) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(2.0)
    return proc


def start_separate_cluster(workers: int, threads: int, env: Mapping[str, str]) -> tuple[str, list[Any]]:
    port = free_port()
    dask = [sys.executable, "-m"]
    procs = [
        subprocess.Popen(
            [*dask, "distributed.cli.dask_scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
            env=dict(env),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    ]
    time.sleep(2.0)
    worker_flags = ["--nthreads", str(threads), "--no-dashboard", "--host", "127.0.0.1", "--no-nanny"]
    procs += [
        subprocess.Popen(
            [*dask, "distributed.cli.dask_worker", f"tcp://127.0.0.1:{port}", *worker_flags],
            env=dict(env),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(workers)
    ]
    return f"dask://127.0.0.1:{port}", procs


def cpu_seconds(procs: Sequence[psutil.Process]) -> tuple[float, float]:
    """(own, waited-for children's) CPU seconds of ``procs`` so far; a process gone counts 0."""
    own = children = 0.0
    for proc in procs:
        try:
            t = proc.cpu_times()
        except psutil.Error:
            continue
        own += t.user + t.system
        children += t.children_user + t.children_system
    return own, children


def cluster_processes(procs: Sequence[Any], skip: set[int]) -> tuple[list[psutil.Process], list[psutil.Process]]:
    """(scheduler, workers) processes: the separate ones started here, else this process's children
    (``dask-local``'s nannies and workers; the scheduler is then in this process)."""
    if procs:
        return [psutil.Process(procs[0].pid)], [psutil.Process(p.pid) for p in procs[1:]]
    kids = [k for k in psutil.Process().children(recursive=True) if k.pid not in skip]
    return [], kids


def one(args: argparse.Namespace, workers: int, root: Path, env: dict[str, str], skip: set[int]) -> dict[str, float]:
    configs = write_tree(root / f"live{workers}", args.modules, args.accounts)
    live = root / f"live{workers}"
    out = io.StringIO()
    runtime = Runtime(environ=env, cwd=live, console=Console(out, out, color=False))
    procs: list[Any] = []
    value = f"dask-local:{workers}"
    if args.scheduler_process:
        value, procs = start_separate_cluster(workers, args.threads, env)
    t_up = time.monotonic()
    executor = make_dask_executor(
        value,
        run_id=f"bench{workers}",
        environ=env,
        root=live,
        terraform=env["TG_TF_PATH"],
        mode="env",
        threads=args.threads,
        connect_timeout=120,
    )
    if args.scheduler_process:
        executor.refresh_workers(wait_for=workers, timeout=120)
    up = time.monotonic() - t_up
    slots = executor.slots
    services = RunServices(loader=Loader(configs), executor=executor)
    options = RunOptions(command=TfCommand("plan"), working_dir=live, parallelism=slots, log_dir=root / f"run{workers}")
    try:
        # Warm-up on a few modules: imports and the workers' first STS calls are paid once per process,
        # not per module (a nightly run amortises them over thousands of modules).
        warm_live = root / f"warm{workers}"
        warm = write_tree(warm_live, min(args.modules, 2 * args.accounts), args.accounts)
        warm_options = RunOptions(
            command=TfCommand("plan"), working_dir=warm_live, parallelism=slots, log_dir=root / f"warmrun{workers}"
        )
        run_all(runtime, warm_options, RunServices(loader=Loader(warm), executor=executor))
        sched, workers_p = cluster_processes(procs, skip)
        s0, w0 = cpu_seconds(sched), cpu_seconds(workers_p)
        load0 = os.getloadavg()[0]
        cpu0, t0 = time.process_time(), time.monotonic()
        report = run_all(runtime, options, services)
        makespan, cpu = time.monotonic() - t0, time.process_time() - cpu0
        s1, w1 = cpu_seconds(sched), cpu_seconds(workers_p)
        calls = executor.assume_role_calls()
    finally:
        executor.close()
        for proc in procs:
            proc.kill()
            proc.wait()
    failed = [m for m in report.modules if m.status != "succeeded"]
    if failed:
        print(f"  {len(failed)} module(s) did not succeed, e.g. {failed[0].path}: {failed[0].reason}")
    n = args.modules
    ideal = n * args.sleep / slots
    per = {
        "client": cpu / n,
        "sched": (s1[0] - s0[0]) / n,
        "worker": (w1[0] - w0[0]) / n,
        "tf": (w1[1] - w0[1]) / n,
    }
    overhead = sum(per.values())
    projected = max(n * (args.sleep + overhead) / slots, n * per["client"], n * per["sched"])
    return {
        "workers": workers,
        "slots": slots,
        "up_s": up,
        "makespan_s": makespan,
        "ideal_s": ideal,
        "ratio": makespan / ideal,
        **{f"{k}_ms": 1000 * v for k, v in per.items()},
        "projected_s": projected,
        "projected_ratio": projected / ideal,
        "assume_role_calls": sum(calls.values()),
        "load": (load0 + os.getloadavg()[0]) / 2,
    }


HEADER = (
    "workers slots  start_s  makespan_s  ideal_s  ratio | CPU ms/module: client  sched  worker     tf"
    " | projected_s ratio | AssumeRole  load"
)


def row(r: Mapping[str, float], label: str = "") -> str:
    return (
        f"{label}{int(r['workers']):7d} {int(r['slots']):5d} {r['up_s']:8.1f} {r['makespan_s']:11.1f} "
        f"{r['ideal_s']:8.1f} {r['ratio']:6.2f} | {r['client_ms']:20.2f} {r['sched_ms']:6.2f} "
        f"{r['worker_ms']:7.2f} {r['tf_ms']:6.2f} | {r['projected_s']:11.1f} {r['projected_ratio']:5.2f} | "
        f"{int(r['assume_role_calls']):10d} {r['load']:5.1f}"
    )


def measure(args: argparse.Namespace) -> list[dict[str, float]]:
    """Every cluster size of ``args.workers`` with this process's code; prints a row per size
    (with ``--json``, one JSON line per size instead)."""
    root = Path(tempfile.mkdtemp(prefix="tgoscale", dir="/tmp"))
    port = free_port()
    moto = start_moto(port)
    rows = []
    try:
        tf = root / "terraform"
        tf.write_text(STAND_IN.format(sleep=args.sleep))
        tf.chmod(0o755)
        env = {
            "PATH": os.environ.get("PATH", ""),
            "HOME": str(root),
            "TG_TF_PATH": str(tf),
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}",
            "TGO_IAM_MIN_LIFETIME": "0",
            "PYTHONPATH": str(CODE),  # the workers run the same code as this process
        }
        for workers in [int(w) for w in args.workers.split(",")]:
            r = one(args, workers, root, env, {moto.pid})
            rows.append(r)
            print(json.dumps(r) if args.json else row(r), flush=True)
    finally:
        moto.kill()
        moto.wait()
        shutil.rmtree(root, ignore_errors=True)
    return rows


def against_base(args: argparse.Namespace, argv: list[str]) -> None:
    """``--base``: each cluster size measured with the base commit and the current tree, alternating."""
    here = Path(__file__).resolve().parents[1]
    tmp = Path(tempfile.mkdtemp(prefix="tgo-bench-base-", dir="/tmp"))
    base = tmp / "base"
    subprocess.run(["git", "worktree", "add", "--detach", "--quiet", str(base), args.base], cwd=here, check=True)
    git = ["git", "rev-parse", "--short", "HEAD"]
    head = subprocess.run(git, cwd=here, capture_output=True, text=True, check=False).stdout
    sides = {f"base {args.base}": base, f"current {head.strip()}": here}
    own = [a for i, a in enumerate(argv) if a != "--base" and (i == 0 or argv[i - 1] != "--base")]
    try:
        print(HEADER)
        results: dict[str, list[dict[str, float]]] = {name: [] for name in sides}
        for workers in [w for w in args.workers.split(",")]:
            for rnd in range(args.rounds):
                order = list(sides) if rnd % 2 == 0 else list(reversed(sides))
                for name in order:
                    env = {**os.environ, "TGO_BENCH_CODE": str(sides[name])}
                    cmd = [sys.executable, str(Path(__file__).resolve()), *own, "--workers", workers, "--json"]
                    got = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
                    lines = [ln for ln in got.stdout.splitlines() if ln.startswith("{")]
                    if not lines:
                        print(f"{name}: no result\n{got.stdout}{got.stderr[-2000:]}")
                        continue
                    r = json.loads(lines[-1])
                    results[name].append(r)
                    print(row(r, f"{name:>16} "), flush=True)
        b, c = (results[name] for name in sides)
        for rb, rc in zip(b, c, strict=False):
            ratios = "  ".join(
                f"{k} {rc[k] / rb[k]:.2f}" for k in ("client_ms", "sched_ms", "worker_ms", "tf_ms") if rb[k] > 0
            )
            print(f"{int(rc['workers'])} worker(s), CPU per module current/base: {ratios}")
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", str(base)], cwd=here, check=False)
        shutil.rmtree(tmp, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--modules", type=int, default=1000)
    parser.add_argument("--sleep", type=float, default=1.0)
    parser.add_argument("--workers", default="1,2,4,8")
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--accounts", type=int, default=20)
    parser.add_argument("--scheduler-process", action="store_true")
    parser.add_argument("--base", help="also measure this commit, interleaved, and print ratios")
    parser.add_argument("--rounds", type=int, default=1, help="with --base: runs per side and cluster size")
    parser.add_argument("--json", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if not args.json:
        print(
            f"{args.modules} modules x {args.sleep:g} s plan, {args.accounts} accounts (one role each), "
            f"{args.threads} threads per worker, {os.cpu_count()} CPU(s), load average {os.getloadavg()[0]:.1f}, "
            f"{'separate scheduler process' if args.scheduler_process else 'dask-local (scheduler in the client)'}"
        )
    if args.base:
        against_base(args, sys.argv[1:])
        return
    if not args.json:
        print(HEADER)
    measure(args)
    if not args.json:
        print("(projected: a projection from the CPU figures, not a measurement; load: 1-minute average)")


if __name__ == "__main__":
    main()
