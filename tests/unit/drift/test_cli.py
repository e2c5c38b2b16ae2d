"""`tgo drift` flag translation (no terraform runs here)."""

from __future__ import annotations

from pathlib import Path

import pytest

from orchestrator.cli import main
from orchestrator.cli.drift_cmds import options_from
from orchestrator.runtime import Runtime


def runtime(tmp_path: Path, **env: str) -> Runtime:
    return Runtime(environ=env, cwd=tmp_path)


def test_flags_become_typed_options(tmp_path: Path) -> None:
    opts = options_from(
        {
            "mode": "refresh-only",
            "working_dir": Path("live"),
            "account": ("prod", "111111111111"),
            "include_dir": ("prod/**",),
            "parallelism": 3,
            "previous": Path("old/drift.json"),
            "output_dir": Path("out"),
            "exit_zero": True,
        },
        runtime(tmp_path, TGO_ACCOUNT_FILE="acct.hcl"),
    )
    assert opts.mode == "refresh-only" and opts.parallelism == 3 and opts.exit_zero
    assert opts.working_dir == tmp_path / "live" and opts.previous == tmp_path / "old" / "drift.json"
    assert opts.output_dir == tmp_path / "out" and opts.suppressions is None
    assert opts.accounts == ("prod", "111111111111") and opts.include_dirs == ("prod/**",)
    assert opts.convention.file == "acct.hcl"


def test_defaults(tmp_path: Path) -> None:
    opts = options_from({}, runtime(tmp_path))
    assert (opts.mode, opts.working_dir, opts.output_dir, opts.exit_zero) == ("plan", tmp_path, None, False)


@pytest.mark.parametrize(
    ("argv", "code"),
    [(["drift", "--parallelism", "0"], 64), (["drift", "--mode", "nope"], 64), (["drift", "--bogus"], 64)],
)
def test_bad_flags_exit_64_before_anything_runs(argv: list[str], code: int, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(argv)
    assert done.value.code == code
    assert "Traceback" not in capsys.readouterr().err


def test_unknown_account_name_is_a_usage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "prod").mkdir()
    (tmp_path / "prod" / "account.hcl").write_text(
        'locals {\n  account_name = "prod"\n  account_id = "444444444444"\n}\n'
    )
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as done:
        main(["drift", "--account", "prdo"])
    assert done.value.code == 64
    err = capsys.readouterr().err
    assert "--account" in err and "prod (444444444444)" in err
