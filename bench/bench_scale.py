"""Scale-out on Dask: ``run-all plan`` over N modules whose stand-in terraform sleeps S seconds per plan,
on ``dask-local`` with 1, 2, 4 and 8 worker processes x 8 threads. Per cluster size it prints the
makespan versus the ideal (N x S / slots), the client's CPU per module, and the AssumeRole calls the
workers made (each module has the role of one of K accounts; a moto server in its own process
answers STS).

What runs is tgo's real run engine (selection, its scheduler, the per-module runner, the report) and
the real Dask executor and worker plugin; only the config loader is a stand-in that hands out
prepared configs (HCL evaluation is measured by bench_parse.py / bench_drift.py), and terraform is a
shell script (``version -json`` answers 1.0.3, ``plan`` sleeps).

Client CPU is this process's CPU time during the run, which with ``dask-local`` also includes the Dask
scheduler and the nannies (they live in the client process); ``--scheduler-process`` starts the
scheduler and workers as separate processes (``dask scheduler`` / ``dask worker``) and connects with
``dask://``, so the figure is the tgo client's alone.

    .venv/bin/python bench/bench_scale.py [--modules 1000] [--sleep 1.0] [--workers 1,2,4,8]
        [--threads 8] [--accounts 20] [--scheduler-process]
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from orchestrator.app.run import RunOptions, RunServices, run_all
from orchestrator.config.models import ModuleConfig
from orchestrator.execution.dask_executor import make_dask_executor
from orchestrator.runtime import Console, Runtime
from orchestrator.terraform.commands import TfCommand
from tests.support.fake_loader import static_tree
from tests.support.moto_server import free_port

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


def one(args: argparse.Namespace, workers: int, root: Path, env: dict[str, str]) -> dict[str, float]:
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
        cpu0, t0 = time.process_time(), time.monotonic()
        report = run_all(runtime, options, services)
        makespan, cpu = time.monotonic() - t0, time.process_time() - cpu0
        calls = executor.assume_role_calls()
    finally:
        executor.close()
        for proc in procs:
            proc.kill()
            proc.wait()
    failed = [m for m in report.modules if m.status != "succeeded"]
    if failed:
        print(f"  {len(failed)} module(s) did not succeed, e.g. {failed[0].path}: {failed[0].reason}")
    ideal = args.modules * args.sleep / slots
    return {
        "workers": workers,
        "slots": slots,
        "up_s": up,
        "makespan_s": makespan,
        "ideal_s": ideal,
        "ratio": makespan / ideal,
        "cpu_ms_per_module": 1000 * cpu / args.modules,
        "assume_role_calls": sum(calls.values()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--modules", type=int, default=1000)
    parser.add_argument("--sleep", type=float, default=1.0)
    parser.add_argument("--workers", default="1,2,4,8")
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--accounts", type=int, default=20)
    parser.add_argument("--scheduler-process", action="store_true")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="tgoscale", dir="/tmp"))
    port = free_port()
    moto = start_moto(port)
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
        }
        print(
            f"{args.modules} modules x {args.sleep:g} s plan, {args.accounts} accounts (one role each), "
            f"{args.threads} threads per worker, {os.cpu_count()} CPU(s), "
            f"{'separate scheduler process' if args.scheduler_process else 'dask-local (scheduler in the client)'}"
        )
        print("workers slots  start_s  makespan_s  ideal_s  ratio  client_cpu_ms/module  AssumeRole")
        for workers in [int(w) for w in args.workers.split(",")]:
            r = one(args, workers, root, env)
            print(
                f"{r['workers']:7d} {r['slots']:5d} {r['up_s']:8.1f} {r['makespan_s']:11.1f} {r['ideal_s']:8.1f} "
                f"{r['ratio']:6.2f} {r['cpu_ms_per_module']:21.2f} {r['assume_role_calls']:11d}"
            )
    finally:
        moto.kill()
        moto.wait()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
