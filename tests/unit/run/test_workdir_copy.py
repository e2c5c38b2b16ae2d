"""terraform { include_in_copy, exclude_from_copy, copy_terraform_lock_file } with real files: what
reaches the working directory under .terragrunt-cache, and the lock file going back after init."""

from __future__ import annotations

import io
import os
from pathlib import Path, PurePosixPath

import pytest

from orchestrator.config.models import ModuleConfig, TerraformBlock
from orchestrator.output import RunOutput
from orchestrator.process import ProcessGroup
from orchestrator.runtime import Console
from orchestrator.terraform.commands import TfCommand
from orchestrator.terraform.executor import ExecRequest, ModuleExecutor
from orchestrator.terraform.workdir import MANIFEST, CopyRules, prepare
from tests.support.cli import run_tgo
from tests.support.terraform import terraform_env, terraform_path


def write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)


def listing(root: Path) -> set[str]:
    return {
        p.relative_to(root).as_posix()
        for p in root.rglob("*")
        if p.is_file() and ".terraform" not in p.relative_to(root).parts and p.name != MANIFEST
    }


def tree(tmp_path: Path, **terraform: object) -> ModuleConfig:
    """A module with a local source; both directories hold visible, hidden and excluded files."""
    src, mod = tmp_path / "src", tmp_path / "live" / "mod"
    write(src, {"main.tf": "", ".python-version": "3.11", ".hidden/x.txt": "", "docs/a.md": "", "big.zip": ""})
    write(
        mod,
        {
            "terragrunt.hcl": "",
            "extra.tf": "",
            ".env": "secret-ish",
            ".tflint.hcl": "",
            ".terraform.lock.hcl": "lock",
            "notes.txt": "",
            "data/.keep": "",
            "data/values.json": "{}",
            "scratch/tmp.txt": "",
            "terraform.tfstate": "{}",
        },
    )
    tb = TerraformBlock(source="../../src", **terraform)
    return ModuleConfig(path=mod, config_file=mod / "terragrunt.hcl", terraform=tb)


def test_default_copy_leaves_hidden_files_and_state_behind_but_carries_the_lock_file(tmp_path: Path) -> None:
    work = prepare(tree(tmp_path), {})
    assert work.path.is_relative_to(tmp_path / "live" / "mod" / ".terragrunt-cache")
    assert listing(work.path) == {
        "main.tf",
        "docs/a.md",
        "big.zip",
        "terragrunt.hcl",
        "extra.tf",
        ".terraform.lock.hcl",
        "notes.txt",
        "data/values.json",
        "scratch/tmp.txt",
    }


def test_include_in_copy_brings_hidden_files_from_source_and_module(tmp_path: Path) -> None:
    cfg = tree(tmp_path, include_in_copy=[".python-version", ".hidden", "./.tflint.hcl", "data/.*"])
    assert listing(prepare(cfg, {}).path) >= {".python-version", ".hidden/x.txt", ".tflint.hcl", "data/.keep"}
    assert ".env" not in listing(prepare(cfg, {}).path)


def test_exclude_from_copy_wins_over_include_and_over_plain_files(tmp_path: Path) -> None:
    cfg = tree(tmp_path, include_in_copy=[".*"], exclude_from_copy=["*.zip", "scratch", ".env", "**/values.json"])
    got = listing(prepare(cfg, {}).path)
    assert {"big.zip", "scratch/tmp.txt", ".env", "data/values.json"}.isdisjoint(got)
    assert {".python-version", ".tflint.hcl", "notes.txt", "main.tf"} <= got


def test_the_cache_and_terraform_dirs_are_never_copied_even_when_included(tmp_path: Path) -> None:
    cfg = tree(tmp_path, include_in_copy=["**"])
    write(cfg.path, {".terraform/providers/p": "", ".git/HEAD": ""})
    work = prepare(cfg, {})
    assert not (work.path / ".terragrunt-cache").exists()
    assert not (work.path / ".git").exists() and not (work.path / ".terraform" / "providers").exists()
    assert (work.path / ".env").is_file()


@pytest.mark.parametrize(
    ("include", "exclude", "path", "kept"),
    [
        ((), (), "a/b.tf", True),
        ((), (), ".env", False),
        ((), (), "a/.x/b.tf", False),
        ((), (), "a/.terraform.lock.hcl", True),
        ((), (), ".x/.terraform.lock.hcl", False),
        (("*.yaml",), (), "c.yaml", True),
        (("*.yaml",), (), ".c.yaml", True),
        (("*.yaml",), (), "sub/.c.yaml", False),  # * stays within one part
        (("**/.c.yaml",), (), "sub/deep/.c.yaml", True),
        (("**/.c.yaml",), (), ".c.yaml", True),
        ((".d",), (), ".d/e/f", True),  # a matched directory carries its contents
        ((".[de]",), (), ".e", True),
        ((), ("a",), "a/b.tf", False),
        ((), ("a/*.tf",), "a/b.tf", False),
        ((), ("a/*.tf",), "a/b.txt", True),
        (("**",), (), ".terragrunt-cache/x", False),
    ],
)
def test_copy_rules(include: tuple[str, ...], exclude: tuple[str, ...], path: str, kept: bool) -> None:
    assert CopyRules.of(include, exclude).keeps(PurePosixPath(path)) is kept


