"""Which providers an init may write into the shared plugin cache, and the per-provider locks."""

from __future__ import annotations

import threading
from pathlib import Path

from orchestrator.terraform.plugin_cache import cache_env, init_lock, providers_of


def test_providers_from_lock_file_required_providers_and_resource_types(tmp_path: Path) -> None:
    (tmp_path / ".terraform.lock.hcl").write_text('provider "registry.terraform.io/hashicorp/aws" {\n}\n')
    (tmp_path / "main.tf").write_text(
        'terraform {\n  required_providers {\n    tgo = { source = "tgo/tgo" }\n  }\n}\n'
        'resource "random_id" "x" {}\ndata "null_data_source" "y" {}\n'
    )
    assert providers_of(tmp_path) == {
        "registry.terraform.io/hashicorp/aws",
        "registry.terraform.io/tgo/tgo",
        "registry.terraform.io/hashicorp/random",
        "registry.terraform.io/hashicorp/null",
    }


def test_outputs_only_installs_nothing_and_child_modules_lock_everything(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text('output "x" {\n  value = 1\n}\n')
    assert providers_of(tmp_path) == set()
    (tmp_path / "mod.tf").write_text('module "vpc" {\n  source = "./vpc"\n}\n')
    assert providers_of(tmp_path) == {"*"}


def test_cache_env_defaults_and_opt_out(tmp_path: Path) -> None:
    assert cache_env({"TF_PLUGIN_CACHE_DIR": "/mine"}) == {}
    assert cache_env({"TGO_PLUGIN_CACHE": "0", "HOME": str(tmp_path)}) == {}
    got = cache_env({"HOME": str(tmp_path)})
    assert got == {"TF_PLUGIN_CACHE_DIR": str(tmp_path / ".cache" / "tgo" / "plugin-cache")}
    assert Path(got["TF_PLUGIN_CACHE_DIR"]).is_dir()
    assert cache_env({"TGO_PLUGIN_CACHE_DIR": str(tmp_path / "c")}) == {"TF_PLUGIN_CACHE_DIR": str(tmp_path / "c")}


def _held_together(tmp_path: Path, a: str, b: str) -> bool:
    """Whether inits of modules with main.tf ``a`` and ``b`` held their locks at the same time."""
    env = {"TF_PLUGIN_CACHE_DIR": str(tmp_path / "cache")}
    dirs = []
    for i, text in enumerate((a, b)):
        d = tmp_path / f"m{i}"
        d.mkdir(parents=True, exist_ok=True)
        (d / "main.tf").write_text(text)
        dirs.append(d)
    met = threading.Barrier(2, timeout=2)  # passes only when both hold their locks at once
    together: list[bool] = []

    def init(d: Path) -> None:
        with init_lock(env, d):
            try:
                met.wait()
                together.append(True)
            except threading.BrokenBarrierError:
                together.append(False)

    threads = [threading.Thread(target=init, args=(d,)) for d in dirs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return all(together)


def test_same_provider_takes_turns_different_providers_do_not(tmp_path: Path) -> None:
    aws = 'resource "aws_s3_bucket" "b" {}\n'
    assert not _held_together(tmp_path / "same", aws, aws)
    assert _held_together(tmp_path / "other", aws, 'resource "random_id" "r" {}\n')
    assert not _held_together(tmp_path / "unknown", aws, 'module "m" {\n  source = "./m"\n}\n')
