"""Config engine speed against a baseline commit, as ratios measured in one run.

    python bench/bench_parse_vs_base.py [--base 595a7e8] [--modules 1000] [--rounds 3] [--warm 3]

Builds a detached ``git worktree`` of the baseline commit in a temporary directory and runs
``tgo validate`` on the same generated tree with each checkout (each its own ``PYTHONPATH`` and
cache directory; the venv's packages serve both), interleaving the two so the machine's load falls
on both alike:

- cold: a fresh parse cache per run, ``--rounds`` runs per side, order alternating per round;
- warm: the same cache again, ``--warm`` runs per side per round, interleaved.

Prints the median wall and CPU seconds (CPU includes worker processes) of each side and the ratios
current / baseline. Target (issue 9): cold and warm ratios <= 1.05. On a shared machine the CPU
ratio is the steadier figure; the wall ratio is what a user sees.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "bench")]

from bench_parse import cli_validate  # noqa: E402
from gen_tree import generate  # noqa: E402


def _line(name: str, runs: list[tuple[float, float]]) -> tuple[float, float]:
    wall = statistics.median(r[0] for r in runs)
    cpu = statistics.median(r[1] for r in runs)
    walls = ", ".join(f"{r[0]:.2f}" for r in runs)
    print(f"  {name:<9} median {wall:6.2f} s wall {cpu:6.2f} s cpu   (walls: {walls})")
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="595a7e8", help="baseline commit (default: before issue 9)")
    parser.add_argument("--modules", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3, help="cold runs per side")
    parser.add_argument("--warm", type=int, default=3, help="warm runs per side per round")
    args = parser.parse_args()
    head = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    with tempfile.TemporaryDirectory(prefix="tgo-bench-base-") as tmp:
        base = Path(tmp) / "base"
        subprocess.run(["git", "worktree", "add", "--detach", "--quiet", str(base), args.base], cwd=ROOT, check=True)
        try:
            tree = Path(tmp) / "tree"
            modules = generate(tree, args.modules)
            print(f"tree: {len(modules)} modules; baseline {args.base} vs current {head.stdout.strip()} ({ROOT})")
            print(f"load average before: {os.getloadavg()[0]:.1f}")
            sides = {"baseline": base, "current": ROOT}
            cold: dict[str, list[tuple[float, float]]] = {name: [] for name in sides}
            warm: dict[str, list[tuple[float, float]]] = {name: [] for name in sides}
            for r in range(args.rounds):
                order = list(sides) if r % 2 == 0 else list(reversed(sides))
                for name in order:
                    cold[name].append(cli_validate(tree, Path(tmp) / f"cache-{name}-{r}", sides[name]))
                for _ in range(args.warm):
                    for name in order:
                        warm[name].append(cli_validate(tree, Path(tmp) / f"cache-{name}-{r}", sides[name]))
            print(f"load average after: {os.getloadavg()[0]:.1f}")
            for label, runs in (("cold", cold), ("warm", warm)):
                print(f"{label} tgo validate ({len(runs['current'])} runs per side, interleaved):")
                bw, bc = _line("baseline", runs["baseline"])
                cw, cc = _line("current", runs["current"])
                print(f"  ratio current/baseline: wall {cw / bw:.3f}  cpu {cc / bc:.3f}  (target <= 1.05)")
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(base)], cwd=ROOT, check=False)


if __name__ == "__main__":
    main()
