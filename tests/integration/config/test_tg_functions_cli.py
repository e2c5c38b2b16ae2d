"""Terragrunt's newer functions through the CLI (``tgo render --json`` / ``tgo validate``), each value as
Terragrunt computes it: ``constraint_check``, ``read_tfvars_file``, ``mark_as_read``,
``mark_glob_as_read``, ``get_terragrunt_source_cli_flag``, ``get_default_retryable_errors``,
``get_working_dir`` and ``sops_decrypt_file`` with age keys. sops files are written by
tests/support/sops_writer.py with the data key encrypted by pyrage (an independent age)."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import pytest
import yaml
from pyrage import encrypt as age_encrypt
from pyrage import x25519

from orchestrator.cli import main
from orchestrator.errors import ConfigError
from tests.support.sops_writer import armor, encrypt_tree, metadata, sops_dotenv, sops_json, sops_yaml

SECRETS = {"db": {"user": "app", "password": "s3cr3t<&>", "port": 5432, "tls": True}, "hosts": ["a", "b"]}


def _tree(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return root


def _cli(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], cwd: Path, *args: str
) -> tuple[int, str, str]:
    monkeypatch.chdir(cwd)
    with pytest.raises(SystemExit) as info:
        main([*args])
    out = capsys.readouterr()
    code = info.value.code
    return (code if isinstance(code, int) else 0), out.out, out.err


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    for name in ("TG_WORKING_DIR", "TG_SOURCE", "TERRAGRUNT_SOURCE", "SOPS_AGE_KEY", "SOPS_AGE_KEY_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    return monkeypatch


def _inputs(env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], module: Path, *flags: str) -> dict[str, Any]:
    code, out, err = _cli(env, capsys, module, "render", "--json", "--no-cache", *flags)
    assert code == 0, err
    inputs: dict[str, Any] = json.loads(out)["inputs"]
    return inputs


# constraint_check: hashicorp/go-version's TestConstraintCheck cases (constraint_test.go), as Terragrunt
# calls it (NewSemver for the version, NewConstraint for the constraint).
CONSTRAINT_CASES = [
    (">= 1.0, < 1.2", "1.1.5", True),
    ("< 1.0, < 1.2", "1.1.5", False),
    ("= 1.0", "1.1.5", False),
    ("= 1.0", "1.0.0", True),
    ("1.0", "1.0.0", True),
    ("~> 1.0", "2.0", False),
    ("~> 1.0", "1.1", True),
    ("~> 1.0", "1.2.3", True),
    ("~> 1.0.0", "1.2.3", False),
    ("~> 1.0.0", "1.0.7", True),
    ("~> 1.0.0", "1.1.0", False),
    ("~> 1.0.7", "1.0.4", False),
    ("~> 1.0.7", "1.0.7", True),
    ("~> 1.0.7", "1.0.8", True),
    ("~> 1.0.7", "1.0.7.5", True),
    ("~> 1.0.7", "1.0.6.99", False),
    ("~> 2.0", "2.1.0-beta", False),
    ("~> 2.1.0-a", "2.2.0", False),
    ("~> 2.1.0-a", "2.1.0", False),
    ("~> 2.1.0-a", "2.1.0-beta", True),
    ("~> 2.1.0-a", "2.2.0-alpha", False),
    ("> 2.0", "2.1.0-beta", False),
    (">= 2.1.0-a", "2.1.0-beta", True),
    (">= 2.1.0-a", "2.1.1-beta", False),
    (">= 2.0.0", "2.1.0-beta", False),
    (">= 2.1.0-a", "2.1.1", True),
    (">= 2.1.0-a", "2.1.0", True),
    ("<= 2.1.0-a", "2.0.0", True),
    ("!= 1.2.3", "1.2.3", False),
    ("!= 1.2.3", "v1.2.4", True),
    (">= 1.2.3", "1.2.3+build.7", True),
]


def test_constraint_check_matches_go_version(
    env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    lines = [f'  c{i} = constraint_check("{v}", "{c}")' for i, (c, v, _) in enumerate(CONSTRAINT_CASES)]
    root = _tree(tmp_path, {"m/terragrunt.hcl": "inputs = {\n" + "\n".join(lines) + "\n}\n"})
    inputs = _inputs(env, capsys, root / "m")
    assert [inputs[f"c{i}"] for i in range(len(CONSTRAINT_CASES))] == [want for _, _, want in CONSTRAINT_CASES]


@pytest.mark.parametrize(
    ("call", "message"),
    [
        ('constraint_check("1.2.3", ">= 1.x")', "invalid constraint '>= 1.x': Malformed constraint: >= 1.x"),
        ('constraint_check("1.2.3beta", ">= 1.0")', "invalid version '1.2.3beta'"),
    ],
)
def test_constraint_check_bad_input_is_one_clear_error(
    env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path, call: str, message: str
) -> None:
    root = _tree(tmp_path, {"m/terragrunt.hcl": f"locals {{\n  ok = {call}\n}}\n"})
    code, out, err = _cli(env, capsys, root, "validate", "--no-cache")
    assert code == 3
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, lines
    assert (
        lines[0].removeprefix("error: ").startswith(f"m/terragrunt.hcl:2:8: locals.ok: constraint_check(): {message}")
    )
    assert "Traceback" not in out + err


def test_read_tfvars_file_hcl_and_json(
    env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    root = _tree(
        tmp_path,
        {
            "m/terragrunt.hcl": """
                inputs = {
                  hcl  = read_tfvars_file("vars/common.tfvars")
                  json = read_tfvars_file("vars/extra.tfvars.json")
                  both = merge(
                    jsondecode(read_tfvars_file("vars/common.tfvars")),
                    jsondecode(read_tfvars_file("vars/extra.tfvars.json")),
                  )
                }
            """,
            "m/vars/common.tfvars": """
                # a comment
                region = "eu-west-1"
                zones  = ["a", "b"]
                tags   = { team = "core", "cost-center" = 12 }
                html   = "<b>&"
                enabled = true
            """,
            "m/vars/extra.tfvars.json": '{"size": 3, "region": "us-east-1"}\n',
        },
    )
    inputs = _inputs(env, capsys, root / "m")
    # Go's json.Marshal of the decoded map: sorted keys, compact, <, > and & escaped.
    assert inputs["hcl"] == (
        '{"enabled":true,"html":"\\u003cb\\u003e\\u0026","region":"eu-west-1",'
        '"tags":{"cost-center":12,"team":"core"},"zones":["a","b"]}'
    )
    assert inputs["json"] == '{"size": 3, "region": "us-east-1"}\n'  # JSON files are returned as written
    assert inputs["both"]["region"] == "us-east-1"
    assert inputs["both"]["zones"] == ["a", "b"]


def test_read_tfvars_file_syntax_error_names_the_tfvars_line(
    env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    root = _tree(
        tmp_path,
        {
            "m/terragrunt.hcl": 'inputs = jsondecode(read_tfvars_file("bad.tfvars"))\n',
            "m/bad.tfvars": 'region = "eu-west-1"\ncount = = 3\n',
        },
    )
    code, out, err = _cli(env, capsys, root, "validate", "--no-cache")
    assert code == 3
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, lines
    assert lines[0].removeprefix("error: ").startswith("m/bad.tfvars:2:")
    assert "Traceback" not in out + err


def test_read_tfvars_file_refuses_expressions(
    env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    root = _tree(
        tmp_path,
        {"m/terragrunt.hcl": 'inputs = jsondecode(read_tfvars_file("x.tfvars"))\n', "m/x.tfvars": 'a = upper("b")\n'},
    )
    code, _, err = _cli(env, capsys, root, "validate", "--no-cache")
    assert code == 3
    assert "m/x.tfvars:1:5: inputs: read_tfvars_file(): m/x.tfvars: a: function calls are not allowed" in err


def test_marks_source_flag_retryable_errors_and_working_dir(
    env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    root = _tree(
        tmp_path,
        {
            "m/terragrunt.hcl": """
                terraform {
                  source = "../modules//vpc"
                }
                inputs = {
                  marked  = mark_as_read("../shared/common.yaml")
                  globbed = mark_glob_as_read("conf/**/*.yaml")
                  deep    = mark_glob_as_read("conf/{*.yaml,**/*.yaml}")
                  source  = get_terragrunt_source_cli_flag()
                  retry   = get_default_retryable_errors()
                  workdir = get_working_dir()
                }
            """,
            "m/conf/top.yaml": "",
            "m/conf/a/x.yaml": "",
            "m/conf/a/b/y.yaml": "",
            "m/conf/a/z.txt": "",
            "modules/vpc/main.tf": "",
            "plain/terragrunt.hcl": (
                "inputs = {\n  workdir = get_working_dir()\n  source = get_terragrunt_source_cli_flag()\n}\n"
            ),
        },
    )
    m = (root / "m").resolve()
    inputs = _inputs(env, capsys, root / "m", "--source", "/src/modules")
    assert inputs["marked"] == "../shared/common.yaml"  # returned as given
    # "**" between a literal and a wildcard part does not collapse (Terragrunt's glob): top.yaml only via {}.
    assert inputs["globbed"] == [f"{m}/conf/a/b/y.yaml", f"{m}/conf/a/x.yaml"]
    assert inputs["deep"] == [f"{m}/conf/a/b/y.yaml", f"{m}/conf/a/x.yaml", f"{m}/conf/top.yaml"]
    assert inputs["source"] == "/src/modules"
    assert len(inputs["retry"]) == 30
    assert inputs["retry"][0] == "(?s).*Failed to load state.*tcp.*timeout.*"
    assert inputs["retry"][-1] == "(?s).*Failed to query available provider packages.*context deadline exceeded.*"
    # The working copy tgo runs terraform in: <module>/.terragrunt-cache/<hash of the source>[/<subdir>];
    # for one module, --source is its source as given (no //subdir), as Terragrunt does.
    assert Path(inputs["workdir"]).parent == m / ".terragrunt-cache"
    workdir = Path(_inputs(env, capsys, root / "m")["workdir"])
    assert workdir.parent.parent == m / ".terragrunt-cache" and workdir.name == "vpc"
    env.setenv("TG_SOURCE", "/from/env")
    plain = _inputs(env, capsys, root / "plain")
    assert plain == {"workdir": str((root / "plain").resolve()), "source": "/from/env"}


def _age_key() -> tuple[str, Any]:
    identity = x25519.Identity.generate()
    return str(identity), identity.to_public()


def _write_sops(path: Path, fmt: str, tree: dict[str, Any], recipient: Any, *, tamper: bool = False) -> None:
    data_key = bytes(range(32))
    encrypted, mac = encrypt_tree(tree, data_key, keep=lambda p: p[-1].endswith("_unencrypted"))
    if tamper:
        encrypted["db"]["user_unencrypted"] = "mallory"
    entry = {"recipient": str(recipient), "enc": armor(age_encrypt(data_key, [recipient]))}
    meta = metadata(data_key, mac, age=[entry])
    writer = {"yaml": sops_yaml, "json": sops_json, "dotenv": sops_dotenv}[fmt]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(writer(encrypted, meta))


def test_sops_decrypt_file_with_age_yaml_json_dotenv(
    env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    secret, recipient = _age_key()
    tree = {"db": {"user_unencrypted": "app", "password": "s3cr3t<&>", "port": 5432, "tls": True}, "hosts": ["a", "b"]}
    _write_sops(tmp_path / "m/secrets.yaml", "yaml", tree, recipient)
    _write_sops(tmp_path / "m/secrets.json", "json", tree, recipient)
    _write_sops(tmp_path / "m/secrets.env", "dotenv", {"API_KEY": "k-123", "MULTI": "a\nb"}, recipient)
    (tmp_path / "keys.txt").write_text(f"# created: now\n# public key: {recipient}\n{secret}\n")
    _tree(
        tmp_path,
        {
            "m/terragrunt.hcl": """
                inputs = {
                  yaml_raw = sops_decrypt_file("secrets.yaml")
                  yaml     = yamldecode(sops_decrypt_file("secrets.yaml"))
                  json_raw = sops_decrypt_file("secrets.json")
                  json     = jsondecode(sops_decrypt_file("secrets.json"))
                  env_raw  = sops_decrypt_file("secrets.env")
                }
            """
        },
    )
    env.setenv("SOPS_AGE_KEY_FILE", str(tmp_path / "keys.txt"))
    inputs = _inputs(env, capsys, tmp_path / "m")
    assert inputs["yaml"] == tree
    assert inputs["json"] == tree
    # sops's clear-text forms: YAML indented by 4, JSON by a tab with Go's escapes, dotenv with \n.
    assert inputs["yaml_raw"] == (
        "db:\n    user_unencrypted: app\n    password: s3cr3t<&>\n    port: 5432\n    tls: true\n"
        "hosts:\n    - a\n    - b\n"
    )
    assert inputs["json_raw"] == (
        '{\n\t"db": {\n\t\t"user_unencrypted": "app",\n\t\t"password": "s3cr3t\\u003c\\u0026\\u003e",\n'
        '\t\t"port": 5432,\n\t\t"tls": true\n\t},\n\t"hosts": [\n\t\t"a",\n\t\t"b"\n\t]\n}\n'
    )
    assert inputs["env_raw"] == "API_KEY=k-123\nMULTI=a\\nb\n"
    assert yaml.safe_load(inputs["yaml_raw"]) == tree
    # The same key given inline (SOPS_AGE_KEY) works too.
    env.delenv("SOPS_AGE_KEY_FILE")
    env.setenv("SOPS_AGE_KEY", secret)
    assert _inputs(env, capsys, tmp_path / "m")["json"] == tree


def test_sops_wrong_key_and_tampered_file_are_clear_errors(
    env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    secret, recipient = _age_key()
    other, _ = _age_key()
    _write_sops(tmp_path / "a/secrets.yaml", "yaml", SECRETS | {"db": {"user_unencrypted": "app"}}, recipient)
    _write_sops(
        tmp_path / "b/secrets.yaml", "yaml", {"db": {"user_unencrypted": "app", "pw": "x"}}, recipient, tamper=True
    )
    for module in ("a", "b"):
        _tree(
            tmp_path, {f"{module}/terragrunt.hcl": 'locals {\n  s = yamldecode(sops_decrypt_file("secrets.yaml"))\n}\n'}
        )
    env.setenv("SOPS_AGE_KEY", other)
    code, out, err = _cli(env, capsys, tmp_path / "a", "validate", "--no-cache")
    assert code == 3
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, lines
    assert (
        lines[0]
        .removeprefix("error: ")
        .startswith(
            "terragrunt.hcl:2:18: locals.s: sops_decrypt_file(): cannot decrypt secrets.yaml: no key could "
            f"decrypt the data key: age {recipient}: no age identity matched any of the recipients"
        )
    )
    assert other not in err and "Traceback" not in out + err
    env.setenv("SOPS_AGE_KEY", secret)
    code, _, err = _cli(env, capsys, tmp_path / "b", "validate", "--no-cache")
    assert code == 3
    assert "cannot decrypt secrets.yaml: MAC mismatch: the file was modified after it was encrypted" in err


def test_units_reading_counts_includes_reads_and_marks(tmp_path: Path) -> None:
    """What ``--queue-include-units-reading`` selects (the run engine's selection, no terraform)."""
    from orchestrator.app.run_select import select
    from orchestrator.config.loader import ConfigLoader
    from orchestrator.runtime import Runtime
    from orchestrator.terraform.commands import TfCommand

    root = _tree(
        tmp_path,
        {
            "root.hcl": "",
            "common.hcl": "locals {\n  x = 1\n}\n",
            "vars.tfvars": "a = 1\n",
            "inc/terragrunt.hcl": 'include "root" {\n  path = find_in_parent_folders("root.hcl")\n}\n',
            "read/terragrunt.hcl": 'locals {\n  c = read_terragrunt_config("../common.hcl")\n}\n',
            "tfvars/terragrunt.hcl": 'locals {\n  v = read_tfvars_file("../vars.tfvars")\n}\n',
            "none/terragrunt.hcl": "",
        },
    ).resolve()
    loader = ConfigLoader(Runtime(environ={}, cwd=root))

    def chosen(*files: str) -> list[str]:
        selection = select(loader, root, TfCommand("plan"), reading=[root / f for f in files])
        return [p.name for p in selection.run]

    assert chosen("root.hcl") == ["inc"]
    assert chosen("common.hcl", "vars.tfvars") == ["read", "tfvars"]
    with pytest.raises(ConfigError, match="does not read any --queue-include-units-reading file"):
        chosen("nothing.yaml")
