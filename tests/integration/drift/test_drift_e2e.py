"""tgo drift end to end: real terraform 1.0.3, the sample provider, moto, the real loader and run engine."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest

from orchestrator.report.drift_model import DriftReport
from tests.integration.drift.conftest import ACCOUNTS, World

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("drift-e2e")]
SCHEMA = json.loads((Path(__file__).parents[3] / "schemas" / "drift-report.schema.json").read_text())
DEV_APP = "dev/us-east-1/dev/app"
PROD_NET = "prod/us-east-1/prod/network"
PROD_APP = "prod/us-east-1/prod/app"


def state_objects(world: World, account_id: str) -> list[dict[str, object]]:
    """Every tgo_s3_object instance in the account's state bucket, read under the account's role."""
    s3 = world.box.client(account_id, "s3")
    bucket = f"tgo-state-{account_id}"
    found = []
    for item in s3.list_objects_v2(Bucket=bucket).get("Contents", []):
        state = json.loads(s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read())
        for res in state.get("resources", []):
            if res["type"] == "tgo_s3_object":
                found += [inst["attributes"] for inst in res["instances"]]
    return found


def data_key(world: World, account_id: str, prefix: str) -> str:
    s3 = world.box.client(account_id, "s3")
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=f"tgo-data-{account_id}", Prefix=prefix)["Contents"]]
    return sorted(keys)[0]


def junit_failures(path: Path) -> dict[str, str]:
    cases = ET.parse(path).getroot().iter("testcase")
    return {str(c.get("name")): child.tag for c in cases for child in c if child.tag in {"failure", "error", "skipped"}}


def drifted(report: DriftReport) -> dict[str, list[tuple[str, str]]]:
    return {
        m.path: [(r.address, r.action) for r in m.resources if r.suppressed is None]
        for m in report.modules
        if m.status == "drifted"
    }


def test_every_object_was_written_by_its_accounts_role(world: World) -> None:
    for account_id in ACCOUNTS.values():
        objects = state_objects(world, account_id)
        assert objects, f"no managed objects in account {account_id}"
        for attrs in objects:
            assert str(attrs["caller_arn"]).startswith(f"arn:aws:sts::{account_id}:assumed-role/tgo-deploy/")
            assert attrs["bucket"] == f"tgo-data-{account_id}"


def test_drift_lifecycle_clean_drift_ongoing_suppressed_resolved_error(world: World, tmp_path: Path) -> None:
    clean = world.drift(tmp_path / "0")
    assert clean.report.exit_code == 0, world.out.getvalue()[-3000:]
    assert {m.status for m in clean.report.modules} == {"clean"} and clean.report.totals.modules == 5

    # A console user edits the dev app's object and deletes one of prod network's objects.
    dev, prod = world.box.client(ACCOUNTS["dev"], "s3"), world.box.client(ACCOUNTS["prod"], "s3")
    app_key = data_key(world, ACCOUNTS["dev"], "app/")
    original = dev.get_object(Bucket="tgo-data-222222222222", Key=app_key)["Body"].read()
    dev.put_object(Bucket="tgo-data-222222222222", Key=app_key, Body=b'{"replicas": 9}')
    prod.delete_object(Bucket="tgo-data-444444444444", Key=data_key(world, ACCOUNTS["prod"], "network/"))

    first = world.drift(tmp_path / "1")
    assert first.report.exit_code == 2
    assert drifted(first.report) == {
        DEV_APP: [("tgo_s3_object.config", "update")],
        PROD_NET: [("tgo_s3_object.subnets", "create")],
    }
    jsonschema.validate(json.loads(first.files["json"].read_text()), SCHEMA)
    assert junit_failures(first.files["junit"]) == {DEV_APP: "failure", PROD_NET: "failure"}
    assert "### dev (222222222222)" in first.files["md"].read_text()

    # The same drift seen by `--mode refresh-only`: changed and removed outside terraform.
    seen = world.drift(tmp_path / "r", mode="refresh-only")
    assert drifted(seen.report) == {
        DEV_APP: [("tgo_s3_object.config", "drifted")],
        PROD_NET: [("tgo_s3_object.subnets", "removed")],
    }
    content = next(a for a in seen.report.modules[0].resources[0].attributes if a.name == "content")
    assert content.after == '{"replicas": 9}'

    # Next night: the same drift is ongoing since the first run; a suppression hides prod's and counts it.
    sup = world.live / ".tgo-drift-suppressions.yaml"
    sup.write_text(
        "version: 1\nsuppressions:\n"
        "  - {module: 'prod/*', address: 'tgo_s3_object.*', reason: migration, owner: team-net, expires: 2099-01-01}\n"
    )
    second = world.drift(tmp_path / "2", previous=first.files["json"])
    assert second.report.exit_code == 2
    assert drifted(second.report) == {DEV_APP: [("tgo_s3_object.config", "update")]}
    app = next(m for m in second.report.modules if m.path == DEV_APP)
    assert (app.history, app.first_seen) == ("ongoing", first.report.generated_at)
    assert (second.report.totals.suppressed, second.report.totals.ongoing, second.report.totals.new) == (1, 1, 0)
    assert "1 suppressed" in second.files["md"].read_text()

    # The dev app object is put back (resolved) while prod's app gets a broken input (error, exit 1).
    dev.put_object(Bucket="tgo-data-222222222222", Key=app_key, Body=original)
    cfg = world.live / PROD_APP / "terragrunt.hcl"
    cfg.write_text(cfg.read_text().replace("inputs = {", 'inputs = {\n  subnet_ids = "not-a-list"', 1))
    last = world.drift(tmp_path / "3", previous=second.files["json"])
    assert [(r.path, r.address) for r in last.report.resolved] == [(DEV_APP, "tgo_s3_object.config")]
    assert {m.path: m.status for m in last.report.modules} == {
        DEV_APP: "clean",
        PROD_APP: "error",
        PROD_NET: "clean",
        "dev/us-east-1/dev/network": "clean",
        "stage/us-east-1/stage/network": "clean",
    }
    assert last.report.exit_code == 1 and last.report.totals.suppressed == 1
    assert junit_failures(last.files["junit"]) == {PROD_APP: "error"}


def test_account_by_name_or_id_selects_exactly_that_accounts_modules(world: World, tmp_path: Path) -> None:
    # By name, through the command line: exit code and files as a nightly job sees them.
    code = world.box.tgo(
        "drift", "--account", "stage", "--quiet", "--output-dir", str(tmp_path / "n"), cwd=world.live, echo=False
    )
    assert code == 0
    by_name = DriftReport.model_validate_json((tmp_path / "n" / "drift.json").read_text())
    assert [(m.path, m.account_id, m.account_name, m.status) for m in by_name.modules] == [
        ("stage/us-east-1/stage/network", "333333333333", "stage", "clean")
    ]
    by_id = world.drift(tmp_path / "i", accounts=("222222222222",))
    assert sorted(m.path for m in by_id.report.modules) == [DEV_APP, "dev/us-east-1/dev/network"]
