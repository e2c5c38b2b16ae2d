"""``feature "<name>" { default = ... }`` blocks and their overrides, as Terragrunt has them.

A module's feature flags are the ``feature`` blocks of its own file and of every file it includes
(merged by name, the including file's block winning), each with its ``default``. An override given
with ``--feature name=value`` (repeatable) or ``TG_FEATURE=a=1,b=x`` replaces the default; the
override's text is converted to the default's type as Terragrunt does: a bool default takes
``true``/``false`` (and Go's other spellings ``1``, ``t``, ``T``, ``TRUE``, ``True``, ``0``, ``f``...),
a number default an integer, anything else the text itself. Expressions read ``feature.<name>.value``.

Pure functions; raises ConfigError / UsageError as documented on each.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable, Mapping

from orchestrator.errors import ConfigError, Pos, UsageError
from orchestrator.hcl.values import Value

TRUE_WORDS = frozenset({"1", "t", "T", "TRUE", "true", "True"})
FALSE_WORDS = frozenset({"0", "f", "F", "FALSE", "false", "False"})


def parse_feature_overrides(flags: Iterable[str], env_value: str | None) -> dict[str, str]:
    """``name=value`` overrides: ``TG_FEATURE`` (comma-separated) first, then the flags (later wins).

    Raises UsageError for an item without ``=`` or with an empty name.
    """
    items: list[tuple[str, str]] = []
    if env_value:
        items.extend(("TG_FEATURE", item) for item in env_value.split(",") if item.strip())
    items.extend(("--feature", item) for item in flags)
    out: dict[str, str] = {}
    for where, item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise UsageError(
                f"{where} expects name=value, got {item!r}", attr=where, hint="e.g. --feature enable_logs=true"
            )
        out[name.strip()] = value
    return out


def coerce_override(name: str, text: str, default: Value, pos: Pos | None) -> Value:
    """``text`` as a value of the default's type (see module doc). Raises ConfigError if it is not one."""
    if isinstance(default, bool):
        if text in TRUE_WORDS:
            return True
        if text in FALSE_WORDS:
            return False
        raise ConfigError(
            f"feature {name!r} is a bool; the override {text!r} is not",
            pos=pos,
            attr=f"feature.{name}",
            hint=f"pass --feature {name}=true or {name}=false",
        )
    if isinstance(default, numbers.Number):
        try:
            return int(text)
        except ValueError:
            raise ConfigError(
                f"feature {name!r} is a number; the override {text!r} is not an integer",
                pos=pos,
                attr=f"feature.{name}",
                hint=f"pass --feature {name}=<integer>",
            ) from None
    return text


def feature_variable(
    defaults: Mapping[str, Value], overrides: Mapping[str, str], positions: Mapping[str, Pos | None]
) -> dict[str, Value]:
    """The ``feature`` variable: ``{name: {"value": ...}}`` for every declared flag."""
    out: dict[str, Value] = {}
    for name, default in defaults.items():
        value = coerce_override(name, overrides[name], default, positions.get(name)) if name in overrides else default
        out[name] = {"value": value}
    return out


__all__ = ["coerce_override", "feature_variable", "parse_feature_overrides"]
