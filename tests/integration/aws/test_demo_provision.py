"""The demo's account setup on a moto that already holds its resources (moto keeps one backend per
process, so a second server in the same test worker sees the first one's buckets and tables)."""

from __future__ import annotations

from pathlib import Path

from orchestrator.demo import Sandbox
from tests.support.moto_server import MotoServer

ACCOUNT = {"only": "987654321098"}


def test_provision_twice_starts_each_account_empty(tmp_path: Path) -> None:
    first = MotoServer().start()
    try:
        box = Sandbox(tmp_path, first.url)
        box.provision(ACCOUNT)
        box.client("987654321098", "s3").put_object(Bucket="tgo-state-987654321098", Key="app/tfstate", Body=b"{}")
        box.client("987654321098", "dynamodb").put_item(
            TableName="tgo-locks-987654321098", Item={"LockID": {"S": "tgo-state-987654321098/app/tfstate"}}
        )
    finally:
        first.stop()
    second = MotoServer().start()
    try:
        box = Sandbox(tmp_path, second.url)
        box.provision(ACCOUNT)  # used to fail: the table (and the buckets) already existed
        s3 = box.client("987654321098", "s3")
        assert s3.list_objects_v2(Bucket="tgo-state-987654321098").get("KeyCount") == 0
        assert s3.list_objects_v2(Bucket="tgo-data-987654321098").get("KeyCount") == 0
        items = box.client("987654321098", "dynamodb").scan(TableName="tgo-locks-987654321098")["Items"]
        assert items == []
    finally:
        second.stop()
