"""How long tgo takes to start work on a large tree, against a warm ``tgo validate`` of the same tree in
the same run (so machine load hits every figure alike): for trees made by ``bench/gen_tree.py``,

- ``run-all plan``: from the command's start to its first terraform process for a module (terraform is a
  stand-in script that records when it starts; the run stops at the first module, ``--fail-fast``);
- ``tgo graph``: the whole command.

Each figure is the best of ``--rounds`` rounds, taken after one validate that fills the parse cache
(its time is printed too, as ``cold validate``). Each tree's line is printed as soon as it is measured
(a 5,000-module tree takes minutes per round on two busy cores). Target: both ratios <= 1.2.

    .venv/bin/python bench/bench_startup.py [--modules 1000 5000] [--rounds 2] [--repo DIR]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.gen_tree import COMPONENTS, generate
from tests.support.moto_server import MotoServer

# Stands in for terraform: answers the version check, records when a module's first process
# started, then fails so that --fail-fast starts nothing else.
FAKE_TF = """#!/bin/sh
if [ "$1" = "version" ]; then
  echo '{"terraform_version": "1.0.3"}'
  exit 0
fi
date +%%s.%%N >> "%(marks)s"
exit 1
"""


def _tgo(
    repo: Path, root: Path, env: dict[str, str], *args: str
) -> tuple[float, float, subprocess.CompletedProcess[str]]:
    """(start time, wall seconds, result) of ``tgo *args`` in ``root``."""
    start = time.time()
    t0 = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "orchestrator", *args],
        cwd=root,
        env={**env, "PYTHONPATH": str(repo)},
        capture_output=True,
        text=True,
        check=False,
    )
    return start, time.monotonic() - t0, done


def measure(repo: Path, modules: int, rounds: int, aws: dict[str, str]) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="tgostart", dir="/tmp") as tmp:
        base = Path(tmp)
        root = base / "live"
        generate(root, modules)
        for component in ("network", *COMPONENTS):
            (root / "modules" / component).mkdir(parents=True, exist_ok=True)
            (root / "modules" / component / "main.tf").write_text("")
        marks = base / "marks"
        fake = base / "terraform"
        fake.write_text(FAKE_TF % {"marks": marks})
        fake.chmod(0o755)
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(base),
            "TMPDIR": tmp,
            "NO_COLOR": "1",
            "TG_TF_PATH": str(fake),
            **aws,  # the modules' roles are assumed on a moto server
        }
        _, cold, first = _tgo(repo, root, env, "validate")  # fills the parse cache
        if first.returncode != 0:
            raise SystemExit(f"validate failed: {first.stderr[-2000:]}")
        best = {"cold validate": cold, "validate": float("inf"), "run-all plan": float("inf"), "graph": float("inf")}
        for _ in range(rounds):
            _, took, _ = _tgo(repo, root, env, "validate")
            best["validate"] = min(best["validate"], took)
            marks.write_text("")
            start, _, ran = _tgo(repo, root, env, "run-all", "plan", "--fail-fast", "--parallelism", "1")
            stamps = [float(x) for x in marks.read_text().split()]
            if not stamps:
                raise SystemExit(f"run-all plan started no terraform: {ran.stdout[:3000]} {ran.stderr[-2000:]}")
            best["run-all plan"] = min(best["run-all plan"], min(stamps) - start)
            _, took, shown = _tgo(repo, root, env, "graph")
            if shown.returncode != 0:
                raise SystemExit(f"graph failed: {shown.stderr[-2000:]}")
            best["graph"] = min(best["graph"], took)
        return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--modules", type=int, nargs="+", default=[1000, 5000])
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--repo", type=Path, default=Path(__file__).resolve().parents[1])
    args = ap.parse_args()
    print(f"repo={args.repo} cpus={os.cpu_count()} rounds={args.rounds}", flush=True)
    server = MotoServer().start()
    try:
        for n in args.modules:
            best = measure(args.repo, n, args.rounds, server.env())
            v = best["validate"]
            print(
                f"modules={n}: warm validate {v:.2f}s | run-all plan to first terraform {best['run-all plan']:.2f}s "
                f"(ratio {best['run-all plan'] / v:.2f}) | graph {best['graph']:.2f}s (ratio {best['graph'] / v:.2f}) "
                f"| cold validate {best['cold validate']:.2f}s",
                flush=True,
            )
    finally:
        server.stop()


if __name__ == "__main__":
    main()
