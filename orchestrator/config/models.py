"""The evaluated, validated configuration of one module: the contract between the config loader
and everything that runs terraform.

The loader (``config.loader``) evaluates a ``terragrunt.hcl`` (includes merged, locals and
functions evaluated) into a plain dict keyed by Terragrunt's attribute and block names, then
validates it into :class:`ModuleConfig`. Models we own use ``extra="forbid"`` so a misspelt
attribute is an error. Values that flow to terraform unchanged (``inputs``, ``locals``,
``mock_outputs``, backend ``config``) are free-form.

Paths: ``ModuleConfig.path`` and ``Dependency.config_path`` are absolute and resolved.
Immutability: models are frozen; treat them as values and share them across threads freely.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator

from orchestrator.errors import Pos

ROLE_ARN_RE = re.compile(
    r"^arn:(aws|aws-us-gov|aws-cn|aws-iso|aws-iso-b|aws-iso-e|aws-iso-f):iam::(\d{12}):role/[\w+=,.@/-]{1,512}$"
)
SESSION_NAME_RE = re.compile(r"^[\w+=,.@-]{2,64}$")
MIN_DURATION = 900
MAX_DURATION = 43200


def account_of_role(role_arn: str | None) -> str | None:
    """The 12-digit account of an IAM role ARN; None for no role or anything that is not a role ARN."""
    match = ROLE_ARN_RE.match(role_arn) if role_arn else None
    return match.group(2) if match else None


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class ExtraArguments(_Model):
    name: str
    commands: list[str]
    arguments: list[str] = Field(default_factory=list)
    required_var_files: list[str] = Field(default_factory=list)
    optional_var_files: list[str] = Field(default_factory=list)
    env_vars: dict[str, str] = Field(default_factory=dict)


class Hook(_Model):
    name: str
    commands: list[str]
    execute: list[str]
    working_dir: str | None = None
    run_on_error: bool = False
    suppress_stdout: bool = False
    if_: bool = Field(default=True, alias="if")


class ErrorHook(_Model):
    name: str
    commands: list[str]
    execute: list[str]
    on_errors: list[str] = Field(default_factory=lambda: [".*"])
    working_dir: str | None = None
    suppress_stdout: bool = False


class TerraformBlock(_Model):
    source: str | None = None
    extra_arguments: list[ExtraArguments] = Field(default_factory=list)
    before_hook: list[Hook] = Field(default_factory=list)
    after_hook: list[Hook] = Field(default_factory=list)
    error_hook: list[ErrorHook] = Field(default_factory=list)
    include_in_copy: list[str] = Field(default_factory=list)
    exclude_from_copy: list[str] = Field(default_factory=list)
    copy_terraform_lock_file: bool = True


class GenerateBlock(_Model):
    """A file written into the module's working directory before terraform runs."""

    name: str
    path: str
    if_exists: Literal["overwrite", "overwrite_terragrunt", "skip", "error"] = "overwrite_terragrunt"
    if_disabled: Literal["remove", "remove_terragrunt", "skip"] = "skip"
    contents: str
    comment_prefix: str = "# "
    disable_signature: bool = False
    disable: bool = False


class RemoteStateGenerate(_Model):
    path: str
    if_exists: Literal["overwrite", "overwrite_terragrunt", "skip", "error"] = "overwrite_terragrunt"


class RemoteState(_Model):
    backend: str
    config: dict[str, Any] = Field(default_factory=dict)
    generate: RemoteStateGenerate | None = None
    disable_init: bool = False
    disable_dependency_optimization: bool = False
    encryption: dict[str, Any] | None = None


class Dependency(_Model):
    name: str
    config_path: Path
    enabled: bool = True
    skip_outputs: bool = False
    mock_outputs: dict[str, Any] | None = None
    mock_outputs_allowed_terraform_commands: list[str] | None = None
    mock_outputs_merge_strategy_with_state: Literal["no_merge", "shallow", "deep_map_only"] = "no_merge"
    mock_outputs_merge_with_state: bool | None = None
    _pos: Pos | None = PrivateAttr(default=None)
    """Where the ``dependency`` block is (set by the loader; for messages only, not serialised)."""

    @property
    def pos(self) -> Pos | None:
        return self._pos


