"""Parsed config files, each parsed at most once per :class:`FileStore`.

``FileStore.body(path)`` returns the syntax tree of a file: from memory, else from the on-disk
:class:`~orchestrator.config.parsecache.ParseCache`, else by parsing (and then caching). Syntax
errors are memoized too, so a broken file shared by many modules is reported the same way each time.

``prefetch(paths)`` parses every file the cache does not hold in a pool of worker processes (both
cores on a cold run); the workers return JSON forms of the trees, which the store decodes.

Thread-safe: a per-path lock guarantees one parse per file even when worker threads ask at once.
``parse_counts`` records how many times each file was actually parsed (for benchmarks and tests).
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from orchestrator.config.parsecache import ParseCache
from orchestrator.errors import ConfigError, HclSyntaxError, Pos, TgoError
from orchestrator.hcl.ast import Body, body_from_json, body_to_json

# Below this many unparsed files, parsing in-process beats starting worker processes.
MIN_FILES_FOR_POOL = 32
log = logging.getLogger(__name__)


def parse_source(text: str, filename: str, *, is_json: bool) -> Body:
    """Parse one file's text. Raises HclSyntaxError."""
    # Imported here: python-hcl2 and lark take ~0.1 s to import, wasted when every file comes
    # from the parse cache.
    from orchestrator.hcl import parser

    if is_json:
        if _bare_json_include(text):
            return parser.parse_json_text(text, filename, {**parser.DEFAULT_JSON_BLOCK_TYPES, "include": 0})
        return parser.parse_json_text(text, filename)
    return parser.parse_text(text, filename)


def _bare_json_include(text: str) -> bool:
    """Whether a JSON config gives ``include`` as one object (``{"path": ...}``) rather than keyed by
    label: Terragrunt reads that as an unlabelled include, as the HCL ``include { path = ... }``."""
    if '"include"' not in text:
        return False
    try:
        obj = json.loads(text)
    except (ValueError, RecursionError):
        return False  # the parser reports it
    include = obj.get("include") if isinstance(obj, dict) else None
    items = include if isinstance(include, list) else [include]
    return any(isinstance(item, dict) and not isinstance(item.get("path", {}), dict) for item in items)


def _worker(path: str, display: str) -> tuple[str, bytes | None, Any]:
    """Run in a pool process: (path, content, JSON tree or None when the file does not parse)."""
    try:
        content = Path(path).read_bytes()
        body = parse_source(content.decode("utf-8"), display, is_json=path.endswith(".json"))
        return path, content, body_to_json(body)
    except Exception:  # the parent re-parses in-process and reports the error properly
        return path, None, None


