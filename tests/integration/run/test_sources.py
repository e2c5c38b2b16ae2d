"""`git::` sources through the real git client (a local repository, no network)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from orchestrator.config.models import ModuleConfig, TerraformBlock
from orchestrator.terraform.workdir import prepare


def _git(cwd: Path, *args: str) -> None:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(cwd),
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@t",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@t",
    }
    subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True)


def test_git_source_with_subdir_and_ref(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / "modules" / "vpc").mkdir(parents=True)
    (repo / "modules" / "vpc" / "main.tf").write_text("# v1\n")
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "v1")
    _git(repo, "tag", "v1")
    (repo / "modules" / "vpc" / "main.tf").write_text("# v2\n")
    _git(repo, "commit", "-qam", "v2")

    live = tmp_path / "live"
    live.mkdir()
    (live / "terragrunt.hcl").write_text("")
    cfg = ModuleConfig(
        path=live,
        config_file=live / "terragrunt.hcl",
        terraform=TerraformBlock(source=f"git::file://{repo}//modules/vpc?ref=v1"),
    )
    work = prepare(cfg, {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path)})
    assert work.path.name == "vpc" and (work.path / "main.tf").read_text() == "# v1\n"
    assert (work.path / "terragrunt.hcl").exists(), "the module's own files are copied over the source"
