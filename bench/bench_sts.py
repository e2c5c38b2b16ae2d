"""STS calls per run, measured at a moto server: tgo's shared credential cache versus a per-module
assume (Terragrunt's default: every module assumes its role itself).

For N modules over K roles at several parallelisms, every module asks for its credentials before
each of its terraform processes (init, hooks, apply, and once more when a dependent reads its
outputs), from a thread pool of the given size. Prints N, K, parallelism, the AssumeRole requests
that reached the server for tgo and for the per-module baseline, and their ratio. Target: tgo == K.

Then the credential broker (``bench/broker_figures.py``): ``run-all plan`` with the real terraform
over N modules (S3 backend + DynamoDB locks on the moto server) and K = 3 roles, broker mode and env
mode alternating in the same run. Targets: AssumeRole at the server == K in both modes; broker wall
time <= 1.05 x env wall time (best of the rounds; the CPU ratio of terraform and everything it
starts, helpers included, is printed too: it is steadier on a shared machine). Also prints the
broker requests per module (one per terraform process that reads credentials: the backend in plan
and show; more with providers).

    .venv/bin/python bench/bench_sts.py [--sizes 10,50,200] [--roles 1,3,5] [--parallelism 1,8,32]
        [--broker-sizes 50,200] [--broker-rounds 2] [--broker-parallelism 8] [--no-broker]
"""

from __future__ import annotations

import argparse
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from orchestrator.aws.credentials import CredentialCache
from orchestrator.aws.environment import module_env_factory
from orchestrator.aws.roles import RoleOverrides, RoleResolver
from orchestrator.aws.sts import BotoStsClient
from orchestrator.config.models import ModuleConfig
from orchestrator.runtime import SystemClock
from tests.support.moto_server import MotoServer

PROCESSES_PER_MODULE = 4  # init, before_hook, apply, output fetch by a dependent


def modules(n: int, k: int) -> list[ModuleConfig]:
    return [
        ModuleConfig(
            path=Path(f"/live/m{i}"),
            config_file=Path(f"/live/m{i}/terragrunt.hcl"),
            iam_role=f"arn:aws:iam::{100000000000 + i % k}:role/deploy",
        )
        for i in range(n)
    ]


def count(moto: MotoServer, configs: list[ModuleConfig], parallelism: int, *, shared: bool) -> int:
    moto.reset_counts()
    sts = BotoStsClient(moto.env())
    resolver = RoleResolver(RoleOverrides(), "tgo-bench", Path("/"))
    shared_env = module_env_factory(CredentialCache(sts, SystemClock()), resolver)

    def one_module(cfg: ModuleConfig) -> None:
        # the baseline: each module its own cache, i.e. its own AssumeRole, like Terragrunt
        env = shared_env if shared else module_env_factory(CredentialCache(sts, SystemClock()), resolver)
        for _ in range(PROCESSES_PER_MODULE):
            env(cfg)

    with ThreadPoolExecutor(max_workers=parallelism) as pool:
        list(pool.map(one_module, configs))
    return moto.calls("AssumeRole")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10,50,200")
    parser.add_argument("--roles", default="1,3,5")
    parser.add_argument("--parallelism", default="1,8,32")
    parser.add_argument("--broker-sizes", default="50,200")
    parser.add_argument("--broker-rounds", type=int, default=2)
    parser.add_argument("--broker-parallelism", type=int, default=8)
    parser.add_argument("--no-broker", action="store_true")
    args = parser.parse_args()
    ints = lambda text: [int(x) for x in text.split(",")]  # noqa: E731
    moto = MotoServer().start()
    ok = True
    try:
        print(f"{'N':>5} {'K':>3} {'par':>4} {'tgo':>5} {'per-module':>11} {'ratio':>7}")
        for n in ints(args.sizes):
            for k in ints(args.roles):
                for par in ints(args.parallelism):
                    configs = modules(n, k)
                    tgo = count(moto, configs, par, shared=True)
                    base = count(moto, configs, par, shared=False)
                    ok &= tgo == k
                    print(f"{n:>5} {k:>3} {par:>4} {tgo:>5} {base:>11} {tgo / base:>7.3f}")
    finally:
        moto.stop()
    print("target tgo == K for every N and parallelism:", "met" if ok else "NOT met")
    if not args.no_broker:
        broker(ints(args.broker_sizes), args.broker_rounds, args.broker_parallelism)


def broker(sizes: list[int], rounds: int, parallelism: int, k: int = 3) -> None:
    from bench.broker_figures import figures

    print(f"\ncredential broker: run-all plan, K={k} roles, parallelism {parallelism}, best of {rounds}")
    print(
        f"{'N':>5} {'broker s':>9} {'env s':>7} {'ratio':>6} {'cpu ratio':>10} {'STS broker':>11} {'STS env':>8} "
        f"{'req/module':>11}"
    )
    ok = True
    for n in sizes:
        got = figures(n, k, parallelism, rounds)
        b, e = got["broker"], got["env"]
        ratio = b.seconds / e.seconds
        ok &= ratio <= 1.05 and b.assume_role == k and e.assume_role == k
        print(
            f"{n:>5} {b.seconds:>9.1f} {e.seconds:>7.1f} {ratio:>6.3f} {b.child_cpu / e.child_cpu:>10.3f} "
            f"{b.assume_role:>11} {e.assume_role:>8} "
            f"{b.broker_per_module:>11.2f}"
        )
    print("target broker <= 1.05 x env and STS == K:", "met" if ok else "NOT met")


if __name__ == "__main__":
    main()
