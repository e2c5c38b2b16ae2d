"""The part of the config loader's protocol test fakes share: a tree result over prepared configs."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from orchestrator.config.models import ModuleConfig


@dataclass
class StaticTree:
    """What ``ConfigLoader.load_tree`` returns, for configs a test built itself (never any errors)."""

    configs: dict[Path, ModuleConfig]
    errors: list[Any] = field(default_factory=list)


def static_tree(configs: dict[Path, ModuleConfig], dirs: list[Path]) -> StaticTree:
    """``load_tree(dirs)`` over ``configs``: a KeyError for a directory the test did not prepare."""
    return StaticTree({d: configs[d] for d in dirs})
