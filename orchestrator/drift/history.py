"""Compare with a previous report (``--previous drift.json``): new, ongoing (since when) and resolved.

Identity is the resource fingerprint (:mod:`orchestrator.drift.fingerprint`). A drift is ``ongoing`` when
its fingerprint was in the previous report; its ``first_seen`` is carried over. A previous drift is
``resolved`` only when its module ran cleanly enough to tell (status ``clean`` or ``drifted`` now) and the
fingerprint is gone: a module that errored, was skipped or was not selected resolves nothing.

:func:`load_previous` raises :class:`~orchestrator.errors.ConfigError` when the file is not a drift report
this version understands; :func:`apply_history` is pure.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from pydantic import ValidationError

from orchestrator.errors import ConfigError, Pos
from orchestrator.report.drift_model import DriftReport, ModuleDrift, ResolvedDrift, ResourceDrift


def load_previous(path: Path) -> DriftReport:
    """Read a previous ``drift.json``. Raises ConfigError if missing, not JSON, or another schema version."""
    if not path.is_file():
        raise ConfigError(
            "previous drift report not found",
            pos=Pos(str(path)),
            attr="--previous",
            hint="pass the drift.json of an earlier run",
        )
    try:
        return DriftReport.model_validate_json(path.read_text())
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ConfigError(
            f"not a drift report this tgo understands: {where}: {first['msg']}",
            pos=Pos(str(path)),
            attr="--previous",
            hint="pass a drift.json written by `tgo drift` (schema_version 1)",
        ) from None


def _mark(res: ResourceDrift, seen: dict[str, datetime | None], now: datetime) -> ResourceDrift:
    if res.fingerprint in seen:
        return res.model_copy(update={"history": "ongoing", "first_seen": seen[res.fingerprint] or now})
    return res.model_copy(update={"history": "new", "first_seen": now})


def _mark_module(
    mod: ModuleDrift, seen: dict[str, datetime | None], prev_mods: dict[str, datetime | None], now: datetime
) -> ModuleDrift:
    if mod.status != "drifted" and not mod.resources:
        return mod
    resources = [_mark(r, seen, now) for r in mod.resources]
    counting = [r for r in resources if r.suppressed is None] or resources
    if counting:
        first = min((r.first_seen or now) for r in counting)
        history = "new" if any(r.history == "new" for r in counting) else "ongoing"
    else:  # outputs only: identified by the module fingerprint
        known = mod.fingerprint in prev_mods
        first = (prev_mods.get(mod.fingerprint or "") or now) if known else now
        history = "ongoing" if known else "new"
    return mod.model_copy(update={"resources": resources, "first_seen": first, "history": history})


def apply_history(
    modules: list[ModuleDrift], previous: DriftReport | None, now: datetime
) -> tuple[list[ModuleDrift], list[ResolvedDrift]]:
    """Mark each drift new/ongoing against ``previous`` (None: everything is new); list what was resolved."""
    seen: dict[str, datetime | None] = {}
    prev_mods: dict[str, datetime | None] = {}
    if previous is not None:
        for pm in previous.modules:
            if pm.fingerprint:
                prev_mods[pm.fingerprint] = pm.first_seen or previous.generated_at
            for r in pm.resources:
                seen[r.fingerprint] = r.first_seen or previous.generated_at
    marked = [_mark_module(m, seen, prev_mods, now) for m in modules]
    resolved: list[ResolvedDrift] = []
    if previous is not None:
        current = {r.fingerprint for m in marked for r in m.resources}
        decided = {m.path for m in marked if m.status in {"clean", "drifted"}}
        for pm in previous.modules:
            for r in pm.resources:
                if pm.path in decided and r.fingerprint not in current:
                    resolved.append(
                        ResolvedDrift(
                            path=pm.path,
                            address=r.address,
                            action=r.action,
                            fingerprint=r.fingerprint,
                            first_seen=r.first_seen,
                        )
                    )
    return marked, resolved
