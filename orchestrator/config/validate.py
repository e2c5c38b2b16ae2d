"""From the loader's raw dict to a validated :class:`~orchestrator.config.models.ModuleConfig`.

Pydantic's errors are translated into :class:`~orchestrator.errors.ConfigError` s that name the
file and line where the attribute was written (from the loader's positions), the attribute path
(``dependency.vpc.config_path``, with block labels instead of list indexes) and what to do.
Pure functions.
"""

from __future__ import annotations

import types
import typing
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from orchestrator.config.blocks import Positions, PosKey
from orchestrator.config.models import ModuleConfig
from orchestrator.config.render import WRITTEN
from orchestrator.config.retryable import DEFAULT_RETRYABLE_ERRORS
from orchestrator.config.scope import did_you_mean
from orchestrator.errors import ConfigError, ConfigErrors, Pos, TgoError
from orchestrator.hcl.values import UNKNOWN, contains_unknown

FREE_FORM = frozenset({"inputs", "locals", "mock_outputs", "outputs"})
LEGACY = ("errors", "retry", "legacy_retryable_errors")
LEGACY_NAMES = {
    "retryable_errors": "retryable_errors",
    "max_attempts": "retry_max_attempts",
    "sleep_interval_sec": "retry_sleep_interval_sec",
}
HINTS = {
    "iam_role": "use arn:aws:iam::<12-digit account id>:role/<name>",
    "iam_assume_role_duration": "use a number of seconds between 900 and 43200",
    "iam_assume_role_session_name": "use 2 to 64 letters, digits or +=,.@_-",
}


def _legacy_retry(raw: dict[str, Any], data: dict[str, Any], positions: Positions) -> None:
    """Fold retryable_errors / retry_max_attempts / retry_sleep_interval_sec into errors.retry."""
    keys = ("retryable_errors", "retry_max_attempts", "retry_sleep_interval_sec")
    if not any(k in raw for k in keys):
        return
    for k in keys:
        data.pop(k, None)
    block: dict[str, Any] = {
        "name": "legacy_retryable_errors",
        "retryable_errors": raw.get("retryable_errors", list(DEFAULT_RETRYABLE_ERRORS)),
    }
    if "retry_max_attempts" in raw:
        block["max_attempts"] = raw["retry_max_attempts"]
    if "retry_sleep_interval_sec" in raw:
        block["sleep_interval_sec"] = raw["retry_sleep_interval_sec"]
    where = ("errors", "retry", "legacy_retryable_errors")
    for legacy, field in zip(keys, ("retryable_errors", "max_attempts", "sleep_interval_sec"), strict=True):
        if (legacy,) in positions:
            positions[(*where, field)] = positions[(legacy,)]
    errors = dict(data.get("errors") or {})
    errors["retry"] = [*errors.get("retry", []), block]
    data["errors"] = errors


def model_input(raw: dict[str, Any], positions: Positions) -> dict[str, Any]:
    """The dict pydantic validates: raw minus render-only parts, legacy attributes folded."""
    data = dict(raw)
    if "dependency" in data:
        # A disabled dependency may leave config_path null (Terragrunt accepts it): it names no
        # module, so it has no place in the validated config (render still shows it).
        data["dependency"] = [
            {k: v for k, v in d.items() if k not in ("outputs", WRITTEN)}
            for d in data["dependency"]
            if not (d.get("enabled") is False and d.get("config_path") is None)
        ]
    data.pop("feature", None)  # rendered, not validated: the flags' values are in what they set
    if "dependencies" in data:
        deps = data["dependencies"]
        if isinstance(deps, dict):
            deps = {k: v for k, v in deps.items() if k != WRITTEN}
        extra = [k for k in deps if k != "paths"] if isinstance(deps, dict) else []
        if extra:
            raise ConfigError(
                f"unknown attribute {extra[0]!r} in dependencies",
                pos=positions.get(("dependencies", extra[0])),
                attr=f"dependencies.{extra[0]}",
                hint=did_you_mean(extra[0], ["paths"]) or "the dependencies block only takes paths",
            )
        data["dependencies"] = deps.get("paths", []) if isinstance(deps, dict) else deps
    _legacy_retry(raw, data, positions)
    return data


def _typed_unknown(data: Any) -> bool:
    """Whether :func:`check_known` would raise: the same walk, without building paths."""
    # Loops rather than any(<generator>): this runs over every value of every module.
    if type(data) is dict:
        for key, value in data.items():  # noqa: SIM110
            if key not in FREE_FORM and _typed_unknown(value):
                return True
        return False
    if type(data) is list:
        for item in data:  # noqa: SIM110
            if _typed_unknown(item):
                return True
        return False
    if isinstance(data, dict | list):  # subclasses: the general walk
        return True
    return data is UNKNOWN


