"""The console with the real tgo and the real terraform: the live board under a pseudo-terminal
leaves a clean screen with the summary; ``--progress json`` events validate against their schema
and pair up; GitHub Actions mode fills the step summary and the outputs files."""

from __future__ import annotations

import errno
import fcntl
import json
import os
import re
import struct
import subprocess
import sys
import termios
from pathlib import Path

import jsonschema
import pyte
import pytest

from tests.support.cli import run_tgo
from tests.support.terraform import terraform_env, terraform_path

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[3]
COLUMNS, LINES = 100, 40
MODULES = {
    "net": 'output "value" { value = "net" }',
    "app": 'output "value" { value = "app" }',
    "bad": 'output "value" { value = nope.x }',
}


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("console") / "live"
    for name, tf in MODULES.items():
        (root / name).mkdir(parents=True)
        (root / name / "main.tf").write_text(tf + "\n")
        (root / name / "terragrunt.hcl").write_text(f"# {name}\n")
    return root


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    home = tmp_path_factory.mktemp("home")
    return {
        **terraform_env(home),
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": str(ROOT),
        "TERM": "xterm-256color",
        "TG_TF_PATH": str(terraform_path()),
    }


def run_in_pty(argv: list[str], cwd: Path, env: dict[str, str]) -> tuple[int, bytes]:
    """Run ``argv`` with a pseudo-terminal of COLUMNS x LINES as stdin/stdout/stderr; its exit code
    and everything it wrote."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", LINES, COLUMNS, 0, 0))
    proc = subprocess.Popen(argv, cwd=cwd, env=env, stdin=slave, stdout=slave, stderr=slave, start_new_session=True)
    os.close(slave)
    chunks: list[bytes] = []
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError as err:  # EIO: the child closed the terminal
            if err.errno != errno.EIO:
                raise
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(master)
    return proc.wait(timeout=120), b"".join(chunks)


def test_the_live_board_leaves_a_clean_screen_with_the_summary(tree: Path, env: dict[str, str]) -> None:
    code, raw = run_in_pty([sys.executable, "-m", "orchestrator", "run-all", "plan", "--parallelism", "2"], tree, env)
    screen = pyte.Screen(COLUMNS, LINES)
    pyte.ByteStream(screen).feed(raw)
    rows = [row.rstrip() for row in screen.display]
    text = "\n".join(rows)
    assert code == 1, text
    assert "\x1b[J" in raw.decode(), "the board was drawn and redrawn in place"
    assert not any(" done | " in row for row in rows), "the board's counter line is left:\n" + text
    assert not any(re.match(r"  (net|app|bad) +\d+(m\d+)?s\b", row) for row in rows), text
    assert "[tgo] bad: failed" in text and "[tgo] net: succeeded" in text
    assert "FAILED bad: Error: Reference to undeclared resource" in text
    assert "tgo plan: 1 failed, 2 succeeded; exit 1" in text
    assert "[bad] " not in text, "terraform's output goes to the logs under the board"
    assert all(len(row) <= COLUMNS for row in rows)


def test_json_progress_events_validate_and_pair_up(tree: Path, env: dict[str, str]) -> None:
    done = run_tgo(env, tree, "run-all", "plan", "--progress", "json", timeout=180)
    assert done.returncode == 1, done.stderr
    schema = json.loads((ROOT / "schemas" / "progress-events.schema.json").read_text())
    events = [json.loads(line) for line in done.stdout.splitlines()]
    for event in events:
        jsonschema.validate(event, schema)
    started = sorted(e["module"] for e in events if e["event"] == "module_started")
    finished = sorted(e["module"] for e in events if e["event"] == "module_finished")
    assert started == finished == ["app", "bad", "net"]
    for module in started:
        kinds = [e["event"] for e in events if e.get("module") == module]
        assert kinds == ["module_started", "module_finished"]
    assert events[-1]["event"] == "run_finished" and events[-1]["exit_code"] == 1
    bad = next(e for e in events if e["event"] == "module_finished" and e["module"] == "bad")
    assert bad["status"] == "failed" and bad["reason"].startswith("Error: Reference to undeclared resource")
    assert "tgo plan: 1 failed, 2 succeeded; exit 1" in done.stderr


def test_github_actions_mode_writes_the_summary_and_the_outputs(
    tree: Path, env: dict[str, str], tmp_path: Path
) -> None:
    summary, outputs, md = tmp_path / "summary.md", tmp_path / "outputs", tmp_path / "plan.md"
    gh = {
        **env,
        "GITHUB_ACTIONS": "true",
        "CI": "true",
        "GITHUB_STEP_SUMMARY": str(summary),
        "GITHUB_OUTPUT": str(outputs),
    }
    done = run_tgo(gh, tree, "run-all", "plan", "--summary-md", str(md), timeout=180)
    assert done.returncode == 1, done.stderr
    lines = done.stdout.splitlines()
    opened = [i for i, line in enumerate(lines) if line.startswith("::group::")]
    closed = [i for i, line in enumerate(lines) if line == "::endgroup::"]
    assert len(opened) == len(closed) == 1 and opened[0] < closed[0]
    assert lines[opened[0]] == "::group::bad (failed)"
    assert any("Reference to undeclared resource" in line for line in lines[opened[0] : closed[0]])
    assert any(line.startswith("::error title=tgo%3A bad failed::Error: Reference") for line in lines)
    assert outputs.read_text() == "exit_code=1\nchanged=2\nfailed=1\ndrifted=0\n"
    text = summary.read_text()
    assert text.startswith("## tgo plan: 1 failed, 2 succeeded, 2 with changes; exit 1")
    assert "| unknown | `app` | 0 | 0 | 0 | outputs only |" in text
    assert "| unknown | `net` | 0 | 0 | 0 | outputs only |" in text
    assert "<summary><code>bad</code>: Error: Reference to undeclared resource</summary>" in text
    assert md.read_text() == text.rstrip("\n") + "\n"
