"""`tgo run-all --help` lists every tgo flag with its Terragrunt aliases."""

from __future__ import annotations

from click.testing import CliRunner

from orchestrator.cli import tgo
from orchestrator.cli.run_argv import FLAGS, HELP


def test_every_flag_has_help() -> None:
    assert set(HELP) == set(FLAGS)


def test_run_all_help_lists_flags_and_aliases() -> None:
    result = CliRunner().invoke(tgo, ["run-all", "--help"])
    assert result.exit_code == 0
    for name, (_, _, aliases) in FLAGS.items():
        assert name in result.output
        for alias in aliases:
            assert alias in result.output
    assert "--parallelism VALUE" in result.output
