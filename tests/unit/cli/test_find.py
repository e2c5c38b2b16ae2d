"""`tgo find` / `tgo list` as a use case: real configs, the real loader, no terraform. Orders, the
JSON shape, and `--as CMD` listing exactly what `run-all CMD` would run."""

from __future__ import annotations

import io
import json
import textwrap
from pathlib import Path

import pytest

from orchestrator.app.find import FindOptions, dag_order, find, to_json
from orchestrator.app.run_select import select
from orchestrator.cli.find_cmds import columns, long_lines
from orchestrator.config.loader import ConfigLoader
from orchestrator.errors import ConfigErrors, GraphError
from orchestrator.runtime import Console, Runtime
from orchestrator.terraform.commands import TfCommand

TREE = {
    "live/net/vpc/terragrunt.hcl": "inputs = {}\n",
    "live/net-b/terragrunt.hcl": "inputs = {}\n",
    "live/app/terragrunt.hcl": """
        dependency "db" {
          config_path = "../db"
        }
        dependencies {
          paths = ["../net/vpc"]
        }
    """,
    "live/db/terragrunt.hcl": """
        dependency "vpc" {
          config_path = "../net/vpc"
        }
        dependency "shared" {
          config_path = "../../shared"
        }
        exclude {
          if      = true
          actions = ["destroy"]
        }
    """,
    "live/acct/terragrunt.stack.hcl": "",
    "shared/terragrunt.hcl": "inputs = {}\n",
}


@pytest.fixture
def live(tmp_path: Path) -> tuple[Path, ConfigLoader]:
    for rel_path, body in TREE.items():
        (tmp_path / rel_path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel_path).write_text(textwrap.dedent(body))
    runtime = Runtime(environ={}, cwd=tmp_path, console=Console(io.StringIO(), io.StringIO()))
    return (tmp_path / "live").resolve(), ConfigLoader(runtime)


def paths(found: list, root: Path) -> list[str]:  # type: ignore[type-arg]
    return [e["path"] for e in to_json(found, root, FindOptions(root))]


def test_plain_find_lists_units_and_stacks_by_path_without_loading(live: tuple[Path, ConfigLoader]) -> None:
    root, loader = live
    (root / "app/terragrunt.hcl").write_text("this is { not hcl")  # never parsed without a reason to
    found = find(loader, FindOptions(root))
    assert to_json(found, root, FindOptions(root)) == [
        {"type": "stack", "path": "acct"},
        {"type": "unit", "path": "app"},
        {"type": "unit", "path": "db"},
        # "net-b" before "net/vpc": paths compare as strings, as Terragrunt sorts them.
        {"type": "unit", "path": "net-b"},
        {"type": "unit", "path": "net/vpc"},
    ]
    with pytest.raises(ConfigErrors):
        find(loader, FindOptions(root, dependencies=True))


def test_dag_dependencies_and_external(live: tuple[Path, ConfigLoader]) -> None:
    root, loader = live
    opts = FindOptions(root, dependencies=True, dag=True, external=True)
    assert to_json(find(loader, opts), root, opts) == [
        {"type": "stack", "path": "acct", "dependencies": []},
        {"type": "unit", "path": "net-b", "dependencies": []},
        {"type": "unit", "path": "net/vpc", "dependencies": []},
        {"type": "unit", "path": "../shared", "dependencies": []},
        {"type": "unit", "path": "db", "dependencies": ["../shared", "net/vpc"]},
        {"type": "unit", "path": "app", "dependencies": ["db", "net/vpc"]},
    ]
    # Without --external the outside dependency is named, not listed.
    plain = FindOptions(root, dependencies=True, dag=True)
    assert "../shared" not in paths(find(loader, plain), root)


@pytest.mark.parametrize("command", [("plan",), ("destroy",), ("plan", "-destroy")])
def test_queue_construct_as_is_what_run_all_runs(live: tuple[Path, ConfigLoader], command: tuple[str, ...]) -> None:
    root, loader = live
    opts = FindOptions(root, queue_construct_as=command, exclude=True)
    found = find(loader, opts)
    sel = select(loader, root, TfCommand(command[0], command[1:]))
    assert {f.path for f in found if f.type == "unit"} == set(sel.run)
    listed = paths(found, root)
    if command == ("destroy",):
        # db's exclude block names destroy; dependents come first when destroying.
        assert listed == ["acct", "app", "net-b", "net/vpc"]
    elif command == ("plan", "-destroy"):
        # The command is plan (db stays), the order a destroy's.
        assert listed == ["acct", "app", "net-b", "db", "net/vpc"]
    else:
        assert listed == ["acct", "net-b", "net/vpc", "db", "app"]
        db = next(e for e in to_json(found, root, opts) if e["path"] == "db")
        assert db["exclude"] == {"if": True, "actions": ["destroy"], "exclude_dependencies": None, "no_run": None}


