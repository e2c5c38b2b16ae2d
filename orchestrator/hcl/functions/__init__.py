"""Terraform's built-in functions, split by family; :data:`BUILTINS` maps each name to its
:class:`~orchestrator.hcl.functions.registry.Builtin`. Read-only after import."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from orchestrator.hcl.functions import (
    collections,
    conversion,
    crypto,
    dates,
    encoding,
    filesystem,
    network,
    numeric,
    regexes,
    strings,
)
from orchestrator.hcl.functions.registry import Builtin

__all__ = ["BUILTINS", "Builtin"]


def _all() -> Mapping[str, Builtin]:
    merged: dict[str, Builtin] = {}
    for family in (strings, regexes, collections, conversion, encoding, crypto, filesystem, numeric, dates, network):
        merged.update(family.FUNCTIONS)
    return MappingProxyType(merged)


BUILTINS: Mapping[str, Builtin] = _all()
