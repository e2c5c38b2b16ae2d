"""Behaviour pinned through the CLI with the real terraform: ``errors.ignore``, ``error_hook``, and
``prevent_destroy`` against every spelling of a destroy (``destroy``, ``apply -destroy``,
``plan -destroy``, ``-destroy=true``). Local state: nothing here needs AWS."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.support.cli import run_tgo
from tests.support.terraform import terraform_env, terraform_path

pytestmark = pytest.mark.e2e

GOOD_TF = 'output "v" {\n  value = "kept"\n}\n'
BAD_TF = 'output "v" {\n  value = var.undeclared\n}\n'  # terraform: "Reference to undeclared input variable"


def _env(tmp_path: Path) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": str(Path(__file__).resolve().parents[3]),
        "TG_TF_PATH": str(terraform_path()),
        "NO_COLOR": "1",
        **terraform_env(tmp_path / "home"),
    }


def _module(root: Path, name: str, hcl: str, tf: str) -> Path:
    d = root / name
    d.mkdir(parents=True)
    (d / "terragrunt.hcl").write_text(hcl)
    (d / "main.tf").write_text(tf)
    return d


def _statuses(report: Path) -> dict[str, str]:
    return {m["path"]: m["status"] for m in json.loads(report.read_text())["modules"]}


def test_errors_ignore_and_error_hook(tmp_path: Path) -> None:
    root = tmp_path / "live"
    marker = tmp_path / "hooked"
    ignore = (
        'errors {\n  ignore "known" {\n    ignorable_errors = [".*undeclared input variable.*"]\n'
        '    message = "known breakage, tracked elsewhere"\n  }\n}\n'
    )
    hook = (
        'terraform {\n  error_hook "report" {\n    commands  = ["plan"]\n'
        f'    execute   = ["sh", "-c", "echo $0 >> {marker}", "%s"]\n'
        "    on_errors = [%s]\n  }\n}\n"
    )
    _module(root, "ignored", ignore, BAD_TF)
    _module(root, "hooked", hook % ("hooked", '".*undeclared input variable.*"'), BAD_TF)
    _module(root, "unmatched", hook % ("unmatched", '"no such error text"'), BAD_TF)
    _module(root, "fine", hook % ("fine", '".*"'), GOOD_TF)
    report = tmp_path / "report.json"
    res = run_tgo(_env(tmp_path), root, "run-all", "plan", "--non-interactive", f"--report-file={report}")
    assert res.returncode == 1, res.stdout + res.stderr
    assert _statuses(report) == {"ignored": "succeeded", "hooked": "failed", "unmatched": "failed", "fine": "succeeded"}
    assert "known breakage, tracked elsewhere" in res.stdout
    ignored = next(m for m in json.loads(report.read_text())["modules"] if m["path"] == "ignored")
    assert "known breakage" in (ignored["reason"] or "")
    # The error hook ran for its failing module only: not when the error did not match, not on success.
    assert marker.read_text().split() == ["hooked"]


@pytest.fixture(scope="module")
def applied(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict[str, str]]:
    """One applied tree for every spelling of a destroy: ``kept`` must survive each of them, and
    ``free`` being destroyed by an earlier one changes nothing for the next (applied once: a fifth
    of the cost)."""
    tmp = tmp_path_factory.mktemp("pinned")
    root = tmp / "live"
    kept = _module(root, "kept", "prevent_destroy = true\n", GOOD_TF)
    _module(root, "free", "", GOOD_TF)
    env = _env(tmp)
    done = run_tgo(env, root, "run-all", "apply", "--yes")
    assert done.returncode == 0, done.stdout + done.stderr
    return root, kept, env


@pytest.mark.parametrize(
    "command",
    [("destroy",), ("apply", "-destroy"), ("plan", "-destroy"), ("apply", "-destroy=true"), ("plan", "--destroy")],
    ids=" ".join,
)
def test_prevent_destroy_blocks_every_destroy(
    tmp_path: Path, applied: tuple[Path, Path, dict[str, str]], command: tuple[str, ...]
) -> None:
    root, kept, env = applied
    report = tmp_path / "report.json"
    res = run_tgo(env, root, "run-all", *command, "--yes", "--non-interactive", f"--report-file={report}")
    assert res.returncode in (0, 2), res.stdout + res.stderr
    assert _statuses(report)["kept"] == "excluded", res.stdout
    assert "prevent_destroy" in res.stdout
    copies = list(kept.rglob("terraform.tfstate"))
    assert copies, "the kept module has state"
    for copy in copies:
        assert json.loads(copy.read_text())["outputs"]["v"]["value"] == "kept"
    single = run_tgo(env, kept, "run", *command, "--yes", "--non-interactive")
    assert single.returncode != 0 or "prevent_destroy" in single.stdout + single.stderr
    for copy in copies:
        assert json.loads(copy.read_text())["outputs"]["v"]["value"] == "kept"
