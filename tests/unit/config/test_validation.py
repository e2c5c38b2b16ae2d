"""Validation messages: each names file:line:col, the attribute path and what to do."""

from __future__ import annotations

import pytest

from orchestrator.config.loader import ConfigLoader
from orchestrator.errors import ConfigError, ConfigErrors, TgoError
from tests.unit.config.conftest import WriteTree


def _error(write_tree: WriteTree, loader: ConfigLoader, text: str, extra: dict[str, str] | None = None) -> str:
    root = write_tree({"m/terragrunt.hcl": text, **(extra or {})})
    with pytest.raises(TgoError) as info:
        loader.load_module(root / "m")
    return info.value.format()


def test_unknown_attribute_did_you_mean(write_tree: WriteTree, loader: ConfigLoader) -> None:
    msg = _error(write_tree, loader, '\niam_rol = "x"\n')
    assert msg == "m/terragrunt.hcl:2:1: iam_rol: unknown attribute 'iam_rol' (did you mean 'iam_role'?)"


def test_unknown_block_did_you_mean(write_tree: WriteTree, loader: ConfigLoader) -> None:
    msg = _error(write_tree, loader, 'dependancy "x" {\n  config_path = "../x"\n}\n')
    assert msg == "m/terragrunt.hcl:1:1: dependancy: unknown block 'dependancy' (did you mean 'dependency'?)"


def test_bad_role_arn(write_tree: WriteTree, loader: ConfigLoader) -> None:
    msg = _error(write_tree, loader, 'locals {\n  a = 1\n}\niam_role = "arn:aws:iam::12:role/x"\n')
    assert msg.startswith("m/terragrunt.hcl:4:1: iam_role: 'arn:aws:iam::12:role/x' is not an IAM role ARN")
    assert msg.endswith("(use arn:aws:iam::<12-digit account id>:role/<name>)")


def test_duration_and_session_name(write_tree: WriteTree, loader: ConfigLoader) -> None:
    msg = _error(write_tree, loader, "iam_assume_role_duration = 60\n")
    assert msg.startswith("m/terragrunt.hcl:1:1: iam_assume_role_duration: 60 is outside 900..43200 seconds")
    root = write_tree({"n/terragrunt.hcl": 'iam_assume_role_session_name = "a b"\n'})
    with pytest.raises(ConfigError) as info:
        loader.load_module(root / "n")
    assert info.value.format().startswith("n/terragrunt.hcl:1:1: iam_assume_role_session_name:")


def test_wrong_type_in_nested_block_names_label(write_tree: WriteTree, loader: ConfigLoader) -> None:
    text = 'generate "provider" {\n  path = "p.tf"\n  contents = "x"\n  if_exists = "sometimes"\n}\n'
    msg = _error(write_tree, loader, text)
    assert msg.startswith("m/terragrunt.hcl:4:3: generate.provider.if_exists:")


def test_unknown_nested_attribute(write_tree: WriteTree, loader: ConfigLoader) -> None:
    text = 'dependency "vpc" {\n  config_path = "../vpc"\n  mock_output = {}\n}\n'
    msg = _error(write_tree, loader, text, {"vpc/terragrunt.hcl": ""})
    assert msg == (
        "m/terragrunt.hcl:3:3: dependency.vpc.mock_output: unknown attribute"
        " 'mock_output' (did you mean 'mock_outputs'?)"
    )


def test_missing_dependency_path(write_tree: WriteTree, loader: ConfigLoader) -> None:
    msg = _error(write_tree, loader, 'dependency "vpc" {\n  config_path = "../vpc"\n}\n')
    assert msg.startswith(
        "m/terragrunt.hcl:2:3: dependency.vpc.config_path: dependency config_path must exist and hold a module"
    )


def test_several_errors_in_one_module_are_all_reported(write_tree: WriteTree, loader: ConfigLoader) -> None:
    root = write_tree({"m/terragrunt.hcl": 'prevent_destroy = "maybe"\nskip = 5\n'})
    with pytest.raises(ConfigErrors) as info:
        loader.load_module(root / "m")
    lines = info.value.format().splitlines()
    assert [line.split(": ")[0] for line in lines] == ["m/terragrunt.hcl:1:1", "m/terragrunt.hcl:2:1"]


def test_legacy_retry_attributes_fold_into_errors(write_tree: WriteTree, loader: ConfigLoader) -> None:
    root = write_tree(
        {"m/terragrunt.hcl": 'retryable_errors = ["boom"]\nretry_max_attempts = 5\nretry_sleep_interval_sec = 1\n'}
    )
    cfg = loader.load_module(root / "m")
    assert cfg.errors is not None
    (retry,) = cfg.errors.retry
    assert (retry.retryable_errors, retry.max_attempts, retry.sleep_interval_sec) == (["boom"], 5, 1)


def test_accepted_blocks_tgo_ignores(write_tree: WriteTree, loader: ConfigLoader) -> None:
    root = write_tree(
        {
            "m/terragrunt.hcl": (
                'engine {\n  source = "x"\n}\nfeature "f" {\n  default = 3\n}\ninputs = { f = feature.f.value }\n'
            )
        }
    )
    assert loader.load_module(root / "m").inputs == {"f": 3}


def test_unknown_output_in_typed_attribute_is_error(write_tree: WriteTree, loader: ConfigLoader) -> None:
    text = 'dependency "vpc" {\n  config_path = "../vpc"\n}\n'
    text += "terraform {\n  copy_terraform_lock_file = dependency.vpc.outputs.c\n}\n"
    msg = _error(write_tree, loader, text, {"vpc/terragrunt.hcl": ""})
    assert msg.startswith(
        "m/terragrunt.hcl:5:3: terraform.copy_terraform_lock_file: depends on a dependency output that is not known yet"
    )


def test_source_reading_dependency_outputs_is_error(write_tree: WriteTree, loader: ConfigLoader) -> None:
    # Terragrunt needs terraform.source before it can fetch any dependency output.
    text = 'dependency "vpc" {\n  config_path = "../vpc"\n  mock_outputs = { src = "./x" }\n}\n'
    text += "terraform {\n  source = dependency.vpc.outputs.src\n}\n"
    msg = _error(write_tree, loader, text, {"vpc/terragrunt.hcl": ""})
    assert msg.startswith("m/terragrunt.hcl:6:3: terraform.source: cannot read dependency outputs")


def test_dependency_outputs_mocks_and_real(write_tree: WriteTree, loader: ConfigLoader) -> None:
    root = write_tree(
        {
            "vpc/terragrunt.hcl": "",
            "m/terragrunt.hcl": """
                dependency "vpc" {
                  config_path = "../vpc"
                  mock_outputs = { id = "mock", extra = "m" }
                  mock_outputs_allowed_terraform_commands = ["plan"]
                  mock_outputs_merge_strategy_with_state = "shallow"
                }
                inputs = { id = dependency.vpc.outputs.id }
            """,
        }
    )
    vpc = (root / "vpc").resolve()
    plan = loader.load_module(root / "m", command="plan")
    assert (plan.inputs, plan.used_mock_outputs) == ({"id": "mock"}, True)
    real = loader.load_module(root / "m", command="apply", outputs={vpc: {"id": "vpc-1"}})
    assert (real.inputs, real.used_mock_outputs) == ({"id": "vpc-1"}, False)
    with pytest.raises(ConfigError) as info:
        loader.load_module(root / "m", command="apply")
    assert 'dependency "vpc" (vpc) has no outputs' in info.value.format()
    assert "apply it first: tgo never applies with mock outputs" in info.value.format()
    assert loader.load_module(root / "m").inputs == {"id": "mock"}
