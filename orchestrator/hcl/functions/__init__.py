"""Terraform's built-in functions, split by family; :data:`BUILTINS` maps each name to its
:class:`~orchestrator.hcl.functions.registry.Builtin`. Read-only after import."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from orchestrator.hcl.functions.registry import Builtin

__all__ = ["BUILTINS", "Builtin"]


def _all() -> Mapping[str, Builtin]:
    merged: dict[str, Builtin] = {}
    return MappingProxyType(merged)


BUILTINS: Mapping[str, Builtin] = _all()
