"""Which outputs a ``dependency`` block exposes as ``dependency.<name>.outputs``.

Rules (Terragrunt's, with tgo's unknowns for render/validate), for an enabled dependency:
1. ``skip_outputs``: its ``mock_outputs``, or ``{}``.
2. Real outputs (from ``terraform output -json``) when present and non-empty; merged with
   ``mock_outputs`` per ``mock_outputs_merge_strategy_with_state`` when mocks are allowed.
3. Else ``mock_outputs`` when allowed for the command (always for render/validate, ``command``
   None; never for ``apply``, unlike Terragrunt; else when ``mock_outputs_allowed_terraform_commands``
   is unset or lists the command). ``skip_outputs`` (rule 1) is the explicit opt-out and still applies.
4. Else, for render/validate, UNKNOWN; for a real command, a ConfigError telling what to do.

Pure functions.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from orchestrator.errors import ConfigError, Pos, relpath
from orchestrator.hcl.values import UNKNOWN, Value

NEVER_MOCKED = frozenset({"apply"})
"""Commands that never see mock outputs, whatever the config allows: applying a placeholder VPC id
would create real resources wired to nothing (Terragrunt allows it when the list is unset)."""


def mocks_allowed(dep: Mapping[str, Any], command: str | None) -> bool:
    if command in NEVER_MOCKED:
        return False
    allowed = dep.get("mock_outputs_allowed_terraform_commands")
    return command is None or allowed is None or (isinstance(allowed, list) and command in allowed)


def _deep_map_only(mock: Value, real: Value) -> Value:
    if isinstance(mock, dict) and isinstance(real, dict):
        out = dict(mock)
        for key, value in real.items():
            out[key] = _deep_map_only(mock[key], value) if key in mock else value
        return out
    return real


def _merge_with_state(dep: Mapping[str, Any], mocks: dict[str, Value], real: Mapping[str, Value]) -> dict[str, Value]:
    strategy = dep.get("mock_outputs_merge_strategy_with_state", "no_merge")
    if strategy == "no_merge" and dep.get("mock_outputs_merge_with_state"):
        strategy = "shallow"  # the legacy boolean means a shallow merge
    if strategy == "shallow":
        return {**mocks, **real}
    if strategy == "deep_map_only":
        merged = _deep_map_only(mocks, dict(real))
        assert isinstance(merged, dict)
        return merged
    return dict(real)


def resolve_outputs(
    dep: Mapping[str, Any],
    config_path: Path,
    *,
    command: str | None,
    outputs: Mapping[Path, Mapping[str, Value]] | None,
    pos: Pos | None,
    base: Path | None = None,
) -> tuple[Value, bool]:
    """(outputs value, whether mocks were used) for one evaluated dependency block ``dep``."""
    mocks = dep.get("mock_outputs")
    mock_dict = dict(mocks) if isinstance(mocks, Mapping) else None
    if dep.get("skip_outputs") is True:
        return (mock_dict if mock_dict is not None else {}), mock_dict is not None
    real = (outputs or {}).get(config_path)
    allowed = mocks_allowed(dep, command)
    if real:
        if mock_dict is not None and allowed:
            return _merge_with_state(dep, mock_dict, real), False
        return dict(real), False
    if mock_dict is not None and allowed:
        return mock_dict, True
    if command is None:
        return UNKNOWN, False
    name = dep.get("name", "?")
    raise ConfigError(
        f'dependency "{name}" ({relpath(config_path, base)}) has no outputs',
        pos=pos,
        attr=f"dependency.{name}",
        hint=(
            "apply it first: tgo never applies with mock outputs"
            if command in NEVER_MOCKED
            else f"apply it first, or set mock_outputs allowed for {command}"
        ),
    )
