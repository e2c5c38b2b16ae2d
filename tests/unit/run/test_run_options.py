"""`run-all --account` through the CLI's option building: names resolve against the tree's accounts."""

from __future__ import annotations

from pathlib import Path

import pytest

from orchestrator.accounts import Account
from orchestrator.cli.run_argv import split_run_argv
from orchestrator.cli.run_cmds import options_from
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
