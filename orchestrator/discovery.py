"""Find module directories in a live tree.

A module directory holds ``terragrunt.hcl`` or ``terragrunt.hcl.json``. Walking skips
``.terragrunt-cache``, ``.terraform`` and every hidden directory (name starting with ``.``) except
``.terragrunt-stack``, where ``tgo stack generate`` writes units (as Terragrunt 1.x discovers them).

Filters follow Terragrunt's ``--terragrunt-include-dir`` / ``--terragrunt-exclude-dir``: each is a
Unix-style glob relative to ``root`` (or absolute). ``*`` matches within one path segment, ``**``
matches any number of segments. A module matches a glob when the glob matches the module's path or
one of its parent directories (so ``prod/*`` selects everything under each ``prod/<x>``). With
include globs, only matching modules are kept; exclude globs always win.

Pure apart from reading the directory tree; thread-safe (no shared state).
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path

CONFIG_NAMES = ("terragrunt.hcl", "terragrunt.hcl.json")
SKIP_DIRS = frozenset({".terragrunt-cache", ".terraform"})
STACK_DIR = ".terragrunt-stack"


def config_file(module_dir: Path) -> Path | None:
    """The config file of ``module_dir`` (``terragrunt.hcl`` preferred), or None."""
    for name in CONFIG_NAMES:
        candidate = module_dir / name
        if candidate.is_file():
            return candidate
    return None


def walk_dirs(root: Path) -> Iterable[tuple[Path, list[str]]]:
    """Yield (directory, file names) below ``root``, skipping caches and hidden directories other
    than ``.terragrunt-stack``."""
    for dirpath, dirnames, filenames in os.walk(root):
        # Pruning in place keeps os.walk from descending into skipped directories.
        dirnames[:] = sorted(d for d in dirnames if d == STACK_DIR or (not d.startswith(".") and d not in SKIP_DIRS))
        yield Path(dirpath), filenames


def glob_to_regex(pattern: str) -> re.Pattern[str]:
    """Compile a path glob: ``**`` spans segments, ``*``/``?`` stay within one, ``[...]`` classes."""
    out = []
    i = 0
    pattern = pattern.strip("/") or "."
    while i < len(pattern):
        ch = pattern[i]
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
            continue
        if pattern.startswith("**", i):
            out.append(".*")
            i += 2
            continue
        if ch == "*":
            out.append("[^/]*")
        elif ch == "?":
            out.append("[^/]")
        elif ch == "[":
            end = pattern.find("]", i + 1)
            if end == -1:
                out.append(re.escape(ch))
            else:
                body = pattern[i + 1 : end].replace("\\", "\\\\")
                out.append(f"[{'^' + body[1:] if body.startswith('!') else body}]")
                i = end
        else:
            out.append(re.escape(ch))
        i += 1
    return re.compile("".join(out) + r"\Z")


def _normalise(pattern: str, root: Path) -> str:
    path = Path(pattern)
    if path.is_absolute():
        try:
            return path.relative_to(root).as_posix()
        except ValueError:
            return path.as_posix()
    return Path(os.path.normpath(pattern)).as_posix()


def _matches(rel: str, patterns: Sequence[re.Pattern[str]]) -> bool:
    parts = rel.split("/")
    prefixes = ["/".join(parts[:n]) for n in range(1, len(parts) + 1)]
    return any(p.match(prefix) for p in patterns for prefix in prefixes)


class TreeWalk:
    """The walks of one command, so that a tree is walked once: each walk keeps both the module
    directories and the config files it saw, and a later question about the same directory or one
    below it is answered from it. A cache object (owned by the loader); thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._walks: dict[Path, tuple[list[Path], list[Path]]] = {}

    def scan(self, root: Path) -> tuple[list[Path], list[Path]]:
        """(module directories, config files) under the resolved ``root``, sorted."""
        with self._lock:
            for top, (modules, files) in self._walks.items():
                if root == top:
                    return modules, files
                if root.is_relative_to(top):
                    return (
                        [m for m in modules if m.is_relative_to(root)],
                        [f for f in files if f.is_relative_to(root)],
                    )
        modules, files = _walk(root)
        with self._lock:
            self._walks[root] = (modules, files)
        return modules, files

    def forget(self) -> None:
        """Drop every walk (the command wrote directories, e.g. generated stacks): walk again on demand."""
        with self._lock:
            self._walks.clear()


def _walk(root: Path) -> tuple[list[Path], list[Path]]:
    modules: list[Path] = []
    files: list[Path] = []
    for directory, names in walk_dirs(root):
        if any(name in names for name in CONFIG_NAMES):
            modules.append(directory)
        files.extend(directory / f for f in names if f.endswith(".hcl") or f == "terragrunt.hcl.json")
    return sorted(modules), sorted(files)


def discover(
    root: Path,
    *,
    include_dirs: Sequence[str] = (),
    exclude_dirs: Sequence[str] = (),
    walk: TreeWalk | None = None,
) -> list[Path]:
    """Module directories under ``root`` (absolute, resolved, sorted), filtered by the globs.

    ``root`` itself counts when it holds a config. Raises nothing for an empty tree (returns []).
    ``walk``: answer from (and remember in) this command's walks instead of walking again.
    """
    root = root.resolve()
    include = [glob_to_regex(_normalise(p, root)) for p in include_dirs]
    exclude = [glob_to_regex(_normalise(p, root)) for p in exclude_dirs]
    modules = (walk or TreeWalk()).scan(root)[0]
    found = []
    for directory in modules:
        rel = directory.relative_to(root).as_posix()
        if include and not _matches(rel, include):
            continue
        if exclude and _matches(rel, exclude):
            continue
        found.append(directory)
    return found


def config_files_under(root: Path, walk: TreeWalk | None = None) -> list[Path]:
    """Every ``*.hcl`` and ``terragrunt.hcl.json`` below ``root`` (for parsing a tree up front)."""
    return (walk or TreeWalk()).scan(root.resolve())[1]
