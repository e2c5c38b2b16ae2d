"""Locals (order, cycles) and each Terragrunt function, through the loader."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

from orchestrator.config.loader import ConfigLoader
from orchestrator.errors import EvalError, TgoError
from orchestrator.runtime import Console, Runtime
from tests.unit.config.conftest import WriteTree, make_runtime


def _inputs(
    write_tree: WriteTree, loader: ConfigLoader, inputs: str, extra: dict[str, str] | None = None, module: str = "m"
) -> dict[str, object]:
    root = write_tree({f"{module}/terragrunt.hcl": f"inputs = {{\n{inputs}\n}}\n", **(extra or {})})
    return loader.load_module(root / module).inputs


def test_locals_any_order(write_tree: WriteTree, loader: ConfigLoader) -> None:
    root = write_tree(
        {
            "m/terragrunt.hcl": (
                'locals {\n  c = "${local.b}!"\n  b = "${local.a}b"\n  a = "a"\n}\ninputs = { c = local.c }\n'
            )
        }
    )
    cfg = loader.load_module(root / "m")
    assert cfg.locals == {"c": "ab!", "b": "ab", "a": "a"}
    assert cfg.inputs == {"c": "ab!"}


def test_locals_cycle_names_chain_and_line(write_tree: WriteTree, loader: ConfigLoader) -> None:
    root = write_tree({"m/terragrunt.hcl": "locals {\n  x = 1\n  a = local.b\n  b = local.a\n}\n"})
    with pytest.raises(EvalError) as info:
        loader.load_module(root / "m")
    assert info.value.format().startswith(
        "m/terragrunt.hcl:3:3: locals.a: cycle in locals: local.a -> local.b -> local.a"
    )


def test_undefined_local_suggests(write_tree: WriteTree, loader: ConfigLoader) -> None:
    root = write_tree({"m/terragrunt.hcl": "locals {\n  region = 1\n}\ninputs = { r = local.regoin }\n"})
    with pytest.raises(EvalError) as info:
        loader.load_module(root / "m")
    assert "did you mean 'region'?" in info.value.format()
    assert info.value.format().startswith("m/terragrunt.hcl:4:")


def test_find_in_parent_folders_forms(write_tree: WriteTree, loader: ConfigLoader) -> None:
    extra = {"a/common.hcl": "", "a/terragrunt.hcl": "", "a/m/common.hcl": ""}
    root = write_tree(
        {
            "a/m/terragrunt.hcl": (
                "inputs = {\n"
                '  f = find_in_parent_folders("common.hcl")\n'
                "  d = find_in_parent_folders()\n"
                '  fb = find_in_parent_folders("nope.hcl", "fallback")\n'
                "}\n"
            ),
            **extra,
        }
    )
    inputs = loader.load_module(root / "a/m").inputs
    # The module's own directory is not searched, as in Terragrunt.
    assert inputs == {"f": str(root / "a/common.hcl"), "d": str(root / "a/terragrunt.hcl"), "fb": "fallback"}


def test_find_in_parent_folders_missing_is_error(write_tree: WriteTree, loader: ConfigLoader) -> None:
    with pytest.raises(EvalError) as info:
        _inputs(write_tree, loader, '  f = find_in_parent_folders("nope.hcl")')
    assert "cannot find 'nope.hcl'" in info.value.format()


def test_get_env(write_tree: WriteTree, tmp_path: Path) -> None:
    loader = ConfigLoader(make_runtime(tmp_path, {"ONE": "1"}))
    assert _inputs(write_tree, loader, '  a = get_env("ONE")\n  b = get_env("TWO", "d")') == {"a": "1", "b": "d"}
    with pytest.raises(EvalError) as info:
        ConfigLoader(make_runtime(tmp_path)).load_module(tmp_path / "m")
    assert "environment variable ONE is not set" in info.value.format()


def test_run_cmd_memoized_quiet_and_failure(write_tree: WriteTree, tmp_path: Path) -> None:
    err = io.StringIO()
    runtime = Runtime(environ={"PATH": "/usr/bin:/bin"}, cwd=tmp_path, console=Console(io.StringIO(), err))
    loader = ConfigLoader(runtime)
    script = tmp_path / "count.py"
    script.write_text(
        "import pathlib\n"
        "p = pathlib.Path('calls')\n"
        "p.write_text(p.read_text() + 'x' if p.exists() else 'x')\n"
        "print('out')\n"
    )
    py = sys.executable
    body = (
        f'  a = run_cmd("{py}", "{script}")\n'
        f'  b = run_cmd("--terragrunt-quiet", "{py}", "{script}")\n'
        f'  c = run_cmd("{py}", "{script}")'
    )
    inputs = _inputs(write_tree, loader, body)
    assert inputs == {"a": "out", "b": "out", "c": "out"}
    # Memoized by argv and directory (the quiet flag is not part of the command): one run in all.
    assert (tmp_path / "m" / "calls").read_text() == "x"
    assert err.getvalue() == "run_cmd: out\n"
    with pytest.raises(EvalError) as info:
        _inputs(write_tree, loader, f'  a = run_cmd("{py}", "-c", "import sys; sys.exit(4)")', module="n")
    assert "exited with 4" in info.value.format()


def test_read_terragrunt_config_default_and_memo(write_tree: WriteTree, loader: ConfigLoader) -> None:
    extra = {"shared.hcl": "locals {\n  v = get_terragrunt_dir()\n}\ninputs = { i = 1 }\n"}
    inputs = _inputs(
        write_tree,
        loader,
        '  r = read_terragrunt_config("../shared.hcl")\n  d = read_terragrunt_config("../none.hcl", { locals = {} })',
        extra,
    )
    root = loader.runtime.cwd
    assert inputs["r"]["locals"] == {"v": str(root)}
    assert inputs["r"]["inputs"] == {"i": 1}
    assert inputs["d"] == {"locals": {}}
    with pytest.raises(EvalError) as info:
        _inputs(write_tree, loader, '  r = read_terragrunt_config("../none.hcl")', module="n")
    assert "does not exist" in info.value.format()


def test_repo_root_functions(write_tree: WriteTree, loader: ConfigLoader) -> None:
    root = write_tree(
        {
            ".git/HEAD": "",
            "live/m/terragrunt.hcl": (
                "inputs = {\n  r = get_repo_root()\n  f = get_path_from_repo_root()\n  t = get_path_to_repo_root()\n}\n"
            ),
        }
    )
    assert loader.load_module(root / "live/m").inputs == {"r": str(root), "f": "live/m", "t": "../.."}


def test_command_functions_and_platform(write_tree: WriteTree, loader: ConfigLoader) -> None:
    root = write_tree(
        {
            "m/terragrunt.hcl": """
                inputs = {
                  cmd = get_terraform_command()
                  vars = get_terraform_commands_that_need_vars()
                  input = get_terraform_commands_that_need_input()
                  locking = get_terraform_commands_that_need_locking()
                  par = get_terraform_commands_that_need_parallelism()
                  platform = get_platform()
                  orig = get_original_terragrunt_dir()
                }
            """
        }
    )
    inputs = loader.load_module(root / "m", command="plan").inputs
    assert inputs["cmd"] == "plan"
    assert "plan" in inputs["vars"] and "init" not in inputs["vars"]
    assert "init" in inputs["input"] and "taint" in inputs["locking"]
    assert inputs["par"] == ["apply", "plan", "destroy"]
    assert inputs["platform"] == "linux"
    assert inputs["orig"] == str(root / "m")
    assert loader.load_module(root / "m").inputs["cmd"] == ""


def test_aws_identity_functions(write_tree: WriteTree, tmp_path: Path) -> None:
    write_tree(
        {
            "m/terragrunt.hcl": (
                'iam_role = "arn:aws:iam::222222222222:role/x"\n'
                "inputs = {\n"
                "  a = get_aws_account_id()\n"
                "  b = get_aws_caller_identity_arn()\n"
                "}\n"
            )
        }
    )
    seen: list[str | None] = []

    def identity(role: str | None) -> dict[str, str]:
        seen.append(role)
        return {"account_id": "222222222222", "arn": "arn:aws:sts::222222222222:assumed-role/x/s", "user_id": "U"}

    loader = ConfigLoader(make_runtime(tmp_path), aws_identity=identity)
    assert loader.load_module(tmp_path / "m").inputs == {
        "a": "222222222222",
        "b": "arn:aws:sts::222222222222:assumed-role/x/s",
    }
    assert seen == ["arn:aws:iam::222222222222:role/x"] * 2
    with pytest.raises(TgoError) as info:
        ConfigLoader(make_runtime(tmp_path)).load_module(tmp_path / "m")
    assert "AWS identity functions are not available" in info.value.format()


def test_path_relative_without_include_is_dot(write_tree: WriteTree, loader: ConfigLoader) -> None:
    inputs = _inputs(write_tree, loader, "  a = path_relative_to_include()\n  b = path_relative_from_include()")
    assert inputs == {"a": ".", "b": "."}


def test_bad_function_argument_names_position(write_tree: WriteTree, loader: ConfigLoader) -> None:
    with pytest.raises(EvalError) as info:
        _inputs(write_tree, loader, "  a = get_env(1, 2, 3)")
    assert info.value.format().startswith("m/terragrunt.hcl:2:7: inputs:")
    assert "get_env() takes 1 to 2 argument(s), got 3" in info.value.format()


def test_read_config_memo_respects_original_dir(write_tree: WriteTree, loader: ConfigLoader) -> None:
    module = (
        'locals {\n  s = read_terragrunt_config("../shared.hcl")\n}\n'
        "inputs = { o = local.s.locals.o, c = local.s.locals.c }\n"
    )
    root = write_tree(
        {
            "shared.hcl": 'locals {\n  o = basename(get_original_terragrunt_dir())\n  c = "const"\n}\n',
            "a/terragrunt.hcl": module,
            "b/terragrunt.hcl": module,
        }
    )
    assert loader.load_module(root / "a").inputs == {"o": "a", "c": "const"}
    assert loader.load_module(root / "b").inputs == {"o": "b", "c": "const"}
