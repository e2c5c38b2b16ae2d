"""A provider plugin cache shared by parallel inits: 10 modules using the sample provider, initialised
at once with one fresh cache, succeed every time (5 rounds), and the provider lands in the cache once."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

import pytest

from orchestrator.app.run import RunOptions, RunServices, run_all
from orchestrator.runtime import Runtime
from orchestrator.terraform.commands import TfCommand
from orchestrator.terraform.plugin_cache import providers_of
from tests.integration.run.conftest import StubTree

pytestmark = pytest.mark.e2e
REPO = Path(__file__).resolve().parents[3]
PROVIDER_TF = """
terraform {
  required_providers {
    tgo = { source = "tgo/tgo", version = "0.1.0" }
  }
}
resource "tgo_sleep" "s" {
  seconds = 0
}
"""


def test_parallel_inits_share_one_plugin_cache(stub_tree: StubTree, runtime: Runtime, tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("sample_provider", REPO / "sample-infra/provider/sample_provider.py")
    assert spec is not None and spec.loader is not None
    provider = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(provider)
    _mirror, cli_config = provider.build_mirror(tmp_path / "provider")
    names = [f"m{i}" for i in range(10)]
    for name in names:
        path = stub_tree.add(name, tf=PROVIDER_TF)
        stub_tree.configs[path] = stub_tree.configs[path].model_copy(update={"remote_state": None})
    assert providers_of(stub_tree.root / "m0") == {
        "registry.terraform.io/tgo/tgo",
        "registry.terraform.io/hashicorp/tgo",
    }
    for attempt in range(5):
        cache = tmp_path / f"cache{attempt}"
        for name in names:  # every round starts uninitialised, with an empty cache
            shutil.rmtree(stub_tree.root / name / ".terraform", ignore_errors=True)
            (stub_tree.root / name / ".terraform.lock.hcl").unlink(missing_ok=True)
        env = {**runtime.environ, "TF_CLI_CONFIG_FILE": str(cli_config), "TGO_PLUGIN_CACHE_DIR": str(cache)}
        report = run_all(
            Runtime(environ=env, cwd=runtime.cwd, console=runtime.console),
            RunOptions(TfCommand("init"), stub_tree.root, parallelism=10, log_dir=tmp_path / f"run{attempt}"),
            RunServices(loader=stub_tree),
        )
        failed = [(m.path, m.reason, m.stderr_tail) for m in report.modules if m.status != "succeeded"]
        assert failed == [], f"round {attempt}"
        assert len(report.modules) == 10
        installed = list(cache.glob("registry.terraform.io/tgo/tgo/0.1.0/*/terraform-provider-tgo_v0.1.0"))
        assert len(installed) == 1, "the provider was written into the shared cache"
        assert (cache / ".tgo-locks" / "registry.terraform.io_tgo_tgo.lock").is_file(), "inits took its lock"
        for name in names:
            platform = installed[0].parent.name
            linked = stub_tree.root / name / ".terraform/providers/registry.terraform.io/tgo/tgo/0.1.0" / platform
            assert linked.resolve() == installed[0].parent.resolve(), "each module uses the cached copy"
