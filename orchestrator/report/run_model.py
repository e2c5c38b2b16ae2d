"""The JSON run report (``--report-file``); its schema is ``schemas/run-report.schema.json``.

Versioned by ``schema_version``: fields are only ever added within a version. Paths in ``path``
are relative to the run's working directory (POSIX separators); ``working_dir`` / ``plan_file`` /
``log_file`` are absolute so tools (drift reports) can reuse them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Final, Literal

from pydantic import BaseModel, ConfigDict, Field

from orchestrator.errors import EXIT_CHANGES, EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK

SCHEMA_VERSION: Final = 1
ModuleStatus = Literal["succeeded", "failed", "skipped", "excluded", "interrupted"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PlanChanges(_Model):
    add: int = 0
    change: int = 0
    destroy: int = 0
    has_changes: bool = False
    addresses: list[str] = Field(default_factory=list, description="Resource addresses the plan changes.")


class StsStats(_Model):
    assume_role_calls: int = 0
    cache_hits: int = 0
    refreshes: int = 0
    throttled_retries: int = 0
    broker_requests: int = Field(default=0, description="Requests the credential broker answered or refused.")
    broker_refreshes: int = Field(
        default=0, description="Times the broker handed a profile a newer session than it had served before."
    )
    workers: dict[str, int] = Field(
        default_factory=dict,
        description="With a Dask executor: AssumeRole calls each worker (by address) made for this run; "
        "assume_role_calls counts them too.",
    )


class ModuleResult(_Model):
    path: str
    status: ModuleStatus
    reason: str | None = None
    skipped_because: str | None = Field(default=None, description="The failed module (root cause) for a skip.")
    role: Literal["run", "read"] = Field(default="run", description="'read': a dependency only read for outputs.")
    started_at: datetime | None = None
    finished_at: datetime | None = None
    duration_s: float | None = None
    exit_code: int | None = None
    attempts: int = 0
    used_mock_outputs: bool = False
    changes: PlanChanges | None = None
    iam_role: str | None = None
    account_id: str | None = None
    credential_mode: Literal["broker", "env", "base"] | None = Field(
        default=None,
        description="How terraform got credentials: broker (credential_process), env (AWS_* variables), "
        "base (no role: the base credentials).",
    )
    working_dir: str | None = None
    plan_file: str | None = None
    log_file: str | None = None
    stderr_tail: list[str] = Field(default_factory=list)
    bug: bool = Field(default=False, description="The failure was an internal error in tgo.")
    forced_stop: bool = Field(
        default=False,
        description="tgo stopped terraform with SIGTERM/SIGKILL (shutdown timeout or a second signal).",
    )
    outputs_via: Literal["state", "terraform"] | None = Field(
        default=None,
        description="How this module's outputs were read for its dependents: 'state' (its S3 state object) "
        "or 'terraform' (terraform output -json); null when no dependent read them.",
    )
    outputs_fallback: str | None = Field(
        default=None, description="Why terraform read the outputs instead of the S3 state (outputs_via 'terraform')."
    )


class StateLock(_Model):
    """A state lock a forcibly stopped terraform may have left, and how to release it."""

    module: str
    backend: str = Field(description="The backend type terraform used (s3, gcs, ...; 'unknown' if unreadable).")
    lock_table: str | None = Field(default=None, description="The DynamoDB lock table (s3 backend).")
    lock_key: str | None = Field(default=None, description="The lock's LockID in the lock table (s3 backend).")
    lock_id: str | None = Field(default=None, description="The lock ID, when terraform printed it.")
    working_dir: str
    force_unlock: str = Field(description="The terraform force-unlock command (<LOCK_ID> when the ID is unknown).")
    tgo_force_unlock: str = Field(description="The same through tgo, with the module's credentials.")
    where_is_the_id: str | None = Field(default=None, description="Where to find the lock ID when it is unknown.")


class PreflightFailure(_Model):
    """A role the pre-flight could not assume, why, and the modules that need it."""

    role_arn: str
    error: str
    modules: list[str] = Field(default_factory=list)


class RunReport(_Model):
    schema_version: Literal[1] = SCHEMA_VERSION
    command: str
    args: list[str] = Field(default_factory=list)
    working_dir: str
    run_dir: str | None = None
    started_at: datetime
    finished_at: datetime
    exit_code: int
    interrupted: bool = False
    interrupted_by: Literal["SIGINT", "SIGTERM", "SIGHUP"] | None = Field(
        default=None, description="The signal that stopped the run (exit 130, 143, 129)."
    )
    locks_left: list[StateLock] = Field(
        default_factory=list, description="State locks that terraform processes tgo had to kill may have left."
    )
    preflight_failures: list[PreflightFailure] = Field(
        default_factory=list, description="Roles the pre-flight could not assume: nothing was started."
    )
    modules: list[ModuleResult] = Field(default_factory=list)
    sts: StsStats | None = None

    def module(self, path: str) -> ModuleResult:
        """The result for ``path`` (as written in the report). Raises KeyError."""
        for m in self.modules:
            if m.path == path:
                return m
        raise KeyError(path)


def aggregate_exit_code(
    modules: list[ModuleResult], *, detailed_exitcode: bool, interrupted: bool, interrupt_code: int = EXIT_INTERRUPTED
) -> int:
    """``interrupt_code`` (130; 143 for SIGTERM, 129 for SIGHUP) when interrupted; else 1 when any module
    failed or was skipped because of a failure; else 2 with ``plan -detailed-exitcode`` when any module
    has changes; else 0."""
    if interrupted or any(m.status == "interrupted" for m in modules):
        return interrupt_code
    if any(m.status in {"failed", "skipped"} for m in modules):
        return EXIT_FAILED
    if detailed_exitcode and any(m.changes is not None and m.changes.has_changes for m in modules):
        return EXIT_CHANGES
    return EXIT_OK
