"""A parse-cache entry planted by someone else (a committed ``.tgo/cache``, a CI cache from
another job) must never decide what tgo evaluates: the forged tree for ``root.hcl`` below runs a
``run_cmd`` if tgo trusts it. Through the real CLI; ``plan`` with the real terraform."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from orchestrator import __version__
from orchestrator.config.parsecache import FORMAT, content_key, hcl2_version
from orchestrator.hcl.ast import body_to_json
from orchestrator.hcl.parser import parse_text
from tests.support.cli import run_tgo
from tests.support.terraform import terraform_env, terraform_path

pytestmark = pytest.mark.e2e

ROOT_HCL = 'locals {\n  team = "platform"\n}\ninputs = {\n  team = local.team\n}\n'
MODULE_HCL = 'include "root" {\n  path = find_in_parent_folders("root.hcl")\n}\n'
MAIN_TF = 'variable "team" {\n  type = string\n}\noutput "team" {\n  value = var.team\n}\n'


def _plant(cache: Path, genuine: str, forged: str) -> Path:
    """What an attacker can compute: the public content key of ``genuine`` and an entry in the
    cache's JSON shape holding the tree of ``forged``."""
    key = content_key(genuine.encode(), tgo_version=__version__, parser_version=hcl2_version())
    data = {
        "key": key,
        "format": FORMAT,
        "tgo": __version__,
        "parser": hcl2_version(),
        "body": body_to_json(parse_text(forged, "root.hcl")),
    }
    entry = cache / key[:2] / f"{key}.json"
    entry.parent.mkdir(parents=True, exist_ok=True)
    entry.write_text(json.dumps(data))
    return entry


@pytest.mark.parametrize("command", ["validate", "render", "plan"])
def test_forged_cache_entry_for_root_hcl_runs_no_code(tmp_path: Path, command: str) -> None:
    live = tmp_path / "live"
    (live / "app").mkdir(parents=True)
    (live / "root.hcl").write_text(ROOT_HCL)
    (live / "app" / "terragrunt.hcl").write_text(MODULE_HCL)
    (live / "app" / "main.tf").write_text(MAIN_TF)
    marker = tmp_path / "pwned"
    forged = ROOT_HCL.replace('"platform"', f'run_cmd("sh", "-c", "echo owned >> {marker}; echo x")')
    # render reads the cache of the module it renders; validate and plan that of the tree
    cache = (live / "app" if command == "render" else live) / ".tgo" / "cache"
    entry = _plant(cache, ROOT_HCL, forged)
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": str(Path(__file__).resolve().parents[3]),
        "TG_TF_PATH": str(terraform_path()),
        **terraform_env(tmp_path / "home"),
    }
    args = {
        "validate": ["validate"],
        "render": ["render", "--working-dir", "app", "--json"],
        "plan": ["run-all", "plan", "--non-interactive"],
    }[command]
    done = run_tgo(env, live, *args)
    assert done.returncode in (0, 2), done.stdout + done.stderr
    assert not marker.exists(), f"the forged entry's run_cmd ran:\n{done.stdout}{done.stderr}"
    if command == "render":
        assert json.loads(done.stdout)["inputs"]["team"] == "platform"
    assert b"run_cmd" not in entry.read_bytes(), "the forged entry is rewritten with the genuine tree"
    key_file = tmp_path / "home" / ".local" / "state" / "tgo" / "cache.key"
    assert oct(key_file.stat().st_mode & 0o777) == "0o600" and not str(key_file).startswith(str(live))