def test_dag_order_levels_and_cycle() -> None:
    a, b, c, d = (Path(f"/t/{n}") for n in "abcd")
    deps = {a: [b, c], b: [c], d: []}
    assert dag_order([a, b, c, d], deps) == [c, d, b, a]
    assert dag_order([a, b, c, d], deps, down=True) == [a, d, b, c]
    with pytest.raises(GraphError):
        dag_order([a, b], {a: [b], b: [a]})


def test_list_text_columns_and_long() -> None:
    assert columns(["a", "bbb", "cc"], 10) == ["a    bbb", "cc"]
    root = Path("/t")
    found = find_stub(root)
    assert long_lines(found, root, dependencies=True) == [
        "Type  Path   Dependencies",
        "unit  vpc",
        "stack acct",
        "unit  app/x  vpc",
    ]


def find_stub(root: Path) -> list:  # type: ignore[type-arg]
    from orchestrator.app.find import Found

    return [Found("unit", root / "vpc"), Found("stack", root / "acct"), Found("unit", root / "app/x", (root / "vpc",))]


def test_cli_flags_and_tg_environment(live: tuple[Path, ConfigLoader]) -> None:
    from click.testing import CliRunner

    from orchestrator.cli import tgo

    root, _ = live
    runner = CliRunner()
    by_flags = runner.invoke(tgo, ["find", "--working-dir", str(root), "-j", "--dag", "--dependencies", "--no-cache"])
    env = {"TG_JSON": "1", "TG_DAG": "true", "TG_DEPENDENCIES": "1", "TG_WORKING_DIR": str(root)}
    by_env = runner.invoke(tgo, ["find", "--no-cache"], env=env)
    assert by_flags.exit_code == by_env.exit_code == 0, by_flags.output + by_env.output
    assert by_flags.output == by_env.output
    assert [e["path"] for e in json.loads(by_env.output)] == ["acct", "net-b", "net/vpc", "db", "app"]
    listed = runner.invoke(tgo, ["list", "--no-cache"], env={"TG_LONG": "1", "TG_WORKING_DIR": str(root)})
    assert listed.output.splitlines()[:2] == ["Type  Path", "stack acct"]
    bad = runner.invoke(tgo, ["find", "--working-dir", str(root), "--format", "yaml"])
    assert bad.exit_code != 0 and "--format must be one of text, json" in str(bad.exception or bad.output)


def test_generated_stacks_and_units_are_listed(tmp_path: Path) -> None:
    # The layout `tgo stack generate` leaves: a stack file, its generated nested stack and units.
    files = {
        "live/prod/terragrunt.stack.hcl": "",
        "live/prod/.terragrunt-stack/svc/terragrunt.stack.hcl": "",
        "live/prod/.terragrunt-stack/svc/.terragrunt-stack/net/terragrunt.hcl": "",
        "live/prod/.terragrunt-stack/svc/.terragrunt-stack/app/terragrunt.hcl": (
            'dependency "net" {\n  config_path = "../net"\n}\n'
        ),
        "live/prod/.terragrunt-cache/x/terragrunt.hcl": "",
    }
    for rel_path, body in files.items():
        (tmp_path / rel_path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel_path).write_text(body)
    root = (tmp_path / "live").resolve()
    loader = ConfigLoader(Runtime(environ={}, cwd=tmp_path, console=Console(io.StringIO(), io.StringIO())))
    opts = FindOptions(root, dag=True, dependencies=True)
    svc = "prod/.terragrunt-stack/svc"
    assert to_json(find(loader, opts), root, opts) == [
        {"type": "stack", "path": "prod", "dependencies": []},
        {"type": "stack", "path": svc, "dependencies": []},
        {"type": "unit", "path": f"{svc}/.terragrunt-stack/net", "dependencies": []},
        {"type": "unit", "path": f"{svc}/.terragrunt-stack/app", "dependencies": [f"{svc}/.terragrunt-stack/net"]},
    ]
