"""The question before apply/destroy says what will happen: the command, DESTROY in capitals, the
modules per account, the list when it fits."""

from __future__ import annotations

from pathlib import Path

import click
import pytest

from orchestrator.accounts import account_by_location
from orchestrator.cli.run_argv import split_run_argv
from orchestrator.cli.run_cmds import make_confirm
from orchestrator.console.confirm import confirm_lines

MODULES = ["dev/app", "prod/app", "prod/db"]


def account_of(module: str) -> str | None:
    return {"dev": "dev (222222222222)", "prod": "prod (444444444444)"}.get(module.split("/", maxsplit=1)[0])


def test_apply_lists_modules_per_account_when_they_fit() -> None:
    assert confirm_lines("apply", [], MODULES, account_of, 24) == [
        "tgo will run `terraform apply` in 3 modules:",
        "  dev (222222222222): 1 module",
        "    dev/app",
        "  prod (444444444444): 2 modules",
        "    prod/app",
        "    prod/db",
    ]


@pytest.mark.parametrize(("command", "args"), [("destroy", []), ("apply", ["-destroy"])])
def test_destroy_is_said_in_capitals_and_a_long_list_is_counted(command: str, args: list[str]) -> None:
    lines = confirm_lines(command, args, MODULES, account_of, 6)
    assert lines[0].startswith("tgo will DESTROY the resources of 3 modules (terraform ")
    assert lines[1:3] == ["  dev (222222222222): 1 module", "  prod (444444444444): 2 modules"]
    assert not any(line.startswith("    ") for line in lines), "does not fit in 6 lines: counts only"


def test_accounts_come_from_the_nearest_account_file(tmp_path: Path) -> None:
    for name, number in (("prod", "444444444444"), ("dev", "222222222222")):
        (tmp_path / name / "app").mkdir(parents=True)
        (tmp_path / name / "account.hcl").write_text(
            f'locals {{\n  account_id = "{number}"\n  account_name = "{name}"\n}}\n'
        )
    (tmp_path / "shared").mkdir()
    label = account_by_location(tmp_path)
    assert label("prod/app") == "prod (444444444444)" and label("dev/app") == "dev (222222222222)"
    assert label("shared") is None


def test_the_prompt_on_a_terminal(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    asked: list[str] = []
    monkeypatch.setattr(click, "confirm", lambda text, default: asked.append(text) or True)
    confirm = make_confirm(split_run_argv(["destroy"]), stdin_tty=True, account_of=account_of, height=lambda: 40)
    assert confirm(MODULES) is True
    out = capsys.readouterr().out
    assert out.startswith("tgo will DESTROY the resources of 3 modules (terraform destroy):\n")
    assert "    prod/db\n" in out and asked == ["Continue?"]