def check_known(data: Any, positions: Positions, path: PosKey = ()) -> None:
    """Typed attributes may not hold unknown values (dependency outputs with no mocks)."""
    if not path and not _typed_unknown(data):
        return  # the common case, without the path bookkeeping below
    if isinstance(data, dict):
        for key, value in data.items():
            if key not in FREE_FORM:
                check_known(value, positions, (*path, str(key)))
    elif isinstance(data, list):
        for item in data:
            name = item.get("name") if isinstance(item, dict) else None
            check_known(item, positions, (*path, name) if isinstance(name, str) else path)
    elif contains_unknown(data):
        raise ConfigError(
            "depends on a dependency output that is not known yet",
            pos=_lookup(positions, path),
            attr=".".join(path),
            hint="set mock_outputs on that dependency, or use its outputs in inputs only",
        )


def _lookup(positions: Positions, path: PosKey) -> Pos | None:
    for n in range(len(path), 0, -1):
        found = positions.get(path[:n])
        if found is not None:
            return found
    return None


def _named_path(data: Any, loc: tuple[int | str, ...]) -> PosKey:
    """Pydantic's loc with list indexes replaced by block names where the item has one."""
    out: list[str] = []
    node = data
    for part in loc:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            node = None
        if isinstance(part, int):
            name = node.get("name") if isinstance(node, dict) else None
            out.append(name if isinstance(name, str) else str(part))
        else:
            out.append(part)
    return tuple(out)


def _model_at(loc: tuple[int | str, ...]) -> type[BaseModel] | None:
    model: type[BaseModel] | None = ModuleConfig
    for part in loc:
        if model is None:
            return None
        if isinstance(part, int):
            continue
        field = model.model_fields.get(part)
        model = _find_model(field.annotation) if field else None
    return model


def _find_model(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is not None:
        for arg in typing.get_args(annotation):
            found = _find_model(arg)
            if found is not None:
                return found
    return None


def _field_names(model: type[BaseModel]) -> list[str]:
    return [f.alias or name for name, f in model.model_fields.items()]


def translate(err: Any, data: dict[str, Any], positions: Positions, fallback: Pos) -> ConfigError:
    """One pydantic error dict as a ConfigError with position, attribute path and hint."""
    loc = tuple(err["loc"])
    path = _named_path(data, loc)
    pos = _lookup(positions, path) or fallback
    if path[:3] == LEGACY and len(path) > 3 and path[3] in LEGACY_NAMES:
        path = (LEGACY_NAMES[path[3]], *path[4:])  # name the attribute the user wrote
    attr = ".".join(path)
    if err["type"] == "extra_forbidden":
        model = _model_at(loc[:-1])
        name = str(loc[-1])
        hint = did_you_mean(name, _field_names(model)) if model else None
        return ConfigError(f"unknown attribute {name!r}", pos=pos, attr=attr, hint=hint or "remove it")
    if err["type"] == "missing":
        return ConfigError("is required", pos=pos, attr=attr, hint=f"set {path[-1]}")
    message = str(err["msg"]).removeprefix("Value error, ")
    value = err.get("input")
    if not err["type"].startswith("value_error") and not isinstance(value, dict | list):
        message = f"{message}, got {value!r}"
    return ConfigError(message, pos=pos, attr=attr, hint=HINTS.get(path[0] if path else "", "fix the value"))


def to_model(
    raw: dict[str, Any], positions: Positions, *, module_dir: Path, config_file: Path, used_mocks: bool, display: str
) -> ModuleConfig:
    """Validate ``raw``. Raises ConfigError (one problem) or ConfigErrors (several)."""
    data = model_input(raw, positions)
    check_known(data, positions)
    data.update(path=module_dir, config_file=config_file, used_mock_outputs=used_mocks)
    try:
        config = ModuleConfig.model_validate(data)
    except ValidationError as exc:
        fallback = Pos(display)
        errors: list[TgoError] = [translate(e, data, positions, fallback) for e in exc.errors()]
        raise (errors[0] if len(errors) == 1 else ConfigErrors(errors)) from None
    for dep in config.dependency:
        dep._pos = positions.get(("dependency", dep.name))
    config._dependencies_pos = positions.get(("dependencies",))
    return config
