"""``dependency`` blocks across includes, as Terragrunt merges them.

Every file of a module (its own file and each file it includes, at any depth) contributes its
``dependency`` blocks, evaluated but not yet resolved. :func:`merge_dependency_blocks` merges them
by name in include order, the including file's block replacing the included one whole (or, for an
include with ``merge_strategy = "deep"``, deep-merged into it); an include with ``no_merge``
contributes nothing. Only then are the merged blocks resolved (:class:`DependencyResolver`):
``config_path`` checked and made absolute, ``outputs`` chosen (real, mock, or unknown). That merged
set is the ``dependency`` variable of the module's file AND of every file it includes, so a
placeholder in a parent (``config_path = ""`` or ``enabled = false``) is overridden by the child,
and a parent's ``inputs`` read the child's dependency.

A disabled dependency (``enabled = false``) is never resolved: its ``config_path`` may be null or
empty, and its outputs are its ``mock_outputs`` (or ``{}``).

Pure apart from the file-system lookups of :class:`~orchestrator.config.fscache.FsCache`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from orchestrator.config.blocks import Positions
from orchestrator.config.fscache import FsCache
from orchestrator.config.merge import deep_merge_values, merge_named
from orchestrator.config.outputs import resolve_outputs
from orchestrator.config.render import WRITTEN
from orchestrator.errors import ConfigError, Pos, relpath
from orchestrator.hcl.values import Value

Raw = dict[str, Any]


def _deep(parent: Raw, child: Raw) -> Raw:
    merged = deep_merge_values(parent, child)
    assert isinstance(merged, dict)
    return merged


def merge_dependency_blocks(included: Iterable[tuple[str, list[Raw]]], own: list[Raw]) -> list[Raw]:
    """The merged blocks: ``included`` is (merge strategy, blocks) per include, in include order."""
    merged: list[Raw] = []
    deep = False
    for strategy, blocks in included:
        if strategy == "no_merge":
            continue
        deep = deep or strategy == "deep"
        merged = merge_named(merged, blocks, _deep if strategy == "deep" else None)
    return merge_named(merged, own, _deep if deep else None)


@dataclass
class DependencyResolver:
    """Resolves merged blocks for the module at ``module_dir`` (see module doc)."""

    fs: FsCache
    module_dir: Path
    cwd: Path
    command: str | None
    outputs: Mapping[Path, Mapping[str, Value]] | None
    positions: Positions
    used_mocks: bool = False

    def resolve(self, blocks: list[Raw]) -> list[Raw]:
        """Each block with ``config_path`` absolute (enabled ones) and ``outputs`` set.

        Raises ConfigError for an enabled block without a usable ``config_path``."""
        return [self._resolve(dict(block)) for block in blocks]

    def _resolve(self, dep: Raw) -> Raw:
        name = dep["name"]
        key = ("dependency", name, "config_path")
        enabled = dep.get("enabled", True) is not False
        if not enabled:
            dep["outputs"] = dep.get("mock_outputs") or {}
            return dep
        if dep.get("config_path") is None:
            raise ConfigError(
                "is required",
                pos=self.positions.get(key) or self.positions.get(("dependency", name)),
                attr=f"dependency.{name}.config_path",
                hint='set config_path = "../<module>"',
            )
        target = self.module_path(dep["config_path"], key)
        dep[WRITTEN] = dep["config_path"]
        dep["config_path"] = str(target)
        outputs, used = resolve_outputs(
            dep,
            target,
            command=self.command,
            outputs=self.outputs,
            pos=self.positions.get(("dependency", name)),
            base=self.cwd,
        )
        self.used_mocks = self.used_mocks or used
        dep["outputs"] = outputs
        return dep

    def module_path(self, value: Value, key: tuple[str, ...]) -> Path:
        """``value`` (relative to the module) as the absolute directory of a module. Raises ConfigError."""
        pos: Pos | None = self.positions.get(key)
        attr = ".".join(key)
        if not isinstance(value, str) or not value:
            raise ConfigError(
                "must be a non-empty string (a module directory)",
                pos=pos,
                attr=attr,
                hint='set it to a path like "../vpc"',
            )
        target = self.fs.resolve_in(self.module_dir, value)
        if self.fs.module_config(target) is None:
            raise ConfigError(
                "dependency config_path must exist and hold a module: "
                f"{relpath(target, self.cwd)} has no terragrunt.hcl",
                pos=pos,
                attr=attr,
                hint="point it at a directory with a terragrunt.hcl; relative paths start at the module's directory",
            )
        return target


def dependency_variable(resolved: list[Raw]) -> dict[str, Value]:
    """``dependency.<name>`` as expressions see it."""
    return {d["name"]: {"outputs": d["outputs"], "config_path": d.get("config_path")} for d in resolved}


__all__ = ["DependencyResolver", "dependency_variable", "merge_dependency_blocks"]
