"""Which state lock a forcibly stopped terraform may have left, from the files terraform wrote."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from orchestrator.terraform.state_lock import left_lock, lock_id_in, may_hold_lock, takes_lock


def _workdir(tmp_path: Path, backend: dict[str, Any] | None, workspace: str | None = None) -> Path:
    dot = tmp_path / ".terraform"
    dot.mkdir(parents=True)
    if backend is not None:
        (dot / "terraform.tfstate").write_text(json.dumps({"version": 3, "backend": backend}))
    if workspace is not None:
        (dot / "environment").write_text(workspace)
    return tmp_path


def test_s3_with_a_lock_table_names_the_table_and_lock_key(tmp_path: Path) -> None:
    cfg = {"bucket": "b", "key": "app/tf.tfstate", "dynamodb_table": "locks"}
    lock = left_lock(_workdir(tmp_path, {"type": "s3", "config": cfg}), "/opt/tf", None)
    assert lock is not None
    assert (lock.backend, lock.lock_table, lock.lock_key) == ("s3", "locks", "b/app/tf.tfstate")
    assert lock.force_unlock == f"cd {tmp_path} && /opt/tf force-unlock -force <LOCK_ID>"
    assert lock.where_is_the_id is not None and "'locks'" in lock.where_is_the_id


def test_a_printed_lock_id_makes_the_command_exact_and_workspaces_change_the_key(tmp_path: Path) -> None:
    cfg = {"bucket": "b", "key": "k", "dynamodb_table": "t", "workspace_key_prefix": "ws"}
    lock = left_lock(_workdir(tmp_path, {"type": "s3", "config": cfg}, "blue"), "terraform", "abc-1")
    assert lock is not None and lock.lock_key == "b/ws/blue/k" and lock.where_is_the_id is None
    assert lock.force_unlock.endswith("terraform force-unlock -force abc-1")


def test_no_lock_for_local_state_or_s3_without_a_table(tmp_path: Path) -> None:
    assert left_lock(_workdir(tmp_path / "a", None), "tf", None) is None
    assert left_lock(_workdir(tmp_path / "b", {"type": "local", "config": {}}), "tf", None) is None
    assert (
        left_lock(_workdir(tmp_path / "c", {"type": "s3", "config": {"bucket": "b", "key": "k"}}), "tf", None) is None
    )
    other = left_lock(_workdir(tmp_path / "d", {"type": "gcs", "config": {}}), "tf", None)
    assert other is not None and other.backend == "gcs" and other.lock_table is None


def test_lock_id_from_terraform_output_and_which_runs_may_hold_one() -> None:
    lines = ["Error: Error acquiring the state lock", "Lock Info:", "  ID:        1234-abcd", "  Path:      b/k"]
    assert lock_id_in(lines) == "1234-abcd"
    assert lock_id_in(["ID: not-in-a-lock-info-block"]) is None
    assert takes_lock("apply", ()) and not takes_lock("apply", ("-lock=false",)) and not takes_lock("output", ())
    assert may_hold_lock(-9, True) and not may_hold_lock(1, True) and not may_hold_lock(-9, False)
