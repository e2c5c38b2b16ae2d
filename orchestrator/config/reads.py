"""Files a module's config reads, and ``mark_as_read`` / ``mark_glob_as_read``.

Terragrunt records every file a unit's config reads (``read_terragrunt_config``,
``read_tfvars_file``, ``sops_decrypt_file``, ``mark_as_read``, ``mark_glob_as_read``) so that
``--queue-include-units-reading FILE`` can select the units that read FILE. :class:`ReadLog` is
that record for one run: absolute paths per module directory, in the order first read. Thread-safe.

:func:`expand_glob` is Terragrunt's ``glob.Expand`` with files only: ``/``-separated patterns, ``*``
and ``?`` within one path part, ``**`` across parts (``a/**/b`` also matches ``a/b`` when both
neighbours are literal parts), ``[...]`` classes (``[!...]`` negated), ``{a,b}`` alternatives and
``\\`` escapes; matches are absolute, in the order a lexical directory walk finds them.
"""

from __future__ import annotations

import os
import re
import threading
from pathlib import Path

_META = "*?[{\\"


class ReadLog:
    """Files read per module for one run. Thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._files: dict[Path, dict[Path, None]] = {}

    def note(self, module: Path, path: Path) -> None:
        with self._lock:
            self._files.setdefault(module, {})[path] = None

    def files(self, module: Path) -> tuple[Path, ...]:
        with self._lock:
            return tuple(self._files.get(module, ()))

    def modules_reading(self, path: Path) -> set[Path]:
        """Every module whose config read ``path``."""
        with self._lock:
            return {module for module, files in self._files.items() if path in files}


def _segment_is_literal(text: str) -> bool:
    return not any(c in text for c in _META)


def glob_regex(pattern: str) -> re.Pattern[str]:
    """The regex of a gobwas-style glob with ``/`` as separator (see the module doc)."""
    return re.compile(_translate(pattern) + r"\Z", re.DOTALL)


def _translate(pattern: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\" and i + 1 < len(pattern):
            out.append(re.escape(pattern[i + 1]))
            i += 2
        elif pattern.startswith("/**/", i) and _collapses(pattern, i):
            out.append("(?:/|/.*/)")
            i += 4
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif c == "*":
            out.append("[^/]*")
            i += 1
        elif c == "?":
            out.append("[^/]")
            i += 1
        elif c == "[" and "]" in pattern[i + 1 :]:
            end = pattern.index("]", i + 1)
            body = pattern[i + 1 : end]
            negate = body.startswith("!")
            out.append("[" + ("^" if negate else "") + re.sub(r"([\\\]\[^])", r"\\\1", body[negate:]) + "]")
            i = end + 1
        elif c == "{":
            end, parts = _alternatives(pattern, i)
            out.append("(?:" + "|".join(_translate(p) for p in parts) + ")")
            i = end + 1
        else:
            out.append(re.escape(c))
            i += 1
    return "".join(out)


def _collapses(pattern: str, i: int) -> bool:
    before = pattern[:i].rsplit("/", 1)[-1]
    after = pattern[i + 4 :].split("/", 1)[0]
    return _segment_is_literal(before) and _segment_is_literal(after)


def _alternatives(pattern: str, start: int) -> tuple[int, list[str]]:
    depth, parts, current = 0, [], []
    i = start + 1
    while i < len(pattern):
        c = pattern[i]
        if c == "\\" and i + 1 < len(pattern):
            current.append(pattern[i : i + 2])
            i += 2
            continue
        if c == "{":
            depth += 1
        elif c == "}":
            if depth == 0:
                parts.append("".join(current))
                return i, parts
            depth -= 1
        elif c == "," and depth == 0:
            parts.append("".join(current))
            current = []
            i += 1
            continue
        current.append(c)
        i += 1
    raise ValueError(f"unclosed {{ in glob {pattern!r}")


def _walk(root: Path, out: list[Path], match: re.Pattern[str]) -> None:
    try:
        entries = sorted(os.scandir(root), key=lambda e: e.name)
    except OSError:
        return
    for entry in entries:
        if entry.is_dir(follow_symlinks=False):
            _walk(Path(entry.path), out, match)
        elif match.match(Path(entry.path).as_posix()):
            out.append(Path(entry.path))


def expand_glob(pattern: str) -> list[Path]:
    """Files matching the absolute ``pattern`` (see the module doc). Raises ValueError for a bad pattern."""
    clean = os.path.normpath(pattern).replace(os.sep, "/")
    meta = next((i for i, c in enumerate(clean) if c in _META), -1)
    if meta < 0:
        path = Path(clean)
        return [path] if path.is_file() else []
    root = clean[:meta].rsplit("/", 1)[0] or "/"
    out: list[Path] = []
    _walk(Path(root), out, glob_regex(clean))
    return out
