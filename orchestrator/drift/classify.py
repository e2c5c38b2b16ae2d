"""Turn the JSON of one saved plan (``terraform show -json``) into the resources and outputs that differ.

Two modes:
- ``plan`` (``plan -detailed-exitcode``): every non-``no-op`` entry of ``resource_changes``; a resource
  that also appears in ``resource_drift`` is marked ``changed_outside``. Drift that the configuration does
  not care about (terraform plans no change for it) is not reported, matching terraform's exit code.
- ``refresh-only`` (``plan -refresh-only``): every entry of ``resource_drift``: ``drifted`` when changed
  outside terraform, ``removed`` when deleted outside terraform. Output changes are not reported in this
  mode: they follow from the resource drift (already reported) or from code not yet applied, which is
  what a normal plan reports.

Attributes are compared at the top level. Values marked sensitive in ``before_sensitive`` or
``after_sensitive`` are never copied into the result. Pure functions; raise nothing on odd JSON
(missing or null sections are treated as empty).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from orchestrator.drift.fingerprint import group_key, resource_fingerprint
from orchestrator.report.drift_model import Action, AttributeChange, Mode, OutputChange, ResourceDrift


@dataclass(frozen=True, slots=True)
class Classified:
    """What differs in one module's plan."""

    resources: list[ResourceDrift]
    outputs: list[OutputChange]

    @property
    def drifted(self) -> bool:
        return bool(self.resources or self.outputs)


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _truthy(value: Any) -> bool:
    """True when a ``*_sensitive`` / ``after_unknown`` marker is set anywhere inside ``value``."""
    if isinstance(value, Mapping):
        return any(_truthy(v) for v in value.values())
    if isinstance(value, list):
        return any(_truthy(v) for v in value)
    return value is True


def plan_action(actions: Sequence[str]) -> Action | None:
    """Terraform's ``actions`` list as one action; None for ``no-op``."""
    acts = list(actions)
    if sorted(acts) == ["create", "delete"]:
        return "replace"
    if len(acts) == 1 and acts[0] in {"create", "update", "delete", "read"}:
        action: Action = acts[0]  # type: ignore[assignment]
        return action
    return None


def drift_action(actions: Sequence[str]) -> Action | None:
    """A ``resource_drift`` entry's action: deleted outside terraform is ``removed``, the rest ``drifted``."""
    acts = list(actions)
    if acts == ["no-op"] or not acts:
        return None
    return "removed" if acts == ["delete"] else "drifted"


def attribute_changes(change: Mapping[str, Any]) -> list[AttributeChange]:
    """Top-level attributes whose value differs between ``before`` and ``after`` (both must be objects)."""
    before, after = change.get("before"), change.get("after")
    if not isinstance(before, Mapping) or not isinstance(after, Mapping):
        return []  # create or delete: the whole object appears or goes; listing every attribute is noise
    before_sensitive = _mapping(change.get("before_sensitive"))
    after_sensitive = _mapping(change.get("after_sensitive"))
    after_unknown = _mapping(change.get("after_unknown"))
    out = []
    for name in sorted(set(before) | set(after)):
        unknown = _truthy(after_unknown.get(name))
        if not unknown and before.get(name) == after.get(name):
            continue
        sensitive = _truthy(before_sensitive.get(name)) or _truthy(after_sensitive.get(name))
        out.append(
            AttributeChange(
                name=name,
                before=None if sensitive else before.get(name),
                after=None if sensitive or unknown else after.get(name),
                sensitive=sensitive,
                after_unknown=unknown,
            )
        )
    return out


def _resource(module: str, entry: Mapping[str, Any], action: Action, outside: bool) -> ResourceDrift:
    address = str(entry.get("address", "?"))
    attrs = attribute_changes(_mapping(entry.get("change")))
    names = [a.name for a in attrs]
    return ResourceDrift(
        address=address,
        action=action,
        attributes=attrs,
        changed_outside=outside,
        fingerprint=resource_fingerprint(module, address, action, names),
        group=group_key(address, action, names),
    )


def _entries(plan: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    value = plan.get(key)
    return [e for e in value if isinstance(e, Mapping)] if isinstance(value, list) else []


def _outputs(plan: Mapping[str, Any]) -> list[OutputChange]:
    out = []
    for name, change in sorted(_mapping(plan.get("output_changes")).items()):
        action = plan_action(_mapping(change).get("actions") or [])
        if action in {"create", "update", "delete"}:
            sensitive = _truthy(change.get("before_sensitive")) or _truthy(change.get("after_sensitive"))
            out.append(OutputChange(name=name, action=action, sensitive=sensitive))
        elif action == "replace":
            out.append(OutputChange(name=name, action="update"))
    return out


def classify_plan(plan: Mapping[str, Any], mode: Mode, module: str) -> Classified:
    """Classify one module's plan JSON; ``module`` is its report path (used in fingerprints)."""
    drift = _entries(plan, "resource_drift")
    resources = []
    if mode == "refresh-only":
        for entry in drift:
            action = drift_action(_mapping(entry.get("change")).get("actions") or [])
            if action is not None:
                resources.append(_resource(module, entry, action, outside=True))
    else:
        outside = {str(e.get("address")) for e in drift if drift_action(_mapping(e.get("change")).get("actions") or [])}
        for entry in _entries(plan, "resource_changes"):
            action = plan_action(_mapping(entry.get("change")).get("actions") or [])
            if action is not None:
                resources.append(_resource(module, entry, action, outside=str(entry.get("address")) in outside))
    resources.sort(key=lambda r: r.address)
    return Classified(resources=resources, outputs=_outputs(plan) if mode == "plan" else [])
