"""The sample terraform modules keep the contract the live tree and the demo rely on."""

from __future__ import annotations

from pathlib import Path

import pytest

from orchestrator.hcl.ast import Block
from orchestrator.hcl.parser import parse_text

MODULES = Path(__file__).resolve().parents[3] / "sample-infra" / "modules"
OUTPUTS = {
    "network": {"vpc_id", "subnet_ids", "cidr"},
    "app": {"endpoint", "object_key"},
    "database": {"db_endpoint"},
    "log-archive": {"bucket_key"},
    "iam-baseline": {"role_names"},
    "dns": {"record"},
}
EXTRA_VARS = {"app": {"vpc_id", "subnet_ids"}, "database": {"vpc_id", "subnet_ids"}, "dns": {"app_endpoint"}}


def blocks(module: str, kind: str) -> list[Block]:
    found: list[Block] = []
    for tf in sorted((MODULES / module).glob("*.tf")):
        found += [b for b in parse_text(tf.read_text(), str(tf)).blocks if b.type == kind]
    return found


@pytest.mark.parametrize("module", sorted(OUTPUTS))
def test_module_contract(module: str) -> None:
    variables = {b.labels[0]: b for b in blocks(module, "variable")}
    assert set(variables) == {"name", "environment", "account_id", "region", "bucket"} | EXTRA_VARS.get(module, set())
    assert "default" not in variables["bucket"].body.attributes  # the account's data bucket is required
    assert all("default" in b.body.attributes for n, b in variables.items() if n != "bucket")
    assert OUTPUTS[module] <= {b.labels[0] for b in blocks(module, "output")}
    resources = blocks(module, "resource")
    assert 1 <= len(resources) <= 2 and all(r.labels[0] == "tgo_s3_object" for r in resources)
    [terraform] = blocks(module, "terraform")
    assert [b.type for b in terraform.body.blocks] == ["required_providers"]
    assert not blocks(module, "provider")  # the live tree's root.hcl generates provider.tf and backend.tf
    main = (MODULES / module / "main.tf").read_text()
    # Keys must not collide when one account deploys a module in two regions.
    assert f'prefix = "{module}/${{var.environment}}/${{var.region}}/${{var.name}}"' in main