FAKE_TF = r"""#!/bin/sh
case "$1" in
  init) echo "$LOCK_TEXT" > .terraform.lock.hcl; echo initialised; exit 0 ;;
esac
exit 0
"""


def run_init(tmp_path: Path, cfg: ModuleConfig, lock_text: str) -> None:
    tf = tmp_path / "terraform"
    tf.write_text(FAKE_TF)
    tf.chmod(0o755)
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LOCK_TEXT": lock_text}
    ex = ModuleExecutor(terraform_for=lambda _c: str(tf), base_env=env, group=ProcessGroup())
    out = RunOutput(Console(out=io.StringIO(), err=io.StringIO(), color=False), tmp_path / "logs")
    mod = out.module("mod")
    result = ex.run(cfg, ExecRequest(TfCommand("plan")), mod)
    mod.close()
    assert result.status == "succeeded", result.reason


def test_lock_file_written_by_init_in_the_copy_goes_back_to_the_module(tmp_path: Path) -> None:
    cfg = tree(tmp_path)
    run_init(tmp_path, cfg, "providers v2")
    assert (cfg.path / ".terraform.lock.hcl").read_text() == "providers v2\n"
    assert "copied .terraform.lock.hcl" in (tmp_path / "logs" / "mod.log").read_text()


def test_copy_terraform_lock_file_false_leaves_the_module_lock_file_alone(tmp_path: Path) -> None:
    cfg = tree(tmp_path, copy_terraform_lock_file=False)
    run_init(tmp_path, cfg, "providers v2")
    assert (cfg.path / ".terraform.lock.hcl").read_text() == "lock"
    work = prepare(cfg, {})
    assert (work.path / ".terraform.lock.hcl").read_text() == "lock"  # the committed one still goes in


def test_without_a_source_the_lock_file_is_already_home(tmp_path: Path) -> None:
    mod = tmp_path / "mod"
    write(mod, {"main.tf": ""})
    cfg = ModuleConfig(path=mod, config_file=mod / "terragrunt.hcl")
    run_init(tmp_path, cfg, "v1")
    assert (mod / ".terraform.lock.hcl").read_text() == "v1\n"
    assert not (mod / ".terragrunt-cache").exists()


@pytest.mark.e2e
def test_real_terraform_sees_included_hidden_file_and_not_excluded_one(tmp_path: Path) -> None:
    """Through the CLI, the config loader and terraform 1.0.3: an included hidden file is readable by
    the module; an excluded (broken) .tf file never reaches terraform."""
    write(tmp_path / "src", {"main.tf": 'output "v" {\n  value = trimspace(file("${path.module}/.values.txt"))\n}\n'})
    mod = tmp_path / "live" / "mod"
    hcl = (
        'terraform {\n  source = "../../src"\n  include_in_copy = [".values.txt"]\n'
        '  exclude_from_copy = ["broken.tf"]\n}\n'
    )
    write(mod, {"terragrunt.hcl": hcl, ".values.txt": "from-hidden-file\n", "broken.tf": "this is not HCL {"})
    env = {**terraform_env(tmp_path / "home"), "PATH": os.environ.get("PATH", "/usr/bin:/bin")}
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[3])
    done = run_tgo(env, mod, "run", "plan", "--tf-path", str(terraform_path()), "--non-interactive")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "from-hidden-file" in done.stdout


def test_files_no_longer_copied_leave_the_cache_on_the_next_prepare(tmp_path: Path) -> None:
    cfg = tree(tmp_path)
    work = prepare(cfg, {})
    assert {"notes.txt", "big.zip", "extra.tf"} <= listing(work.path)
    (work.path / "made-by-terraform.txt").write_text("")  # not ours: stays
    (cfg.path / "extra.tf").unlink()
    assert cfg.terraform is not None
    newly = cfg.terraform.model_copy(update={"exclude_from_copy": ["*.zip", "notes.txt"]})
    again = cfg.model_copy(update={"terraform": newly})
    work = prepare(again, {})
    got = listing(work.path)
    assert {"notes.txt", "big.zip", "extra.tf"}.isdisjoint(got)
    assert {"main.tf", "made-by-terraform.txt", "data/values.json"} <= got
