"""Memoized filesystem questions for one run (resolve, is this a file, does this dir hold a module).

A 1,000-module tree asks the same few hundred questions thousands of times (every module's
``find_in_parent_folders("root.hcl")`` walks the same parents). Answers are cached for the life of
the loader: the tree is not expected to change during one run.

Thread-safe: a lock guards the memo; filesystem calls happen outside it (a race only repeats a
lookup).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import TypeVar

from orchestrator.discovery import config_file

T = TypeVar("T")


class FsCache:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._memo: dict[tuple[str, Hashable], object] = {}

    def _get(self, kind: str, key: Hashable, compute: Callable[[], T]) -> T:
        with self._lock:
            if (kind, key) in self._memo:
                return self._memo[(kind, key)]  # type: ignore[return-value]
        value = compute()
        with self._lock:
            self._memo[(kind, key)] = value
        return value

    def resolve(self, path: Path) -> Path:
        """``path.resolve()``, memoized on the lexically normalised path (``a/b/../c`` == ``a/c``)."""
        key = os.path.normpath(path)
        return self._get("resolve", key, lambda: Path(key).resolve())

    def is_file(self, path: Path) -> bool:
        return self._get("is_file", path, path.is_file)

    def module_config(self, directory: Path) -> Path | None:
        """The module's terragrunt.hcl / terragrunt.hcl.json, or None."""
        return self._get("module", directory, lambda: config_file(directory) if directory.is_dir() else None)

    def find_up(self, start: Path, names: tuple[str, ...]) -> Path | None:
        """The first ``<parent>/<name>`` that exists, walking up from ``start``'s parent.

        Memoized per directory, so modules sharing parents share the answers.
        """
        parent = start.parent
        if parent == start:
            return None

        def here() -> Path | None:
            for name in names:
                candidate = parent / name
                if candidate.exists():
                    return candidate
            return self.find_up(parent, names)

        return self._get("find_up", (parent, names), here)
