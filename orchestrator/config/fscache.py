"""Memoized filesystem questions for one run (resolve, is this a file, does this dir hold a module).

A 1,000-module tree asks the same few hundred questions thousands of times (every module's
``find_in_parent_folders("root.hcl")`` walks the same parents). Answers are cached for the life of
the loader: the tree is not expected to change during one run.

Thread-safe: each answer is one dict item, read and written atomically (under CPython's GIL a
dict get or set is atomic); filesystem calls happen outside any lock (a race only repeats a lookup).
Hits build no Path objects: pathlib is slow in Python and these run tens of thousands of times.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import Any, TypeVar

from orchestrator.discovery import config_file

T = TypeVar("T")
_MISSING: Any = object()


class FsCache:
    def __init__(self) -> None:
        self._memo: dict[tuple[Hashable, ...], Any] = {}

    def _get(self, kind: str, key: Hashable, compute: Callable[[], T]) -> T:
        found = self._memo.get((kind, key), _MISSING)
        if found is _MISSING:
            found = self._memo[(kind, key)] = compute()
        return found  # type: ignore[no-any-return]

    def resolve(self, path: Path) -> Path:
        """``path.resolve()``, memoized on the lexically normalised path (``a/b/../c`` == ``a/c``)."""
        found = self._memo.get(("resolve-as-given", path), _MISSING)
        if found is _MISSING:
            key = os.path.normpath(path)
            found = self._memo[("resolve-as-given", path)] = self._get("resolve", key, lambda: Path(key).resolve())
        return found  # type: ignore[no-any-return]

    def resolve_in(self, base: Path, value: str) -> Path:
        """:meth:`resolve` of ``value``: an absolute path, or a path relative to ``base``."""
        found = self._memo.get(("resolve-in", base, value), _MISSING)
        if found is _MISSING:
            path = Path(value)
            found = self._memo[("resolve-in", base, value)] = self.resolve(path if path.is_absolute() else base / path)
        return found  # type: ignore[no-any-return]

    def is_file(self, path: Path) -> bool:
        return self._get("is_file", path, path.is_file)

    def module_config(self, directory: Path) -> Path | None:
        """The module's terragrunt.hcl / terragrunt.hcl.json, or None."""
        return self._get("module", directory, lambda: config_file(directory) if directory.is_dir() else None)

    def find_up_from(self, file: Path, names: tuple[str, ...]) -> Path | None:
        """:meth:`find_up` starting at the directory of ``file`` (what ``find_in_parent_folders`` does)."""
        return self._get("find_up_from", (file, names), lambda: self.find_up(file.parent, names))

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
