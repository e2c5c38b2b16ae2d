"""The on-disk parse cache: syntax trees as JSON, keyed by file content.

Key: sha256 over the file's bytes, tgo's version and python-hcl2's version, so an upgrade or an
edit simply misses. Entries are JSON files ``<dir>/<key[:2]>/<key>.json`` holding the key, both
versions and ``hcl.ast.body_to_json`` of the tree. Loading only decodes JSON and builds dataclasses
(no pickle, nothing executable). A corrupt or stale entry (unreadable, wrong key, other versions,
malformed tree) is ignored and rewritten, never trusted.

Thread- and process-safe: writes go to a temporary file renamed into place, so readers see either
nothing or a whole entry. Errors writing the cache never fail a run (the cache is an optimisation).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from importlib import metadata
from pathlib import Path
from typing import Any

from orchestrator import __version__
from orchestrator.hcl.ast import Body, body_from_json, body_to_json

FORMAT = 1


def hcl2_version() -> str:
    try:
        return metadata.version("python-hcl2")
    except metadata.PackageNotFoundError:  # pragma: no cover - always installed with tgo
        return "unknown"


def content_key(content: bytes, *, tgo_version: str, parser_version: str) -> str:
    digest = hashlib.sha256()
    digest.update(f"tgo-parse-cache/{FORMAT}/{tgo_version}/{parser_version}\0".encode())
    digest.update(content)
    return digest.hexdigest()


class ParseCache:
    """A directory of parsed trees. ``get`` returns None for anything it cannot fully trust."""

    def __init__(self, directory: Path, *, tgo_version: str = __version__, parser_version: str | None = None) -> None:
        self.directory = directory
        self.tgo_version = tgo_version
        self.parser_version = parser_version or hcl2_version()

    def key(self, content: bytes) -> str:
        return content_key(content, tgo_version=self.tgo_version, parser_version=self.parser_version)

    def entry_path(self, key: str) -> Path:
        return self.directory / key[:2] / f"{key}.json"

    def get(self, content: bytes, filename: str) -> Body | None:
        """The cached tree for ``content`` (positions named ``filename``), or None on a miss."""
        key = self.key(content)
        try:
            data = json.loads(self.entry_path(key).read_text(encoding="utf-8"))
            if not self._valid(data, key):
                return None
            return body_from_json(data["body"], filename)
        except Exception:  # a corrupt entry of any shape is a miss, then rewritten by put()
            return None

    def _valid(self, data: Any, key: str) -> bool:
        return (
            isinstance(data, dict)
            and data.get("key") == key
            and data.get("format") == FORMAT
            and data.get("tgo") == self.tgo_version
            and data.get("parser") == self.parser_version
            and isinstance(data.get("body"), list)
        )

    def put(self, content: bytes, body: Body) -> None:
        self.put_json(self.key(content), body_to_json(body))

    def put_json(self, key: str, body_json: Any) -> None:
        """Store an already serialised tree (as returned by parse workers)."""
        data = {"key": key, "format": FORMAT, "tgo": self.tgo_version, "parser": self.parser_version, "body": body_json}
        target = self.entry_path(key)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix=".json")
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(data, fh, separators=(",", ":"))
            os.replace(tmp, target)
        except OSError:
            # A read-only or full disk only costs speed next time.
            with contextlib.suppress(OSError, UnboundLocalError):
                os.unlink(tmp)
