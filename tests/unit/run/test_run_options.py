"""`run-all --account` through the CLI's option building: names resolve against the tree's accounts."""

from __future__ import annotations

from pathlib import Path

import pytest

from orchestrator.accounts import Account
from orchestrator.cli.run_argv import split_run_argv
from orchestrator.cli.run_cmds import options_from, wants_all
from orchestrator.errors import UsageError
from orchestrator.runtime import Runtime


def test_account_names_and_ids_resolve_against_known_accounts(tmp_path: Path) -> None:
    runtime = Runtime(environ={}, cwd=tmp_path)
    known = [Account("444444444444", "prod", tmp_path / "prod/account.hcl"), Account("222222222222", "dev", tmp_path)]
    parsed = split_run_argv(["plan", "--account", "prod", "--account", "222222222222"])
    assert options_from(parsed, runtime, single=False, known=known).accounts == ("444444444444", "222222222222")
    assert options_from(split_run_argv(["plan"]), runtime, single=False).accounts == ()
    with pytest.raises(UsageError):
        options_from(split_run_argv(["plan", "--account", "staging"]), runtime, single=False, known=known)


@pytest.mark.parametrize(
    ("argv", "env", "group_all", "expected"),
    [
        (["--all", "plan"], {}, False, True),
        (["plan", "-detailed-exitcode", "--all"], {}, False, True),
        (["plan", "--", "--all"], {}, False, False),  # after --, it is terraform's
        (["plan"], {"TG_ALL": "true"}, False, True),
        (["plan"], {"TG_ALL": "0"}, False, False),
        (["plan"], {}, True, True),  # tgo --all run plan
        (["plan"], {}, False, False),
    ],
)
def test_run_all_spellings(argv: list[str], env: dict[str, str], group_all: bool, expected: bool) -> None:
    parsed = split_run_argv(argv)
    assert wants_all(parsed, env, group_all=group_all) is expected
    assert parsed.command == "plan"
    assert "--all" not in parsed.tf_args or argv[-2:] == ["--", "--all"]
