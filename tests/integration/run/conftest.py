"""Fixtures for run-engine e2e tests: a moto server with an S3 state bucket and a DynamoDB lock
table, outputs-only terraform modules written to tmp_path, and a stand-in config loader that
builds ModuleConfig objects in Python (dependency outputs flow into inputs through a function)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import pytest

from orchestrator.config.models import Dependency, ModuleConfig, RemoteState, RemoteStateGenerate
from orchestrator.errors import TgoError
from orchestrator.runtime import Console, Runtime
from tests.support.console import Captured
from tests.support.fake_loader import static_tree
from tests.support.moto_server import MotoServer
from tests.support.terraform import terraform_env, terraform_path

MAIN_TF = """
variable "upstream" {
  type    = string
  default = "none"
}
variable "salt" {
  type    = string
  default = "0"
}
locals {
  joined = "${var.upstream}>%s"
}
output "value" {
  value = "${local.joined}#${var.salt}"
}
"""


@pytest.fixture(scope="session")
def moto() -> Iterator[MotoServer]:
    srv = MotoServer().start()
    try:
        yield srv
    finally:
        srv.stop()


@dataclass
class StubTree:
    """Modules keyed by name; ``inputs`` builds a module's inputs from its dependencies' outputs."""

    root: Path
    backend: dict[str, Any]
    configs: dict[Path, ModuleConfig] = field(default_factory=dict)
    inputs: dict[Path, Callable[[Mapping[Path, Mapping[str, Any]]], dict[str, Any]]] = field(default_factory=dict)
    loads: list[tuple[Path, str | None]] = field(default_factory=list)

    def add(
        self,
        name: str,
        deps: tuple[str, ...] = (),
        *,
        tf: str | None = None,
        salt: str = "0",
        mock: bool = False,
    ) -> Path:
        path = self.root / name
        path.mkdir(parents=True, exist_ok=True)
        (path / "terragrunt.hcl").write_text("# built by the test's stub loader\n")
        (path / "main.tf").write_text(tf if tf is not None else MAIN_TF % name)
        dependency = [
            Dependency(
                name=d.replace("/", "_"),
                config_path=(self.root / d).resolve(),
                mock_outputs={"value": "mock"} if mock else None,
                mock_outputs_allowed_terraform_commands=["plan"] if mock else None,
            )
            for d in deps
        ]
        cfg = ModuleConfig(
            path=path.resolve(),
            config_file=(path / "terragrunt.hcl").resolve(),
            dependency=dependency,
            inputs={"salt": salt},
            remote_state=RemoteState(
                backend="s3",
                config={**self.backend, "key": f"{name}/terraform.tfstate"},
                generate=RemoteStateGenerate(path="backend.tf", if_exists="overwrite_terragrunt"),
            ),
        )
        self.configs[cfg.path] = cfg
        return cfg.path

    def set_salt(self, name: str, salt: str) -> None:
        p = (self.root / name).resolve()
        self.configs[p] = self.configs[p].model_copy(update={"inputs": {**self.configs[p].inputs, "salt": salt}})

    # --- the Loader protocol ---
    def load_tree(self, dirs: list[Path], *, command: str | None = None, discovery: bool = False) -> Any:
        return static_tree(self.configs, dirs)

    def load_module(
        self, dir: Path, *, command: str | None = None, outputs: Mapping[Path, Mapping[str, Any]] | None = None
    ) -> ModuleConfig:
        self.loads.append((dir, command))
        cfg = self.configs[dir]
        outputs = outputs or {}
        upstream: list[str] = []
        mocked = False
        for dep in cfg.dependency:
            got = outputs.get(dep.config_path)
            if got is None:
                if dep.mock_outputs is None or command not in (dep.mock_outputs_allowed_terraform_commands or []):
                    raise TgoError(f"dependency {dep.name} has no outputs", attr=f"dependency.{dep.name}")
                got, mocked = dep.mock_outputs, True
            upstream.append(str(got["value"]))
        inputs = dict(cfg.inputs)
        if upstream:
            inputs["upstream"] = "+".join(upstream)
        return cfg.model_copy(update={"inputs": inputs, "used_mock_outputs": mocked})


@pytest.fixture
def stub_tree(tmp_path: Path, moto: MotoServer) -> StubTree:
    bucket = f"state-{uuid.uuid4().hex[:12]}"
    table = f"locks-{uuid.uuid4().hex[:8]}"
    kw: Any = {
        "endpoint_url": moto.url,
        "region_name": "us-east-1",
        "aws_access_key_id": "testing",
        "aws_secret_access_key": "testing",
    }
    boto3.client("s3", **kw).create_bucket(Bucket=bucket)
    boto3.client("dynamodb", **kw).create_table(
        TableName=table,
        KeySchema=[{"AttributeName": "LockID", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "LockID", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    backend = {
        "bucket": bucket,
        "region": "us-east-1",
        "endpoint": moto.url,
        "dynamodb_endpoint": moto.url,
        "dynamodb_table": table,
        "force_path_style": True,
        "skip_credentials_validation": True,
        "skip_metadata_api_check": True,
        "skip_region_validation": True,
    }
    root = tmp_path / "live"
    root.mkdir()
    return StubTree(root, backend)


@pytest.fixture
def runtime(tmp_path: Path, moto: MotoServer, stub_tree: StubTree) -> Runtime:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "TMPDIR": "/tmp"}
    env.update(moto.env())
    env.update(terraform_env(tmp_path / "home"))
    env["TG_TF_PATH"] = str(terraform_path())
    out = Captured()
    return Runtime(environ=env, cwd=stub_tree.root, console=Console(out=out, err=out, color=False))  # type: ignore[arg-type]
