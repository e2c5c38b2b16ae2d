"""CLI conventions through the real tgo and terraform: `tgo run` in a module keeps its run directory
at the repository root and names the module by its directory; another terraform version than the one
that initialised a working copy re-initialises it with one line; NO_COLOR counts only when non-empty."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from tests.support.cli import run_tgo
from tests.support.terraform import terraform_env, terraform_path

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("repo")
    (root / ".git").mkdir()
    module = root / "live" / "prod" / "web"
    module.mkdir(parents=True)
    (module / "main.tf").write_text('output "value" { value = "web" }\n')
    (module / "terragrunt.hcl").write_text("# web\n")
    return root


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    return {
        **terraform_env(tmp_path_factory.mktemp("home")),
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": str(ROOT),
        "TG_TF_PATH": str(terraform_path()),
    }


def test_run_in_a_module_keeps_its_run_directory_at_the_repository_root(repo: Path, env: dict[str, str]) -> None:
    module = repo / "live" / "prod" / "web"
    done = run_tgo(env, module, "run", "plan", timeout=180)
    assert done.returncode == 0, done.stderr
    # Only the module's own lock (one tgo at a time per module) stays in it; runs and caches do not.
    assert {p.name for p in (module / ".tgo").iterdir()} <= {"module.lock"}, "no run or cache inside the module"
    (run_dir,) = (repo / ".tgo" / "runs").iterdir()
    assert (run_dir / "logs" / "web.log").is_file(), "the module is named by its directory"
    report = json.loads((run_dir / "report.json").read_text())
    assert [m["path"] for m in report["modules"]] == ["web"]
    assert "[tgo] web: succeeded" in done.stderr


def fake_version(tmp_path: Path, version: str) -> Path:
    """The real terraform, reporting another version (as an upgraded binary would)."""
    script = tmp_path / "terraform"
    script.write_text(
        "#!/bin/sh\n"
        f'if [ "$1" = version ]; then echo \'{{"terraform_version": "{version}"}}\'; exit 0; fi\n'
        f'exec "{terraform_path()}" "$@"\n'
    )
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return script


def test_another_terraform_version_re_initialises_with_one_line(
    repo: Path, env: dict[str, str], tmp_path: Path
) -> None:
    live = repo / "live"
    first = run_tgo(env, live, "run-all", "plan", "--output", "stream", timeout=180)
    assert first.returncode == 0, first.stderr
    newer = {**env, "TG_TF_PATH": str(fake_version(tmp_path, "1.0.99"))}
    again = run_tgo(newer, live, "run-all", "plan", "--output", "stream", timeout=180)
    assert again.returncode == 0, again.stdout + again.stderr
    said = [line for line in again.stdout.splitlines() if "initialised this working copy" in line]
    assert said == [
        "[prod/web] [tgo] terraform 1.0.3 initialised this working copy, 1.0.99 runs now: init -reconfigure -upgrade"
    ]
    third = run_tgo(newer, live, "run-all", "plan", "--output", "stream", timeout=180)
    assert "initialised this working copy" not in third.stdout and "terraform init" not in third.stdout


@pytest.mark.parametrize(("value", "coloured"), [("", True), ("1", False)])
def test_no_color_counts_only_when_non_empty(repo: Path, env: dict[str, str], value: str, coloured: bool) -> None:
    from tests.integration.console.test_console_e2e import run_in_pty

    code, raw = run_in_pty(
        [os.sys.executable, "-m", "orchestrator", "run-all", "plan", "--output", "stream"],
        repo / "live",
        {**env, "NO_COLOR": value, "TERM": "xterm"},
    )
    assert code == 0, raw.decode(errors="replace")
    text = raw.decode(errors="replace")
    assert ("\x1b[1m" in text or "\x1b[0m" in text) is coloured, text[-2000:]
