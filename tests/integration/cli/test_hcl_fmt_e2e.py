"""`tgo hcl fmt` with the real terraform: which files it formats, that it writes only what changed,
--check / --diff / --stdin and their exit codes, and `tgo hcl validate` as `tgo validate`."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.cli import run_tgo

pytestmark = pytest.mark.e2e

UGLY = 'locals {\n  a = "${local.b}"\n    bb=1\n}\n'
PRETTY = "locals {\n  a  = local.b\n  bb = 1\n}\n"
OLD = 1_000_000_000  # an mtime (2001) no write by the test run can produce


def _tree(root: Path) -> dict[str, Path]:
    files = {
        "ugly": root / "prod/app/terragrunt.hcl",
        "pretty": root / "root.hcl",
        "cache": root / "prod/app/.terragrunt-cache/x/terragrunt.hcl",
        "stack": root / "prod/.terragrunt-stack/u/terragrunt.hcl",
        "skipped": root / "vendor/lib.hcl",
        "tf": root / "prod/app/main.tf",
    }
    for name, path in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(PRETTY if name == "pretty" else UGLY)
        os.utime(path, ns=(OLD, OLD))
    return files


def _tgo(env: dict[str, str], cwd: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    if stdin is None:
        return run_tgo(env, cwd, *args)
    return subprocess.run(
        [sys.executable, "-m", "orchestrator", *args],
        cwd=cwd,
        env=env,
        input=stdin,
        text=True,
        capture_output=True,
        check=False,
    )


def test_check_diff_then_format_writes_only_changed_files(tmp_path: Path, tgo_env: dict[str, str]) -> None:
    files = _tree(tmp_path)

    checked = _tgo(tgo_env, tmp_path, "hcl", "fmt", "--check", "--diff", "--exclude-dir", "vendor")
    assert checked.returncode == 1, checked.stderr
    assert "prod/app/terragrunt.hcl: not formatted" in checked.stderr
    assert "--- old/prod/app/terragrunt.hcl\n+++ new/prod/app/terragrunt.hcl\n" in checked.stdout
    assert '-  a = "${local.b}"\n' in checked.stdout and "+  a  = local.b\n" in checked.stdout
    assert all(p.stat().st_mtime_ns == OLD for p in files.values()), "--check wrote a file"

    done = _tgo(tgo_env, tmp_path, "hcl", "fmt", "--exclude-dir", "vendor")
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip() == "formatted prod/app/terragrunt.hcl"
    assert files["ugly"].read_text() == PRETTY
    # Everything else is untouched: already formatted, in a cache/stack dir, excluded, or not *.hcl.
    for name in ("pretty", "cache", "stack", "skipped", "tf"):
        assert files[name].stat().st_mtime_ns == OLD, name

    again = _tgo(tgo_env, tmp_path, "hcl", "fmt", "--check", "--exclude-dir", "vendor")
    assert again.returncode == 0, again.stderr
    # Without --exclude-dir the vendored file counts; TG_CHECK is --check.
    env = {**tgo_env, "TG_CHECK": "1"}
    vendored = _tgo(env, tmp_path, "hclfmt")
    assert vendored.returncode == 1 and "vendor/lib.hcl: not formatted" in vendored.stderr
    assert files["skipped"].stat().st_mtime_ns == OLD


def test_syntax_error_names_file_and_line_and_other_files_still_format(tmp_path: Path, tgo_env: dict[str, str]) -> None:
    (tmp_path / "a.hcl").write_text(UGLY)
    (tmp_path / "b.hcl").write_text("inputs = {\n  x = 1\n  y =\n}\n")
    bad = _tgo(tgo_env, tmp_path, "hcl", "fmt")
    assert bad.returncode == 3, bad.stderr
    assert "error: b.hcl:3: Invalid expression" in bad.stderr and "Traceback" not in bad.stderr
    assert (tmp_path / "a.hcl").read_text() == PRETTY
    assert (tmp_path / "b.hcl").read_text() == "inputs = {\n  x = 1\n  y =\n}\n"


def test_stdin_and_single_file(tmp_path: Path, tgo_env: dict[str, str]) -> None:
    out = _tgo(tgo_env, tmp_path, "hcl", "fmt", "--stdin", stdin=UGLY)
    assert out.returncode == 0, out.stderr
    assert out.stdout == PRETTY
    (tmp_path / "one.hcl").write_text(UGLY)
    (tmp_path / "two.hcl").write_text(UGLY)
    single = _tgo(tgo_env, tmp_path, "hcl", "format", "--file", "one.hcl")
    assert single.returncode == 0, single.stderr
    assert (tmp_path / "one.hcl").read_text() == PRETTY and (tmp_path / "two.hcl").read_text() == UGLY


def test_hcl_validate_is_validate(tmp_path: Path, tgo_env: dict[str, str]) -> None:
    (tmp_path / "app").mkdir()
    (tmp_path / "app/terragrunt.hcl").write_text("inputs = {\n  x = local.missing\n}\n")
    bad = _tgo(tgo_env, tmp_path, "hcl", "validate")
    plain = _tgo(tgo_env, tmp_path, "validate")
    assert bad.returncode == plain.returncode == 3
    assert bad.stderr == plain.stderr and "app/terragrunt.hcl:2" in bad.stderr
    (tmp_path / "app/terragrunt.hcl").write_text("inputs = {\n  x = 1\n}\n")
    good = _tgo(tgo_env, tmp_path, "hcl", "validate", "--no-cache")
    assert good.returncode == 0 and good.stdout.strip() == "1 module valid"
