"""The state lock a terraform that tgo forced to stop may have left behind.

A terraform stopped by SIGINT releases its state lock before it exits; one stopped by SIGTERM
(after ``--shutdown-timeout``) or SIGKILL (a second Ctrl-C) does not. For each such module tgo
names the lock it may hold and the command that releases it. Everything here is pure apart from
reading two small files terraform itself wrote in the module's working directory
(``.terraform/terraform.tfstate``: the backend in use; ``.terraform/environment``: the workspace).

Contract: :func:`left_lock` returns None when no lock can be left: a command that takes no lock, a
``-lock=false`` run, the local backend (the OS drops a dead process's file lock) or an S3 backend
without ``dynamodb_table``. Never raises for unreadable or odd files (a lock "may" be left: then the
backend is ``"unknown"``). Thread-safe (no state).
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

LOCKING_COMMANDS = frozenset(
    {"apply", "destroy", "plan", "refresh", "import", "taint", "untaint", "state", "console", "workspace"}
)
_LOCK_ID = re.compile(r"^\s*ID:\s+(\S+)\s*$")
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
LOCK_ID_PLACEHOLDER = "<LOCK_ID>"


@dataclass(frozen=True)
class LeftLock:
    backend: str
    lock_table: str | None
    lock_key: str | None
    lock_id: str | None
    force_unlock: str
    where_is_the_id: str | None


def lock_id_in(lines: Iterable[str]) -> str | None:
    """The lock ID terraform printed in a ``Lock Info:`` block (last one wins), if any."""
    found: str | None = None
    in_info = False
    for raw in lines:
        line = _ANSI.sub("", raw).strip(" │╷╵")
        if line.strip() == "Lock Info:":
            in_info = True
            continue
        match = _LOCK_ID.match(line) if in_info else None
        if match:
            found, in_info = match.group(1), False
    return found


def may_hold_lock(code: int, forced: bool) -> bool:
    """Whether a terraform that ended with ``code`` may have left its state lock: only when tgo forced it
    to stop (``forced``) and it died of a signal (negative code). A terraform that exited by itself, even
    at once on a second interrupt ("Two interrupts received. Exiting immediately."), went through its
    teardown, which releases the lock (checked against a DynamoDB lock table with terraform 1.0.3)."""
    return forced and code < 0


def takes_lock(command: str, args: Iterable[str]) -> bool:
    return command in LOCKING_COMMANDS and not any(a in {"-lock=false", "--lock=false"} for a in args)


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _workspace(workdir: Path) -> str:
    try:
        return (workdir / ".terraform" / "environment").read_text(encoding="utf-8").strip() or "default"
    except OSError:
        return "default"


def _s3_key(config: Mapping[str, Any], workspace: str) -> str | None:
    bucket, key = config.get("bucket"), config.get("key")
    if not bucket or not key:
        return None
    if workspace == "default":
        return f"{bucket}/{key}"
    prefix = config.get("workspace_key_prefix") or "env:"
    return f"{bucket}/{prefix}/{workspace}/{key}"


def left_lock(workdir: Path, terraform: str, lock_id: str | None) -> LeftLock | None:
    """The lock the terraform that ran in ``workdir`` may have left (see the module doc)."""
    state = _read_json(workdir / ".terraform" / "terraform.tfstate")
    backend = state.get("backend") if isinstance(state, dict) else None
    if state is None or backend is None:
        return None  # never initialised with a backend: the local backend
    kind = backend.get("type") if isinstance(backend, dict) else None
    config = backend.get("config") if isinstance(backend, dict) else None
    config = config if isinstance(config, dict) else {}
    if kind == "local":
        return None
    table = key = where = None
    if kind == "s3":
        table = config.get("dynamodb_table") or config.get("lock_table")
        if not table:
            return None  # an S3 backend without a lock table takes no lock
        key = _s3_key(config, _workspace(workdir))
        where = f"the ID is in the Info of the item LockID = {key!r} in the DynamoDB table {table!r}"
    elif lock_id is None:
        where = f"terraform prints the ID when a later run fails to take the lock ({kind or 'unknown'} backend)"
    command = (
        f"cd {shlex.quote(str(workdir))} && {shlex.quote(terraform)} force-unlock -force "
        f"{shlex.quote(lock_id) if lock_id else LOCK_ID_PLACEHOLDER}"
    )
    return LeftLock(kind or "unknown", table, key, lock_id, command, None if lock_id else where)
