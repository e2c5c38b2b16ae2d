"""Suppressions: known drift that a named owner has accepted until a date.

File: ``.tgo-drift-suppressions.yaml`` in the working directory (``--suppressions PATH`` to choose
another; a missing default file means no suppressions). Format (docs/drift.md)::

    version: 1
    suppressions:
      - module: "prod/*/app"            # glob on the module path relative to the working directory
        address: "tgo_s3_object.config"  # glob on the resource address
        attribute: content               # optional: only this attribute
        reason: "replicas are scaled by hand during the migration"
        owner: "team-payments"
        expires: 2026-12-31              # the last day it applies

Rules: a resource is suppressed when an active entry without ``attribute`` matches it, or when every
attribute that differs is named by active entries. Suppressed drift stays in the report (``suppressed``)
and is counted; an entry past ``expires`` suppresses nothing and is reported as expired, on every resource
it would have matched and in the totals. Output changes cannot be suppressed.

:func:`load_suppressions` raises :class:`~orchestrator.errors.ConfigError` (file:line:col, attribute path,
hint) for a malformed file; everything else here is pure.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

import yaml

from orchestrator.errors import ConfigError, Pos
from orchestrator.report.drift_model import ModuleDrift, ResourceDrift, SuppressionRef, SuppressionStatus

DEFAULT_FILE = ".tgo-drift-suppressions.yaml"
_REQUIRED = ("module", "address", "reason", "owner", "expires")
_ALLOWED = {*_REQUIRED, "attribute"}


@dataclass(frozen=True, slots=True)
class Suppression:
    ref: SuppressionRef
    pos: Pos

    def matches(self, module: str, address: str) -> bool:
        return fnmatchcase(module, self.ref.module) and fnmatchcase(address, self.ref.address)


def _pos(path: Path, node: yaml.Node) -> Pos:
    return Pos(str(path), node.start_mark.line + 1, node.start_mark.column + 1)


def _entry(path: Path, index: int, node: yaml.Node, today: dt.date) -> Suppression:
    attr = f"suppressions[{index}]"
    if not isinstance(node, yaml.MappingNode):
        raise ConfigError("a suppression must be a mapping", pos=_pos(path, node), attr=attr)
    fields: dict[str, Any] = {}
    for key_node, value_node in node.value:
        key = str(key_node.value)
        if key not in _ALLOWED:
            raise ConfigError(
                f"unknown field {key!r}",
                pos=_pos(path, key_node),
                attr=f"{attr}.{key}",
                hint=f"allowed fields: {', '.join(sorted(_ALLOWED))}",
            )
        fields[key] = yaml.safe_load(yaml.serialize(value_node))
    for key in _REQUIRED:
        if fields.get(key) in (None, ""):
            raise ConfigError(
                f"missing {key!r}", pos=_pos(path, node), attr=f"{attr}.{key}", hint="every suppression needs it"
            )
    expires = fields["expires"]
    if isinstance(expires, str):
        try:
            expires = dt.date.fromisoformat(expires)
        except ValueError:
            expires = None
    if not isinstance(expires, dt.date):
        raise ConfigError(
            f"expires {fields['expires']!r} is not a date",
            pos=_pos(path, node),
            attr=f"{attr}.expires",
            hint="YYYY-MM-DD",
        )
    expires = expires.date() if isinstance(expires, dt.datetime) else expires
    ref = SuppressionRef(
        module=str(fields["module"]),
        address=str(fields["address"]),
        attribute=None if fields.get("attribute") is None else str(fields["attribute"]),
        reason=str(fields["reason"]),
        owner=str(fields["owner"]),
        expires=expires,
        expired=expires < today,
    )
    return Suppression(ref, _pos(path, node))


def parse_suppressions(text: str, path: Path, today: dt.date) -> list[Suppression]:
    """Parse a suppressions file's text; ``path`` is only used in error positions."""
    try:
        root = yaml.compose(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        pos = Pos(str(path), mark.line + 1, mark.column + 1) if mark else Pos(str(path))
        raise ConfigError(f"not valid YAML: {getattr(exc, 'problem', exc)}", pos=pos) from None
    if root is None:
        return []
    if not isinstance(root, yaml.MappingNode):
        raise ConfigError("expected a mapping with `version` and `suppressions`", pos=_pos(path, root))
    top = {str(k.value): v for k, v in root.value}
    version = top.get("version")
    if version is None or str(version.value) != "1":
        raise ConfigError(
            "unsupported or missing version", pos=_pos(path, version or root), attr="version", hint="write `version: 1`"
        )
    items = top.get("suppressions")
    if items is None:
        return []
    if not isinstance(items, yaml.SequenceNode):
        raise ConfigError("must be a list", pos=_pos(path, items), attr="suppressions")
    return [_entry(path, i, node, today) for i, node in enumerate(items.value)]


def load_suppressions(path: Path, today: dt.date, *, required: bool) -> list[Suppression]:
    """Read ``path``; a missing file is no suppressions unless ``required`` (then ConfigError)."""
    if not path.exists():
        if required:
            raise ConfigError("suppressions file not found", pos=Pos(str(path)), hint="check --suppressions")
        return []
    return parse_suppressions(path.read_text(), path, today)


def _suppress_resource(
    module: str, res: ResourceDrift, entries: list[Suppression], matched: dict[int, int]
) -> ResourceDrift:
    hits = [(i, s) for i, s in enumerate(entries) if s.matches(module, res.address)]
    active = [(i, s) for i, s in hits if not s.ref.expired]
    names = {a.name for a in res.attributes}
    whole = next(((i, s) for i, s in active if s.ref.attribute is None), None)
    if whole is not None:
        matched[whole[0]] += 1
        return res.model_copy(update={"suppressed": whole[1].ref})
    by_attr = [(i, s) for i, s in active if s.ref.attribute in names]
    if names and {s.ref.attribute for _, s in by_attr} >= names:
        for i, _ in by_attr:
            matched[i] += 1
        return res.model_copy(update={"suppressed": by_attr[0][1].ref})
    expired = next(
        (s for _, s in hits if s.ref.expired and (s.ref.attribute is None or s.ref.attribute in names)), None
    )
    return res.model_copy(update={"expired_suppression": expired.ref}) if expired else res


def apply_suppressions(
    modules: list[ModuleDrift], entries: list[Suppression]
) -> tuple[list[ModuleDrift], list[SuppressionStatus]]:
    """Mark suppressed resources; a drifted module left with nothing that counts becomes ``clean``."""
    matched = dict.fromkeys(range(len(entries)), 0)
    out = []
    for mod in modules:
        if mod.status != "drifted" or not entries:
            out.append(mod)
            continue
        resources = [_suppress_resource(mod.path, r, entries, matched) for r in mod.resources]
        suppressed = sum(1 for r in resources if r.suppressed is not None)
        counting = [r for r in resources if r.suppressed is None]
        # Output changes that come with resource changes follow from them: once those are suppressed,
        # the outputs do not keep the module drifted. An outputs-only plan stays drifted.
        status = mod.status if counting or mod.outputs_only else "clean"
        out.append(mod.model_copy(update={"resources": resources, "suppressed": suppressed, "status": status}))
    statuses = [SuppressionStatus(entry=s.ref, matched=matched[i]) for i, s in enumerate(entries)]
    return out, statuses
