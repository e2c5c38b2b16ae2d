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
            found = self._memo[("resolve-as-given", path)] = self._resolved(os.path.normpath(path))
        return found  # type: ignore[no-any-return]

    def resolve_in(self, base: Path, value: str) -> Path:
        """:meth:`resolve` of ``value``: an absolute path, or a path relative to ``base``."""
        raw = value if os.path.isabs(value) else os.path.join(base, value)
        found = self._memo.get(("resolve-raw", raw), _MISSING)
        if found is _MISSING:
            found = self._memo[("resolve-raw", raw)] = self._resolved(os.path.normpath(raw))
        return found  # type: ignore[no-any-return]

    def _resolved(self, key: str) -> Path:
        """``Path(key).resolve()`` for a normalised ``key``, memoized. An absolute path reuses its
        parent's answer: one lstat for its last component instead of one per component."""
        found = self._memo.get(("resolve", key), _MISSING)
        if found is _MISSING:
            parent, name = os.path.split(key)
            if not os.path.isabs(key) or not name or not parent:
                found = Path(key).resolve()
            else:
                candidate = os.path.join(self._resolved(parent), name)
                found = Path(candidate).resolve() if os.path.islink(candidate) else Path(candidate)
            self._memo[("resolve", key)] = found
        return found  # type: ignore[no-any-return]

    def is_file(self, path: Path) -> bool:
        return self._get("is_file", path, path.is_file)

    def module_config(self, directory: Path) -> Path | None:
        """The module's terragrunt.hcl / terragrunt.hcl.json, or None."""
        return self._get("module", directory, lambda: config_file(directory) if directory.is_dir() else None)

    def find_up_from(self, file: Path, names: tuple[str, ...]) -> Path | None:
        """:meth:`find_up` starting at the directory of ``file`` (what ``find_in_parent_folders`` does)."""
        found = self._memo.get(("find_up_from", file, names), _MISSING)
        if found is _MISSING:
            start = os.path.dirname(file)
            parent = os.path.dirname(start)
            found = None if parent == start else self._find_in(parent, names)
            self._memo[("find_up_from", file, names)] = found
        return found  # type: ignore[no-any-return]

    def find_up(self, start: Path, names: tuple[str, ...]) -> Path | None:
        """The first ``<parent>/<name>`` that exists, walking up from ``start``'s parent.

        Memoized per directory, so modules sharing parents share the answers.
        """
        start_str = os.fspath(start)
        parent = os.path.dirname(start_str)
        return None if parent == start_str else self._find_in(parent, names)

    def _find_in(self, directory: str, names: tuple[str, ...]) -> Path | None:
        """The first ``<directory>/<name>`` that exists, else the same in its parents."""
        found = self._memo.get(("find_in", directory, names), _MISSING)
        if found is _MISSING:
            found = None
            for name in names:
                candidate = os.path.join(directory, name)
                if os.path.exists(candidate):
                    found = Path(candidate)
                    break
            else:
                parent = os.path.dirname(directory)
                if parent != directory:
                    found = self._find_in(parent, names)
            self._memo[("find_in", directory, names)] = found
        return found  # type: ignore[no-any-return]
