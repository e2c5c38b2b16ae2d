"""The drift report: one model from which ``drift.json``, ``drift.md`` and ``drift.junit.xml`` are made.

``drift.json`` is ``DriftReport.model_dump_json()``; its JSON Schema is ``schemas/drift-report.schema.json``
(generated, versioned by ``schema_version``: a field removed or changed in meaning bumps it, a field added
does not). Models are frozen values; build them with ``model_copy(update=...)``.

Vocabulary:
- module ``status``: ``clean`` (nothing to change), ``drifted`` (resources or outputs differ),
  ``error`` (plan failed), ``skipped`` (a dependency failed, or the module was excluded);
- resource ``action``: ``create``, ``update``, ``delete``, ``replace``, ``read`` come from the plan's
  ``resource_changes``; ``drifted`` (changed outside terraform) and ``removed`` (deleted outside
  terraform) come from ``resource_drift`` (``--mode refresh-only``);
- ``history``: ``new`` (absent from ``--previous``), ``ongoing`` (present, see ``first_seen``);
  drift that was in ``--previous`` and is gone now is listed in ``DriftReport.resolved``.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_VERSION: Literal[1] = 1

Status = Literal["clean", "drifted", "error", "skipped"]
Action = Literal["create", "update", "delete", "replace", "read", "drifted", "removed"]
History = Literal["new", "ongoing"]
Mode = Literal["plan", "refresh-only"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AttributeChange(_Model):
    """One top-level attribute that differs. Sensitive values are never copied: both are null."""

    name: str
    before: Any = None
    after: Any = None
    sensitive: bool = False
    after_unknown: bool = Field(default=False, description="The new value is only known after apply.")


class SuppressionRef(_Model):
    """The suppression entry that matched, as written in the suppressions file."""

    module: str
    address: str
    attribute: str | None = None
    reason: str
    owner: str
    expires: date
    expired: bool = False


class ResourceDrift(_Model):
    address: str
    action: Action
    attributes: list[AttributeChange] = Field(default_factory=list)
    changed_outside: bool = Field(
        default=False, description="Terraform saw this resource change outside terraform (resource_drift)."
    )
    fingerprint: str
    group: str = Field(description="Fingerprint without the module: equal for identical drift in several modules.")
    first_seen: datetime | None = None
    history: History | None = None
    suppressed: SuppressionRef | None = Field(default=None, description="Set when an active suppression hides it.")
    expired_suppression: SuppressionRef | None = Field(
        default=None, description="An expired suppression that would have hidden it; the drift counts."
    )


class OutputChange(_Model):
    name: str
    action: Literal["create", "update", "delete"]
    sensitive: bool = False


class ModuleDrift(_Model):
    path: str = Field(description="Module directory relative to the working directory.")
    account_id: str | None = None
    account_name: str | None = None
    iam_role: str | None = None
    status: Status
    reason: str | None = Field(default=None, description="Why a module is error or skipped.")
    exit_code: int | None = Field(default=None, description="Exit code of terraform plan, when it ran.")
    resources: list[ResourceDrift] = Field(default_factory=list)
    outputs: list[OutputChange] = Field(default_factory=list)
    outputs_only: bool = Field(default=False, description="Only outputs would change: no resource differs.")
    suppressed: int = 0
    fingerprint: str | None = None
    first_seen: datetime | None = None
    history: History | None = None
    plan_file: str | None = None


class ResolvedDrift(_Model):
    path: str
    address: str
    action: Action
    fingerprint: str
    first_seen: datetime | None = None


class SuppressionStatus(_Model):
    entry: SuppressionRef
    matched: int = Field(description="How many resources or attributes it hid (0 when expired).")


class Totals(_Model):
    modules: int = 0
    clean: int = 0
    drifted: int = 0
    error: int = 0
    skipped: int = 0
    resources: int = Field(default=0, description="Drifted resources that count (not suppressed).")
    outputs_only: int = Field(default=0, description="Drifted modules whose only changes are outputs.")
    suppressed: int = 0
    new: int = 0
    ongoing: int = 0
    resolved: int = 0
    expired_suppressions: int = 0


class DriftReport(_Model):
    """Everything one ``tgo drift`` run found. ``exit_code`` is what the command exits with."""

    schema_version: Literal[1] = SCHEMA_VERSION
    tool: str = "tgo"
    tool_version: str
    generated_at: datetime
    mode: Mode
    working_dir: str
    run_dir: str | None = None
    previous: str | None = Field(default=None, description="The --previous report this one was compared with.")
    suppressions_file: str | None = None
    totals: Totals
    exit_code: int
    modules: list[ModuleDrift]
    resolved: list[ResolvedDrift] = Field(default_factory=list)
    suppressions: list[SuppressionStatus] = Field(default_factory=list)
