"""sample-infra renders to the values Terragrunt would produce (written out here by hand), both in
place and in a copy of the layout elsewhere, and validates clean."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from orchestrator.cli import main
from tests.integration.config.conftest import SAMPLE

ACCOUNTS = {"security": "111111111111", "dev": "222222222222", "stage": "333333333333", "prod": "444444444444"}
MODULES = [
    "dev/us-east-1/dev/app",
    "dev/us-east-1/dev/database",
    "dev/us-east-1/dev/dns",
    "dev/us-east-1/dev/iam-baseline",
    "dev/us-east-1/dev/network",
    "prod/eu-west-1/prod/app",
    "prod/eu-west-1/prod/network",
    "prod/us-east-1/prod/app",
    "prod/us-east-1/prod/database",
    "prod/us-east-1/prod/dns",
    "prod/us-east-1/prod/iam-baseline",
    "prod/us-east-1/prod/network",
    "security/us-east-1/security/iam-baseline",
    "security/us-east-1/security/log-archive",
    "stage/us-east-1/stage/app",
    "stage/us-east-1/stage/dns",
    "stage/us-east-1/stage/network",
]
BACKEND_FLAGS = {
    "encrypt": True,
    "force_path_style": True,
    "skip_credentials_validation": True,
    "skip_metadata_api_check": True,
    "skip_region_validation": True,
}


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as info:
        main(args)
    out = capsys.readouterr()
    return int(info.value.code or 0), out.out, out.err


def _render(root: Path, module: str, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    code, out, err = _run(["render", "--json", "--no-cache", "--working-dir", str(root / module)], capsys)
    assert code == 0, err
    data: dict[str, Any] = json.loads(out)
    return data


def _provider(region: str) -> dict[str, Any]:
    return {
        "contents": f'provider "tgo" {{\n  region = "{region}"\n}}\n',
        "if_exists": "overwrite_terragrunt",
        "if_disabled": "skip",
        "comment_prefix": "# ",
        "disable_signature": False,
        "disable": False,
        "path": "provider.tf",
    }


# What Terragrunt's render-json always shows, with its values when the config leaves them unset.
UNSET = {
    "terraform_binary": "",
    "terraform_version_constraint": "",
    "terragrunt_version_constraint": "",
    "download_dir": "",
    "iam_assume_role_session_name": "",
    "iam_web_identity_token": "",
    "dependencies": None,
    "iam_assume_role_duration": None,
    "locals": None,
    "feature": {},
}


def _terraform(source: str) -> dict[str, Any]:
    return {
        "source": source,
        "include_in_copy": None,
        "exclude_from_copy": None,
        "copy_terraform_lock_file": None,
        "extra_arguments": {},
        "before_hook": {},
        "after_hook": {},
        "error_hook": {},
    }


def _dependency(name: str, config_path: str, mocks: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": name,
        "config_path": config_path,  # as written in the config
        "enabled": None,
        "skip": None,
        "mock_outputs": mocks,
        "mock_outputs_allowed_terraform_commands": ["validate", "plan"],
        "mock_outputs_merge_with_state": None,
        "mock_outputs_merge_strategy_with_state": None,
        "outputs": None,  # render fetches no output
        "inputs": None,
    }


def _remote_state(account_id: str, key: str, endpoint: str = "") -> dict[str, Any]:
    return {
        "backend": "s3",
        "config": {
            "bucket": f"tgo-state-{account_id}",
            "key": key,
            "region": "us-east-1",
            "dynamodb_table": f"tgo-locks-{account_id}",
            "endpoint": endpoint,
            "dynamodb_endpoint": endpoint,
            "sts_endpoint": endpoint,
            **BACKEND_FLAGS,
        },
        "generate": {"path": "backend.tf", "if_exists": "overwrite_terragrunt"},
        "disable_init": False,
        "disable_dependency_optimization": False,
        "encryption": None,
    }


def test_prod_app_renders_exactly(
    sample_copy: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:5000")
    root = sample_copy
    network = str(root / "prod/us-east-1/prod/app") + "/../network"
    mocks = {"vpc_id": "vpc-00000000mock", "subnet_ids": ["subnet-0000mock-a", "subnet-0000mock-b"]}
    assert _render(root, "prod/us-east-1/prod/app", capsys) == {
        **UNSET,
        "dependency": {"network": _dependency("network", network, mocks)},
        "tgo": {"used_mock_outputs": True, "dependency_outputs": {"network": mocks}},
        "generate": {"provider": _provider("us-east-1")},
        "iam_role": "arn:aws:iam::444444444444:role/tgo-deploy",
        "inputs": {
            "account_id": "444444444444",
            "bucket": "tgo-data-444444444444",
            "environment": "prod",
            "name": "app-primary",
            "region": "us-east-1",
            "subnet_ids": ["subnet-0000mock-a", "subnet-0000mock-b"],
            "vpc_id": "vpc-00000000mock",
        },
        "remote_state": _remote_state(
            "444444444444", "prod/us-east-1/prod/app/terraform.tfstate", "http://127.0.0.1:5000"
        ),
        "terraform": _terraform(f"{root}/_envcommon/../modules//app"),
    }


def test_stage_dns_renders_exactly(
    sample_copy: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    root = sample_copy
    mocks = {"endpoint": "https://app.mock.invalid"}
    assert _render(root, "stage/us-east-1/stage/dns", capsys) == {
        **UNSET,
        "dependency": {"app": _dependency("app", "../app", mocks)},
        "tgo": {"used_mock_outputs": True, "dependency_outputs": {"app": mocks}},
        "generate": {"provider": _provider("us-east-1")},
        "iam_role": "arn:aws:iam::333333333333:role/tgo-deploy",
        "inputs": {
            "account_id": "333333333333",
            "app_endpoint": "https://app.mock.invalid",
            "bucket": "tgo-data-333333333333",
            "environment": "stage",
            "name": "dns",
            "region": "us-east-1",
        },
        "remote_state": _remote_state("333333333333", "stage/us-east-1/stage/dns/terraform.tfstate"),
        "terraform": _terraform(f"{root}/modules//dns"),
    }


def test_render_all_covers_every_module_with_its_account_and_key(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("TGO_CACHE_DIR", str(tmp_path / "cache"))
    code, out, err = _run(["render", "--all", "--json", "--working-dir", str(SAMPLE)], capsys)
    assert code == 0, err
    data = json.loads(out)
    assert sorted(data) == MODULES
    for module, rendered in data.items():
        account, region, env, name = module.split("/")
        account_id = ACCOUNTS[account]
        assert rendered["iam_role"] == f"arn:aws:iam::{account_id}:role/tgo-deploy"
        assert rendered["remote_state"]["config"]["key"] == f"{module}/terraform.tfstate"
        assert rendered["remote_state"]["config"]["bucket"] == f"tgo-state-{account_id}"
        assert rendered["generate"]["provider"] == _provider(region)
        base = {"environment": env, "account_id": account_id, "region": region, "bucket": f"tgo-data-{account_id}"}
        assert {k: rendered["inputs"][k] for k in base} == base
        assert rendered["inputs"]["name"] == ("app-primary" if module == "prod/us-east-1/prod/app" else name)
        assert rendered["terraform"]["source"].endswith(f"modules//{name}")
    assert data["security/us-east-1/security/log-archive"]["prevent_destroy"] is True
    assert set(data["dev/us-east-1/dev/database"]["dependency"]) == {"network"}
    # Paths as written in the config, as Terragrunt renders them.
    assert data["dev/us-east-1/dev/iam-baseline"]["dependency"]["log_archive"]["config_path"] == str(
        SAMPLE / "security/us-east-1/security/log-archive"
    )
    assert data["security/us-east-1/security/iam-baseline"]["dependencies"]["paths"] == ["../log-archive"]
    assert list((tmp_path / "cache").rglob("*.json")), "the parse cache was written to TGO_CACHE_DIR"


def test_validate_sample_tree_is_clean(sample_copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(["validate", "--terragrunt-working-dir", str(sample_copy)], capsys)
    assert (code, out.strip(), err) == (0, "17 modules valid", "")
    assert list((sample_copy / ".tgo" / "cache").rglob("*.json"))


def test_validate_reports_every_error_of_a_tree(sample_copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (sample_copy / "dev/account.hcl").write_text('locals {\n  account_name = "dev"\n  account_id   = "2222"\n}\n')
    dns = sample_copy / "prod/us-east-1/prod/dns/terragrunt.hcl"
    dns.write_text(dns.read_text().replace('config_path = "../app"', 'config_path = "../nowhere"'))
    code, _, err = _run(["validate", "--no-cache", "--working-dir", str(sample_copy)], capsys)
    assert code == 3
    lines = err.strip().splitlines()
    # The bad account id breaks every dev module through root.hcl: reported once, at root.hcl.
    assert len(lines) == 2, lines
    assert any(
        "root.hcl:22:1: iam_role: 'arn:aws:iam::2222:role/tgo-deploy' is not an IAM role ARN" in x for x in lines
    )
    assert any("prod/us-east-1/prod/dns/terragrunt.hcl:10:3: dependency.app.config_path:" in x for x in lines)


def test_working_dir_from_environment(
    sample_copy: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TG_WORKING_DIR", str(sample_copy / "dev/us-east-1/dev/network"))
    code, out, _ = _run(["render", "--no-cache"], capsys)
    assert code == 0
    assert json.loads(out)["inputs"]["name"] == "network"
