"""Parsing terraform's machine-readable output. Pure.

- :func:`parse_outputs`: ``terraform output -json`` -> ``{name: value}``.
- :func:`parse_plan`: ``terraform show -json <planfile>`` -> :class:`PlanSummary` (:func:`plan_json`
  then :func:`plan_summary`).
Both raise ``ValueError`` on text that is not the JSON terraform prints; callers turn that into a
failed module, never a crash.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class PlanSummary:
    add: int = 0
    change: int = 0
    destroy: int = 0
    outputs_changed: bool = False
    addresses: tuple[str, ...] = ()

    @property
    def has_changes(self) -> bool:
        # terraform's -detailed-exitcode also reports output-only changes as changes.
        return bool(self.add or self.change or self.destroy or self.outputs_changed)


def parse_outputs(text: str) -> dict[str, Any]:
    data = json.loads(text or "{}")
    if not isinstance(data, dict):
        raise ValueError("terraform output -json did not print an object")
    out: dict[str, Any] = {}
    for name, item in data.items():
        if not isinstance(item, dict) or "value" not in item:
            raise ValueError(f"output {name!r} has no value")
        out[name] = item["value"]
    return out


def parse_plan(text: str) -> PlanSummary:
    return plan_summary(plan_json(text))


def plan_json(text: str) -> dict[str, Any]:
    """The object ``terraform show -json <planfile>`` printed; ValueError for anything else."""
    data = json.loads(text)
    if not isinstance(data, dict):
        raise ValueError("terraform show -json did not print an object")
    return data


def plan_summary(data: dict[str, Any]) -> PlanSummary:
    """Counts and changed addresses of a plan object (see :func:`plan_json`)."""
    add = change = destroy = 0
    addresses: list[str] = []
    for rc in data.get("resource_changes") or []:
        actions = list((rc.get("change") or {}).get("actions") or [])
        if actions in (["no-op"], ["read"], []):
            continue
        add += "create" in actions
        destroy += "delete" in actions
        change += actions == ["update"]
        addresses.append(str(rc.get("address", "?")))
    outputs_changed = any(
        list((oc or {}).get("actions") or []) not in (["no-op"], [])
        for oc in (data.get("output_changes") or {}).values()
    )
    return PlanSummary(add, change, destroy, outputs_changed, tuple(addresses))
