from __future__ import annotations

import os
from pathlib import Path

import pytest

from orchestrator import discovery
from orchestrator.accounts import AccountConvention, known_accounts, names_by_id, resolve_selectors
from orchestrator.config.loader import ConfigLoader
from orchestrator.errors import ConfigError, UsageError
from tests.unit.config.conftest import make_runtime

READ_ACCOUNT = 'read_terragrunt_config(find_in_parent_folders("account.hcl"))'


def tree(tmp_path: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        p = tmp_path / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    return tmp_path


def test_names_and_ids_resolve_in_order_without_duplicates(tmp_path: Path) -> None:
    root = tree(
        tmp_path,
        {
            "prod/account.hcl": 'locals {\n  account_name = "prod"\n  account_id = "444444444444"\n}\n',
            "dev/account.hcl": 'locals {\n  n = "dev"\n  account_name = local.n\n  account_id = "222222222222"\n}\n',
            "shared/account.hcl": 'locals {\n  account_id = get_env("X", "1")\n}\n',  # not evaluable: skipped
            ".terragrunt-cache/x/account.hcl": 'locals {\n  account_name = "prod"\n  account_id = "999999999999"\n}\n',
        },
    )
    accounts = known_accounts(root)
    assert names_by_id(accounts) == {"222222222222": "dev", "444444444444": "prod"}
    assert resolve_selectors(["prod", "111111111111", "444444444444", "dev"], accounts) == (
        "444444444444",
        "111111111111",
        "222222222222",
    )


def test_unknown_name_lists_the_known_ones(tmp_path: Path) -> None:
    root = tree(tmp_path, {"a/account.hcl": 'locals {\n  account_name = "prod"\n  account_id = "444444444444"\n}\n'})
    with pytest.raises(UsageError) as err:
        resolve_selectors(["prdo"], known_accounts(root))
    assert "--account" in err.value.format() and "prod (444444444444)" in err.value.format()


def test_convention_is_configurable(tmp_path: Path) -> None:
    root = tree(tmp_path, {"a/acct.hcl": 'locals {\n  alias = "sandbox"\n  number = "555555555555"\n}\n'})
    conv = AccountConvention.from_env(
        {"TGO_ACCOUNT_FILE": "acct.hcl", "TGO_ACCOUNT_ID_LOCAL": "number", "TGO_ACCOUNT_NAME_LOCAL": "alias"}
    )
    assert resolve_selectors(["sandbox"], known_accounts(root, conv)) == ("555555555555",)


def test_bad_or_conflicting_account_files_are_config_errors(tmp_path: Path) -> None:
    bad = tree(tmp_path / "bad", {"a/account.hcl": 'locals {\n  account_id = "12"\n}\n'})
    with pytest.raises(ConfigError) as err:
        known_accounts(bad)
    assert "account.hcl" in err.value.format()
    clash = tree(
        tmp_path / "clash",
        {
            "a/account.hcl": 'locals {\n  account_name = "prod"\n  account_id = "444444444444"\n}\n',
            "b/account.hcl": 'locals {\n  account_name = "prod"\n  account_id = "555555555555"\n}\n',
        },
    )
    with pytest.raises(ConfigError):
        known_accounts(clash)


def test_the_sample_tree_declares_four_accounts() -> None:
    root = Path(__file__).resolve().parents[3] / "sample-infra"
    assert names_by_id(known_accounts(root)) == {
        "111111111111": "security",
        "222222222222": "dev",
        "333333333333": "stage",
        "444444444444": "prod",
    }


def test_through_the_loader_the_same_accounts_one_walk_one_parse(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the command's loader, account files come from its walk of the tree (caches, hidden
    directories and node_modules skipped as before) and each is parsed once for the whole command."""
    root = tree(
        tmp_path,
        {
            "prod/account.hcl": 'locals {\n  account_name = "prod"\n  account_id = "444444444444"\n}\n',
            "dev/account.hcl": 'locals {\n  n = "dev"\n  account_name = local.n\n  account_id = "222222222222"\n}\n',
            "dev/app/terragrunt.hcl": f"locals {{\n  a = {READ_ACCOUNT}\n}}\n",
            ".terragrunt-cache/x/account.hcl": 'locals {\n  account_name = "x"\n  account_id = "999999999999"\n}\n',
            "node_modules/y/account.hcl": 'locals {\n  account_name = "y"\n  account_id = "888888888888"\n}\n',
        },
    )
    expected = known_accounts(root)
    walks: list[object] = []
    real_walk = os.walk
    monkeypatch.setattr(os, "walk", lambda top, *a, **k: walks.append(top) or real_walk(top, *a, **k))
    loader = ConfigLoader(make_runtime(root))
    accounts = known_accounts(root, reader=loader)
    assert accounts == expected
    assert discovery.discover(root, walk=loader.walk) == [root / "dev" / "app"]
    assert walks == [root.resolve()]
    assert names_by_id(accounts) == {"222222222222": "dev", "444444444444": "prod"}
    loader.load_module(root / "dev" / "app")
    assert loader.files.parse_counts == {
        root / "prod/account.hcl": 1,
        root / "dev/account.hcl": 1,
        root / "dev/app/terragrunt.hcl": 1,
    }