class Exclude(_Model):
    """Terragrunt's ``exclude`` block. ``if`` is required; the other attributes are optional and
    ``None`` when unset (as Terragrunt reports them). With no ``actions``, nothing is excluded."""

    if_: bool = Field(alias="if")
    actions: list[str] = Field(default_factory=list)
    exclude_dependencies: bool | None = None
    no_run: bool | None = None

    def lists(self, command: str) -> bool:
        """Whether ``actions`` names ``command``: ``all``, ``all_except_output`` (every command but
        ``output``) or the command itself, compared case-insensitively (Terragrunt's IsActionListed)."""
        wanted = command.lower()
        return any(
            a == "all" or (a == "all_except_output" and wanted != "output") or a.lower() == wanted for a in self.actions
        )

    def excludes(self, command: str) -> bool:
        """Whether a run of every unit (``run-all``) leaves this one out for ``command``."""
        return self.if_ and self.lists(command)

    def prevents_run(self, command: str) -> bool:
        """Whether even a run of this one unit (``tgo run``) stops before terraform: ``no_run = true``."""
        return bool(self.no_run) and self.excludes(command)


class RetryBlock(_Model):
    name: str
    retryable_errors: list[str]
    max_attempts: int = Field(default=3, ge=1)
    sleep_interval_sec: int = Field(default=5, ge=0)


class IgnoreBlock(_Model):
    name: str
    ignorable_errors: list[str]
    message: str | None = None
    signals: dict[str, Any] = Field(default_factory=dict)


class ErrorsBlock(_Model):
    retry: list[RetryBlock] = Field(default_factory=list)
    ignore: list[IgnoreBlock] = Field(default_factory=list)


class ModuleConfig(_Model):
    """One module's fully evaluated config. ``path`` is the module directory (absolute)."""

    path: Path
    config_file: Path
    terraform: TerraformBlock | None = None
    remote_state: RemoteState | None = None
    generate: list[GenerateBlock] = Field(default_factory=list)
    dependency: list[Dependency] = Field(default_factory=list)
    dependencies: list[Path] = Field(default_factory=list)
    inputs: dict[str, Any] = Field(default_factory=dict)
    locals: dict[str, Any] = Field(default_factory=dict)
    iam_role: str | None = None
    iam_assume_role_duration: int | None = None
    iam_assume_role_session_name: str | None = None
    iam_web_identity_token: str | None = None
    prevent_destroy: bool = False
    skip: bool = False
    exclude: Exclude | None = None
    errors: ErrorsBlock | None = None
    terraform_binary: str | None = None
    terraform_version_constraint: str | None = None
    terragrunt_version_constraint: str | None = None
    download_dir: str | None = None
    used_mock_outputs: bool = False
    """True when at least one dependency's outputs came from ``mock_outputs``."""
    _dependencies_pos: Pos | None = PrivateAttr(default=None)

    @property
    def dependencies_pos(self) -> Pos | None:
        """Where the ``dependencies`` block is (set by the loader; for messages only)."""
        return self._dependencies_pos

    @field_validator("iam_role")
    @classmethod
    def _role_arn(cls, value: str | None) -> str | None:
        if value is not None and value != "" and not ROLE_ARN_RE.match(value):
            raise ValueError(
                f"{value!r} is not an IAM role ARN; expected arn:<partition>:iam::<12-digit account>:role/<path/name>"
            )
        return value or None

    @field_validator("iam_assume_role_duration")
    @classmethod
    def _duration(cls, value: int | None) -> int | None:
        if value is not None and not MIN_DURATION <= value <= MAX_DURATION:
            raise ValueError(f"{value} is outside {MIN_DURATION}..{MAX_DURATION} seconds")
        return value

    @field_validator("iam_assume_role_session_name")
    @classmethod
    def _session_name(cls, value: str | None) -> str | None:
        if value is not None and not SESSION_NAME_RE.match(value):
            raise ValueError(f"{value!r} must match [\\w+=,.@-]{{2,64}}")
        return value

    @property
    def dependency_paths(self) -> list[Path]:
        """Every module this one must run after: enabled ``dependency`` blocks plus ``dependencies``."""
        seen: dict[Path, None] = {}
        for dep in self.dependency:
            if dep.enabled:
                seen[dep.config_path] = None
        for p in self.dependencies:
            seen[p] = None
        return list(seen)

    def account_id(self) -> str | None:
        """The account of ``iam_role``, if any."""
        return account_of_role(self.iam_role)