class FileStore:
    """Memo of parsed files for one loader. ``display`` turns a path into the name shown in errors."""

    def __init__(self, cache: ParseCache | None, display: Any = str) -> None:
        self._cache = cache
        self._display = display
        self._lock = threading.Lock()
        self._path_locks: dict[Path, threading.Lock] = {}
        self._bodies: dict[Path, Body | TgoError] = {}
        self._pending: dict[Path, Callable[[], Body]] = {}  # adopted from a forked child, not decoded yet
        self.parse_counts: dict[Path, int] = {}

    def add_parse_counts(self, counts: dict[Path, int]) -> None:
        """Account for parses done elsewhere (forked evaluation children)."""
        with self._lock:
            for path, n in counts.items():
                self.parse_counts[path] = self.parse_counts.get(path, 0) + n

    def bodies_in(self, dirs: list[Path]) -> dict[Path, Body]:
        """The parsed files directly in ``dirs`` (a forked child hands them to its parent)."""
        wanted = set(dirs)
        with self._lock:
            return {p: b for p, b in self._bodies.items() if p.parent in wanted and not isinstance(b, TgoError)}

    def adopt_later(self, bodies: Mapping[Path, Callable[[], Body]]) -> None:
        """Files parsed elsewhere (their parses are counted where they happened), each tree made by its
        callable on first use (decoding what a forked child sent): adopting many costs nothing until
        they are needed one by one."""
        with self._lock:
            for path, make in bodies.items():
                if path not in self._bodies:
                    self._pending.setdefault(path, make)

    def _path_lock(self, path: Path) -> threading.Lock:
        with self._lock:
            return self._path_locks.setdefault(path, threading.Lock())

    def body(self, path: Path) -> Body:
        """The tree of ``path`` (absolute). Raises HclSyntaxError, or ConfigError when unreadable."""
        found = self._bodies.get(path)
        if found is None:
            with self._path_lock(path):
                found = self._bodies.get(path)
                if found is None:
                    found = self._load(path)
                    self._bodies[path] = found
        if isinstance(found, TgoError):
            raise found
        return found

    def _load(self, path: Path) -> Body | TgoError:
        with self._lock:
            adopted = self._pending.pop(path, None)
        if adopted is not None:
            return adopted()
        name = self._display(path)
        try:
            content = path.read_bytes()
            text = content.decode("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            return ConfigError(f"cannot read {name}: {exc}", pos=Pos(name), hint="check the file exists and is UTF-8")
        if self._cache is not None:
            cached = self._cache.get(content, name)
            if cached is not None:
                return cached
        try:
            body = parse_source(text, name, is_json=path.suffix == ".json")
        except HclSyntaxError as err:
            return err
        finally:
            with self._lock:
                self.parse_counts[path] = self.parse_counts.get(path, 0) + 1
        if self._cache is not None:
            self._cache.put(content, body)
        return body

    def prefetch(self, paths: Iterable[Path], *, workers: int = 2) -> None:
        """Parse the files not yet known (nor in the disk cache) in ``workers`` processes."""
        todo = []
        for path in paths:
            if path in self._bodies:
                continue
            if self._cache is not None and self._from_cache(path):
                continue
            todo.append(path)
        if len(todo) < MIN_FILES_FOR_POOL or workers < 2:
            return  # parsed lazily in-process: a pool costs more than it saves here
        # Imported here: a warm run (everything in the cache) never starts a pool.
        from concurrent.futures import ProcessPoolExecutor
        from concurrent.futures.process import BrokenProcessPool

        chunk = max(1, len(todo) // (workers * 8))
        # The platform's default start method (fork on Linux): workers start in milliseconds and
        # only parse. forkserver/spawn would re-import the caller's __main__ (``python -m``).
        try:
            with ProcessPoolExecutor(workers) as pool:
                results = pool.map(_worker, [str(p) for p in todo], [self._display(p) for p in todo], chunksize=chunk)
                for path_str, content, tree in results:
                    if tree is not None and content is not None:
                        self._store_parsed(Path(path_str), content, tree)
        except (BrokenProcessPool, OSError) as exc:
            # Only an optimisation: whatever was not parsed here is parsed lazily in-process.
            log.debug("parallel parse unavailable (%s); parsing in-process", exc)

    def preload(self, paths: Iterable[Path], *, workers: int = 2) -> None:
        """Like :meth:`prefetch`, then parse in-process whatever is still unknown, so that forked
        processes inherit every one of ``paths`` (errors included) instead of parsing it again."""
        paths = list(paths)
        self.prefetch(paths, workers=workers)
        for path in paths:
            with contextlib.suppress(TgoError):  # memoized: raised again where the file is used
                self.body(path)

    def _from_cache(self, path: Path) -> bool:
        assert self._cache is not None
        try:
            content = path.read_bytes()
        except OSError:
            return False
        cached = self._cache.get(content, self._display(path))
        if cached is None:
            return False
        with self._lock:
            self._bodies.setdefault(path, cached)
        return True

    def _store_parsed(self, path: Path, content: bytes, tree: Any) -> None:
        body = body_from_json(tree, self._display(path))
        with self._lock:
            self.parse_counts[path] = self.parse_counts.get(path, 0) + 1
            self._bodies.setdefault(path, body)
        if self._cache is not None:
            self._cache.put_json(self._cache.key(content), tree)
