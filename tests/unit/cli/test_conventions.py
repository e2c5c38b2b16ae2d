"""CLI conventions through the CLI: did-you-mean for a misspelt tgo flag (and not for terraform's),
-h everywhere, `tgo version` / `--version`, NO_COLOR only when non-empty."""

from __future__ import annotations

from pathlib import Path

import pytest

from orchestrator.cli import main
from orchestrator.cli.run_argv import split_run_argv
from orchestrator.runtime import Runtime
from tests.support.terraform import terraform_path


def run_main(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as info:
        main(argv)
    out, err = capsys.readouterr()
    return int(info.value.code or 0), out, err


@pytest.mark.parametrize(
    ("argv", "meant"),
    [
        (["run-all", "plan", "--paralelism", "3"], "--parallelism"),
        (["run-all", "--fail-fst", "apply"], "--fail-fast"),
        (["run-all", "plan", "--include-dirs=a"], "--include-dir"),
        (["run", "apply", "--non-interactiv"], "--non-interactive"),
    ],
)
def test_a_misspelt_tgo_flag_is_a_usage_error_with_a_suggestion(
    argv: list[str], meant: str, capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, err = run_main(argv, capsys)
    assert code == 64
    assert f"did you mean {meant}?" in err and "Traceback" not in err


@pytest.mark.parametrize(
    "args",
    [
        ["plan", "--lock-timeout=5s"],  # a terraform flag, close to no tgo flag
        ["plan", "--out=x.tfplan"],  # terraform's -out, although close to --out-dir
        ["apply", "--parallelism=3", "--", "--paralelism", "3"],  # after --: terraform's, untouched
        ["plan", "--refresh-only"],
        ["plan", "-paralelism=3"],  # single dash: terraform's spelling, passed on
    ],
)
def test_terraform_flags_and_other_unknown_flags_still_go_to_terraform(args: list[str]) -> None:
    parsed = split_run_argv(args)
    assert parsed.command in {"plan", "apply"}


COMMANDS = [
    ["run-all"], ["run"], ["graph"], ["render"], ["validate"], ["find"], ["list"], ["hcl"], ["hcl", "fmt"],
    ["auth"], ["auth", "check"], ["stack"], ["stack", "run"], ["stack", "generate"], ["drift"], ["version"],
]  # fmt: skip


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_dash_h_is_help_everywhere(command: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_main([*command, "-h"], capsys)
    assert code == 0 and out.startswith("Usage: tgo ")


@pytest.mark.parametrize("argv", [["version"], ["--version"]])
def test_version_names_tgo_python_hcl2_and_terraform(
    argv: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TG_TF_PATH", str(terraform_path()))
    monkeypatch.setenv("CHECKPOINT_DISABLE", "1")
    code, out, _ = run_main(argv, capsys)
    lines = out.splitlines()
    assert code == 0 and len(lines) == 3
    assert lines[0].startswith("tgo 0.") and lines[1].startswith("python-hcl2 8.")
    assert lines[2].startswith("terraform 1.0.3 (")


def test_version_without_terraform_says_so(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TG_TF_PATH", "/nonexistent/terraform")
    code, out, _ = run_main(["version"], capsys)
    assert code == 0 and out.splitlines()[2].startswith("terraform unknown: terraform binary '/nonexistent/terraform'")


@pytest.mark.parametrize(("value", "color"), [("", None), ("1", False), ("0", False)])
def test_no_color_counts_only_when_non_empty(monkeypatch: pytest.MonkeyPatch, value: str, color: bool | None) -> None:
    monkeypatch.setenv("NO_COLOR", value)
    console = Runtime.from_os().console
    assert console.color == (console.is_tty if color is None else color)
