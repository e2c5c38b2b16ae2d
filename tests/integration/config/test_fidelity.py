"""Terragrunt's semantics through the CLI (``tgo render --json`` / ``tgo validate``): each case is
a small tree and the value Terragrunt gives for it."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from orchestrator.cli import main

ROOT_WITH_INPUTS = """
    inputs = { vpc_id = dependency.vpc.outputs.id }
"""


def write(root: Path, files: Mapping[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return root


def tgo(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], cwd: Path, *args: str
) -> tuple[int, str, str]:
    monkeypatch.chdir(cwd)
    for name in ("TG_WORKING_DIR", "TG_FEATURE", "TGO_NO_RUN_CMD"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(SystemExit) as info:
        main(list(args))
    out = capsys.readouterr()
    code = info.value.code
    return code if isinstance(code, int) else 0, out.out, out.err


def render(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], module: Path, *args: str) -> Any:
    code, out, err = tgo(monkeypatch, capsys, module, "render", "--json", "--no-cache", *args)
    assert code == 0, err
    return json.loads(out)


def dep(name: str, path: str, mock: str) -> str:
    return f'dependency "{name}" {{\n  config_path = "{path}"\n  mock_outputs = {{ id = "{mock}" }}\n}}\n'


@pytest.fixture
def modules(tmp_path: Path) -> Path:
    return write(tmp_path, {"vpc/terragrunt.hcl": "", "vpc2/terragrunt.hcl": ""})


def test_included_inputs_read_a_dependency_declared_in_the_unit(modules: Path, monkeypatch, capsys) -> None:
    write(modules, {"root.hcl": ROOT_WITH_INPUTS})
    unit = 'include "root" {\n  path = find_in_parent_folders("root.hcl")\n}\n' + dep("vpc", "../vpc", "from-unit")
    write(modules, {"app/terragrunt.hcl": unit})
    assert render(monkeypatch, capsys, modules / "app")["inputs"] == {"vpc_id": "from-unit"}


def test_unit_dependency_replaces_the_included_one_whole(modules: Path, monkeypatch, capsys) -> None:
    write(modules, {"root.hcl": dep("vpc", "../vpc", "from-root") + ROOT_WITH_INPUTS})
    unit = 'include "root" {\n  path = find_in_parent_folders("root.hcl")\n}\n' + dep("vpc", "../vpc2", "from-unit")
    write(modules, {"app/terragrunt.hcl": unit})
    got = render(monkeypatch, capsys, modules / "app")
    assert got["inputs"] == {"vpc_id": "from-unit"}
    assert list(got["dependency"]) == ["vpc"]


@pytest.mark.parametrize("placeholder", ['config_path = ""', "config_path = null\n  enabled = false"])
def test_parent_placeholder_dependency_is_overridden(modules: Path, monkeypatch, capsys, placeholder: str) -> None:
    parent = f'dependency "vpc" {{\n  {placeholder}\n  mock_outputs = {{ id = "placeholder" }}\n}}\n'
    write(modules, {"root.hcl": parent + ROOT_WITH_INPUTS})
    unit = 'include "root" {\n  path = find_in_parent_folders("root.hcl")\n}\n' + dep("vpc", "../vpc", "real")
    write(modules, {"app/terragrunt.hcl": unit})
    assert render(monkeypatch, capsys, modules / "app")["inputs"] == {"vpc_id": "real"}


def test_disabled_dependency_may_have_null_config_path(modules: Path, monkeypatch, capsys) -> None:
    text = 'dependency "x" {\n  config_path = null\n  enabled = false\n  mock_outputs = { a = 1 }\n}\n'
    write(modules, {"app/terragrunt.hcl": text + "inputs = { a = dependency.x.outputs.a }\n"})
    assert render(monkeypatch, capsys, modules / "app")["inputs"] == {"a": 1}


FEATURES = """
    feature "logs" {
      default = false
    }
    feature "size" {
      default = 2
    }
    feature "tier" {
      default = "small"
    }
