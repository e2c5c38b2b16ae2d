"""Stack generation speed: 100 stack files x 5 units (500 units) from a local catalog.

    python bench/bench_stacks.py [--stacks 100] [--units 5] [--keep DIR]

Prints (each a fresh ``tgo`` process, as a user runs it):
- ``tgo stack generate`` cold (nothing generated yet; target: under 4 s for 500 units, Terragrunt's
  reported regression being 4 s -> 24 s, its issue 5310);
- ``tgo stack generate`` again with nothing changed: its time, the files it wrote and how many
  files' mtimes changed (target: 0 and 0);
- ``tgo validate`` of the generated tree (every unit loaded with its values);
- ``cp -r`` of the same generated tree, and the ratio of the cold generation to it.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

ROOT_HCL = """\
locals {
  account = read_terragrunt_config(find_in_parent_folders("account.hcl"))
}
iam_role = "arn:aws:iam::${local.account.locals.account_id}:role/deploy"
remote_state {
  backend = "s3"
  generate = {
    path      = "backend.tf"
    if_exists = "overwrite_terragrunt"
  }
  config = {
    bucket = "state-${local.account.locals.account_id}"
    key    = "${path_relative_to_include()}/terraform.tfstate"
    region = "us-east-1"
  }
}
"""
UNIT_HCL = """\
include "root" {
  path = find_in_parent_folders("root.hcl")
}
terraform {
  source = "git::https://example.com/modules.git//%(module)s?ref=${values.version}"
}
dependencies {
  paths = try(values.after, [])
}
inputs = {
  name  = values.name
  index = values.index
  tags  = try(values.tags, {})
}
"""
MAIN_TF = 'variable "name" {\n  type = string\n}\noutput "name" {\n  value = var.name\n}\n'


def build(base: Path, stacks: int, units: int) -> Path:
    """The catalog and the live tree; returns the live directory."""
    for u in range(units):
        unit = base / "catalog" / "units" / f"u{u}"
        unit.mkdir(parents=True)
        (unit / "terragrunt.hcl").write_text(UNIT_HCL % {"module": f"m{u}"})
        (unit / "main.tf").write_text(MAIN_TF)
        (unit / "README.md").write_text(f"# unit u{u}\n\nA catalog unit.\n")
    live = base / "live"
    live.mkdir()
    (live / "root.hcl").write_text(ROOT_HCL)
    for a in range(max(1, stacks // 10)):
        (live / f"acct{a}").mkdir()
        (live / f"acct{a}" / "account.hcl").write_text(f'locals {{\n  account_id = "{100000000000 + a}"\n}}\n')
    for s in range(stacks):
        directory = live / f"acct{s % max(1, stacks // 10)}" / f"stack{s:03d}"
        directory.mkdir()
        blocks = []
        for u in range(units):
            after = f'["../u{u - 1}"]' if u else "[]"
            blocks.append(
                f'unit "u{u}" {{\n  source = "../../../catalog/units/u{u}"\n  path   = "u{u}"\n'
                f'  values = {{\n    name    = "s{s}-u{u}"\n    index   = {u}\n    version = "v1.{u}.0"\n'
                f'    after   = {after}\n    tags    = {{ stack = "s{s}", unit = "u{u}" }}\n  }}\n}}\n'
            )
        (directory / "terragrunt.stack.hcl").write_text("\n".join(blocks))
    return live


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def tgo(live: Path, *args: str) -> tuple[float, float, subprocess.CompletedProcess[str]]:
    """(wall s, CPU s of the process and its children, result) of one ``tgo`` process."""
    env = {**os.environ, "TGO_CACHE_DIR": str(live.parent / "cache")}
    start, cpu = time.perf_counter(), children_cpu()
    done = subprocess.run(
        [sys.executable, "-m", "orchestrator", *args], cwd=live, env=env, capture_output=True, text=True, check=False
    )
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"tgo {' '.join(args)} failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    return elapsed, children_cpu() - cpu, done


def mtimes(root: Path) -> dict[str, int]:
    return {
        p.relative_to(root).as_posix(): p.stat().st_mtime_ns
        for p in root.rglob("*")
        if p.is_file() and ".tgo" not in p.parts
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--stacks", type=int, default=100)
    parser.add_argument("--units", type=int, default=5)
    parser.add_argument("--keep", type=Path, default=None)
    args = parser.parse_args()
    base = args.keep or Path(tempfile.mkdtemp(prefix="tgo-bench-stacks-"))
    base.mkdir(parents=True, exist_ok=True)
    try:
        live = build(base, args.stacks, args.units)
        total = args.stacks * args.units
        cold, cold_cpu, first = tgo(live, "stack", "generate")
        before = mtimes(live)
        generated = [p for p in live.rglob("*") if p.is_file() and ".terragrunt-stack" in p.parts]
        warm, warm_cpu, again = tgo(live, "stack", "generate")
        written = re.search(r"(\d+) file\(s\) written", again.stdout)
        touched = sum(1 for k, v in mtimes(live).items() if before.get(k) != v)
        validate, validate_cpu, checked = tgo(live, "validate", "--no-cache")
        floor, floor_cpu, _ = tgo(live, "--version")
        start, cpu = time.perf_counter(), children_cpu()
        subprocess.run(["cp", "-r", str(live), str(base / "copy")], check=True)
        copy, copy_cpu = time.perf_counter() - start, children_cpu() - cpu
        print(
            f"stacks: {args.stacks} stack files x {args.units} units = {total} units, {len(generated)} files generated"
        )
        print(f"  load average now: {os.getloadavg()[0]:.1f} (wall times below are only meaningful near 0-2)")
        print("                                  wall       CPU")
        print(f"  tgo --version (startup floor): {floor:6.2f} s  {floor_cpu:6.2f} s")
        print(
            f"  tgo stack generate, cold:      {cold:6.2f} s  {cold_cpu:6.2f} s  ({first.stdout.strip()}) target < 4 s"
        )
        print(
            f"  tgo stack generate, unchanged: {warm:6.2f} s  {warm_cpu:6.2f} s  "
            f"files written: {written.group(1) if written else '?'}, mtimes changed: {touched}  target 0, 0"
        )
        print(f"  tgo validate (generated tree): {validate:6.2f} s  {validate_cpu:6.2f} s  ({checked.stdout.strip()})")
        print(f"  cp -r of the same tree:        {copy:6.2f} s  {copy_cpu:6.2f} s")
        print(f"  ratio cold generation / cp -r: {cold / copy:6.1f}x wall, {cold_cpu / max(copy_cpu, 1e-3):.1f}x CPU")
    finally:
        if args.keep is None:
            shutil.rmtree(base, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
