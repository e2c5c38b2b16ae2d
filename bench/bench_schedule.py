"""Scheduling quality: makespan / max(critical path, total work / parallelism) on a generated DAG
(chains, fan-in, fan-out) whose nodes sleep a known time. Prints the ratio (target <= 1.05).

    .venv/bin/python bench/bench_schedule.py [--parallelism 8] [--seed 1]
"""

from __future__ import annotations

import argparse
import random
import time

from orchestrator.scheduler import run_dag


def generate(seed: int) -> tuple[dict[str, list[str]], dict[str, float]]:
    rng = random.Random(seed)
    dag: dict[str, list[str]] = {}
    cost: dict[str, float] = {}

    def node(name: str, deps: list[str]) -> str:
        dag[name] = deps
        cost[name] = rng.choice([0.02, 0.04, 0.08, 0.15])
        return name

    for c in range(4):  # chains
        prev: list[str] = []
        for i in range(6):
            prev = [node(f"chain{c}-{i}", prev)]
    hub = node("hub", [])  # fan-out
    leaves = [node(f"fan{i}", [hub]) for i in range(20)]
    node("sink", leaves[:10])  # fan-in
    for i in range(20):  # random layered DAG
        existing = list(dag)
        node(f"r{i}", rng.sample(existing, k=min(len(existing), rng.randint(0, 3))))
    return dag, cost


def critical_path(dag: dict[str, list[str]], cost: dict[str, float]) -> float:
    memo: dict[str, float] = {}

    def finish(n: str) -> float:
        if n not in memo:
            memo[n] = cost[n] + max((finish(d) for d in dag[n]), default=0.0)
        return memo[n]

    return max(finish(n) for n in dag)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--parallelism", type=int, default=8)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    dag, cost = generate(args.seed)
    t0 = time.monotonic()
    run_dag(dag, lambda n: time.sleep(cost[n]), parallelism=args.parallelism, weight=cost.__getitem__)
    makespan = time.monotonic() - t0
    bound = max(critical_path(dag, cost), sum(cost.values()) / args.parallelism)
    print(f"nodes={len(dag)} parallelism={args.parallelism} total_work={sum(cost.values()):.2f}s")
    print(f"makespan={makespan:.3f}s lower_bound={bound:.3f}s ratio={makespan / bound:.3f} (target <= 1.05)")


if __name__ == "__main__":
    main()