"""


def test_features_from_an_include_with_overrides(tmp_path: Path, monkeypatch, capsys) -> None:
    unit = 'include "root" {\n  path = find_in_parent_folders("root.hcl")\n}\n'
    unit += "locals {\n  logs = feature.logs.value\n}\n"
    unit += "inputs = { logs = local.logs, size = feature.size.value, tier = feature.tier.value }\n"
    write(tmp_path, {"root.hcl": FEATURES, "app/terragrunt.hcl": unit})
    assert render(monkeypatch, capsys, tmp_path / "app")["inputs"] == {"logs": False, "size": 2, "tier": "small"}
    got = render(monkeypatch, capsys, tmp_path / "app", "--feature", "logs=true", "--feature", "size=5")
    assert got["inputs"] == {"logs": True, "size": 5, "tier": "small"}
    monkeypatch.setenv("TG_FEATURE", "tier=large,logs=1")
    monkeypatch.chdir(tmp_path / "app")
    with pytest.raises(SystemExit):
        main(["render", "--json", "--no-cache"])
    assert json.loads(capsys.readouterr().out)["inputs"] == {"logs": True, "size": 2, "tier": "large"}


def test_feature_override_of_the_wrong_type_is_a_config_error(tmp_path: Path, monkeypatch, capsys) -> None:
    write(tmp_path, {"app/terragrunt.hcl": FEATURES + "inputs = { n = feature.size.value }\n"})
    code, _, err = tgo(monkeypatch, capsys, tmp_path / "app", "validate", "--no-cache", "--feature", "size=big")
    assert code == 3
    assert "feature 'size' is a number" in err and "terragrunt.hcl:" in err


def test_try_read_terragrunt_config_falls_back_on_an_error(tmp_path: Path, monkeypatch, capsys) -> None:
    text = 'locals {\n  c = try(read_terragrunt_config("bad.hcl"), { locals = { x = "fallback" } })\n}\n'
    text += "inputs = { x = local.c.locals.x }\n"
    write(tmp_path, {"app/terragrunt.hcl": text, "app/bad.hcl": "locals {\n  x = nosuchfunction()\n}\n"})
    assert render(monkeypatch, capsys, tmp_path / "app")["inputs"] == {"x": "fallback"}


def test_json_include_as_one_object(tmp_path: Path, monkeypatch, capsys) -> None:
    root = 'locals {\n  region = "eu-west-1"\n}\ninputs = { from_root = true }\n'
    unit = {"include": {"path": "../root.hcl", "expose": True}, "inputs": {"region": "${include.locals.region}"}}
    write(tmp_path, {"root.hcl": root, "app/terragrunt.hcl.json": json.dumps(unit)})
    assert render(monkeypatch, capsys, tmp_path / "app")["inputs"] == {"from_root": True, "region": "eu-west-1"}


def test_unlabelled_include_among_several_is_include_empty_label(tmp_path: Path, monkeypatch, capsys) -> None:
    unit = 'include {\n  path = "../root.hcl"\n  expose = true\n}\ninclude "env" {\n  path = "../env.hcl"\n}\n'
    unit += 'inputs = { r = include[""].locals.r }\n'
    write(tmp_path, {"root.hcl": 'locals {\n  r = "root"\n}\n', "env.hcl": "", "app/terragrunt.hcl": unit})
    assert render(monkeypatch, capsys, tmp_path / "app")["inputs"] == {"r": "root"}


def test_run_cmd_cache_options_are_options(tmp_path: Path, monkeypatch, capsys) -> None:
    text = "inputs = {\n"
    text += '  a = run_cmd("--terragrunt-global-cache", "echo", "a")\n'
    text += '  b = run_cmd("--terragrunt-no-cache", "--terragrunt-quiet", "echo", "b")\n'
    text += '  c = run_cmd("--terragrunt-quiet", "--terragrunt-global-cache", "echo", "c")\n}\n'
    write(tmp_path, {"app/terragrunt.hcl": text})
    assert render(monkeypatch, capsys, tmp_path / "app")["inputs"] == {"a": "a", "b": "b", "c": "c"}


def test_remote_state_attribute_form_coerces_bool_strings(tmp_path: Path, monkeypatch, capsys) -> None:
    text = 'remote_state = {\n  backend = "local"\n  disable_init = "true"\n  config = { path = "x" }\n}\n'
    write(tmp_path, {"app/terragrunt.hcl": text})
    assert render(monkeypatch, capsys, tmp_path / "app")["remote_state"]["disable_init"] is True


def test_commands_that_need_locking_are_terragrunts(tmp_path: Path, monkeypatch, capsys) -> None:
    write(tmp_path, {"app/terragrunt.hcl": "inputs = { l = get_terraform_commands_that_need_locking() }\n"})
    got = render(monkeypatch, capsys, tmp_path / "app")["inputs"]["l"]
    assert got == ["apply", "destroy", "import", "plan", "refresh", "taint", "untaint"]


def test_generate_attribute_form(tmp_path: Path, monkeypatch, capsys) -> None:
    text = 'generate = {\n  provider = {\n    path = "provider.tf"\n    if_exists = "overwrite"\n'
    text += '    contents = "# p"\n  }\n}\n'
    write(tmp_path, {"app/terragrunt.hcl": text})
    got = render(monkeypatch, capsys, tmp_path / "app")["generate"]
    assert got["provider"]["path"] == "provider.tf"
    assert got["provider"]["contents"] == "# p"


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ('generate "p" {\n  path = "../other/main.tf"\n  if_exists = "overwrite"\n  contents = ""\n}\n', "2:3"),
        ('generate "p" {\n  path = "/etc/x.tf"\n  if_exists = "overwrite"\n  contents = ""\n}\n', "2:3"),
        (
            'remote_state {\n  backend = "local"\n  generate = {\n    path = "../../b.tf"\n'
            '    if_exists = "overwrite"\n  }\n  config = {}\n}\n',
            "3:3",
        ),
    ],
)
def test_generated_path_outside_the_module_is_a_config_error(
    tmp_path: Path, monkeypatch, capsys, text: str, where: str
) -> None:
    write(tmp_path, {"app/terragrunt.hcl": text})
    code, _, err = tgo(monkeypatch, capsys, tmp_path / "app", "validate", "--no-cache")
    assert code == 3, err
    assert f"terragrunt.hcl:{where}:" in err and "outside the module's working directory" in err


def test_no_run_cmd_makes_run_cmd_a_config_error(tmp_path: Path, monkeypatch, capsys) -> None:
    write(tmp_path, {"app/terragrunt.hcl": 'inputs = { a = run_cmd("touch", "ran") }\n'})
    code, _, err = tgo(monkeypatch, capsys, tmp_path / "app", "validate", "--no-cache", "--no-run-cmd")
    assert code == 3
    assert "app/terragrunt.hcl:1:" in err or "terragrunt.hcl:1:" in err
    assert "--no-run-cmd" in err
    assert not (tmp_path / "app" / "ran").exists()
    monkeypatch.setenv("TGO_NO_RUN_CMD", "1")
    monkeypatch.chdir(tmp_path / "app")
    with pytest.raises(SystemExit) as info:
        main(["render", "--json", "--no-cache"])
    assert info.value.code == 3
    assert not (tmp_path / "app" / "ran").exists()


def test_validate_error_in_a_dependency_gives_no_false_error_for_its_dependent(
    tmp_path: Path, monkeypatch, capsys
) -> None:
    write(
        tmp_path,
        {
            "vpc/terragrunt.hcl": "inputs = { x = nosuch() }\n",
            "app/terragrunt.hcl": dep("vpc", "../vpc", "m"),
        },
    )
    code, _, err = tgo(monkeypatch, capsys, tmp_path, "validate", "--no-cache")
    assert code == 3
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, lines
    assert "vpc/terragrunt.hcl:1:" in lines[0]
