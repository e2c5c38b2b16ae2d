"""`tgo run-all` / `tgo graph` as a user runs them: real terragrunt.hcl files, the real config
loader, the real terraform binary, S3 state on moto."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.integration.run.conftest import MAIN_TF, StubTree
from tests.support.cli import run_tgo

pytestmark = pytest.mark.e2e


def _write(root: Path, backend: dict[str, Any]) -> None:
    cfg = "\n".join(f"    {k} = {json.dumps(v)}" for k, v in backend.items())
    (root / "root.hcl").write_text(
        'remote_state {\n  backend = "s3"\n  generate = {\n    path = "backend.tf"\n    if_exists = "overwrite"\n  }\n'
        f'  config = {{\n{cfg}\n    key = "${{path_relative_to_include()}}/tf.tfstate"\n  }}\n}}\n'
    )
    for name, deps in (("net", ()), ("app", ("net",))):
        d = root / name
        d.mkdir()
        (d / "main.tf").write_text(MAIN_TF % name)
        body = 'include "root" {\n  path = find_in_parent_folders("root.hcl")\n}\n'
        for dep in deps:
            body += f'dependency "{dep}" {{\n  config_path = "../{dep}"\n}}\n'
            body += f"inputs = {{\n  upstream = dependency.{dep}.outputs.value\n}}\n"
        (d / "terragrunt.hcl").write_text(body)


def _tgo(env: dict[str, str], cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_tgo(env, cwd, *args)


def test_cli_apply_flags_after_the_command_and_no_tty_rule(runtime: Any, stub_tree: StubTree) -> None:
    root = stub_tree.root
    _write(root, stub_tree.backend)
    env = dict(runtime.environ)
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[3])

    refused = _tgo(env, root, "run-all", "apply")
    assert refused.returncode == 64, refused.stderr
    assert "--yes" in refused.stderr and not (root / "net" / ".terraform").exists()

    report_file = root.parent / "r.json"
    done = _tgo(
        env, root, "run-all", "apply", "--parallelism", "2", "--non-interactive", f"--report-file={report_file}"
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "[app] " in done.stdout and "[net] " in done.stdout
    report = json.loads(report_file.read_text())
    assert {m["path"]: m["status"] for m in report["modules"]} == {"app": "succeeded", "net": "succeeded"}

    out = _tgo(env, root / "app", "run", "output", "-json")
    assert out.returncode == 0, out.stderr
    # stdout is terraform's alone (tgo's own lines go to stderr), so it parses
    assert json.loads(out.stdout)["value"]["value"] == "none>net#0>app#0", out.stdout

    plan = _tgo(env, root, "run-all", "plan", "-detailed-exitcode", "--non-interactive")
    assert plan.returncode == 0, plan.stdout + plan.stderr

    graph = _tgo(env, root, "graph", "--format", "json")
    assert json.loads(graph.stdout)["edges"] == [{"from": "app", "to": "net"}]


def test_cycle_is_exit_3_and_nothing_runs(runtime: Any, stub_tree: StubTree) -> None:
    root = stub_tree.root
    for name, dep in (("a", "b"), ("b", "a")):
        (root / name).mkdir()
        (root / name / "terragrunt.hcl").write_text(f'dependencies {{\n  paths = ["../{dep}"]\n}}\n')
    env = dict(runtime.environ, PYTHONPATH=str(Path(__file__).resolve().parents[3]))
    res = _tgo(env, root, "run-all", "plan")
    assert res.returncode == 3
    assert "a -> b -> a" in res.stderr or "b -> a -> b" in res.stderr
