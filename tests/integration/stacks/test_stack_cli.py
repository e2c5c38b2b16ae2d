"""The stack commands' flags as a user types them (in-process, nothing reaches terraform):
``--source-map`` on the command line, ``run-all --no-stack-generate``, and ``run-all`` stopping on a
bad stack file before generating or running anything."""

from __future__ import annotations

from pathlib import Path

import pytest

from orchestrator.cli import main
from tests.integration.stacks.conftest import CATALOG_URL, MODULES_URL, StackRepo


def _tgo(argv: list[str]) -> int:
    with pytest.raises(SystemExit) as info:
        main(argv)
    code = info.value.code
    return code if isinstance(code, int) else 1


def _generated(root: Path) -> list[Path]:
    return sorted(root.rglob(".terragrunt-stack"))


def test_source_map_flags_with_relative_destinations(
    repo: StackRepo, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(repo.root)
    monkeypatch.delenv("TG_SOURCE_MAP", raising=False)
    code = _tgo(
        [
            "stack",
            "generate",
            "--working-dir",
            "live",
            "--source-map",
            f"{CATALOG_URL}=catalog",
            "--source-map",
            f"{MODULES_URL}=./catalog/modules",
        ]
    )
    out = capsys.readouterr()
    assert code == 0, out.err
    assert "3 stack(s), 6 component(s): 15 file(s) written, 0 removed" in out.out
    assert (repo.live / "prod/.terragrunt-stack/app/terragrunt.hcl").is_file()


def test_without_a_source_map_the_git_source_is_cloned_and_its_failure_reported(
    repo: StackRepo, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(repo.live)
    monkeypatch.delenv("TG_SOURCE_MAP", raising=False)
    # an unreachable host: git fails fast, and the error names the stack file and block
    for path in (repo.live / "dev/terragrunt.stack.hcl", repo.live / "prod/terragrunt.stack.hcl"):
        path.write_text(path.read_text().replace("https://github.com/acme", "file:///nonexistent/acme"))
    assert _tgo(["stack", "generate"]) == 3
    err = capsys.readouterr().err
    assert "dev/terragrunt.stack.hcl:8:3: stack.service.source: git clone of" in err
    assert _generated(repo.live) == []


def test_run_all_no_stack_generate_leaves_the_tree_alone(
    repo: StackRepo, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(repo.live)
    monkeypatch.setenv("TG_SOURCE_MAP", repo.source_map)
    code = _tgo(["run-all", "plan", "--no-stack-generate", "--non-interactive", "--no-preflight"])
    capsys.readouterr()
    assert code == 3, "no unit to run: the stacks were not generated"
    assert _generated(repo.live) == []


def test_run_all_stops_on_a_bad_stack_file_before_anything(
    repo: StackRepo, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(repo.live)
    monkeypatch.setenv("TG_SOURCE_MAP", repo.source_map)
    prod = repo.live / "prod/terragrunt.stack.hcl"
    prod.write_text(prod.read_text().replace('path   = "app"', 'path   = "../app"'))
    assert _tgo(["run-all", "plan", "--non-interactive"]) == 3
    lines = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert lines == [
        "error: prod/terragrunt.stack.hcl:18:3: unit.app.path: path '../app' leaves the stack's directory "
        "(name a directory below the stack, without '..')"
    ]
    assert _generated(repo.live) == []
