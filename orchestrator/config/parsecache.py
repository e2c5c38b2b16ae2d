"""The on-disk parse cache: syntax trees as JSON, keyed by file content, authenticated by HMAC.

Key: sha256 over the file's bytes, tgo's version and python-hcl2's version, so an upgrade or an
edit simply misses. Entries are files ``<dir>/<key[:2]>/<key>.json``: a header line
``tgo-parse-cache/2 <hmac-sha256 hex>`` and then JSON holding the key, both versions and
``hcl.ast.body_to_json`` of the tree. Loading only decodes JSON and builds dataclasses (no pickle,
nothing executable), and only after the HMAC of the JSON under the user's secret key
(:mod:`orchestrator.config.cachekey`, never stored in the cache) checks out: the content key is
public, so without the tag anyone able to write into the cache could choose the tree tgo evaluates
(``run_cmd`` included). An entry that is not a regular file (a symlink, a FIFO), is larger than
:data:`MAX_ENTRY_BYTES` (discarded unread), has no valid tag, or is stale or malformed is ignored and
rewritten, never trusted. Symlinks inside the cache are not followed (the subdirectories and
entries are opened with ``O_NOFOLLOW``; a symlinked subdirectory is replaced on the next write).
Directories the cache creates are mode 0700.

Thread- and process-safe: writes go to a temporary file renamed into place, so readers see either
nothing or a whole entry. Errors writing the cache never fail a run (the cache is an optimisation).
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import stat
import tempfile
from importlib import metadata
from pathlib import Path
from typing import Any

from orchestrator import __version__
from orchestrator.hcl.ast import Body, body_from_json, body_to_json

FORMAT = 1  # of the content key (entry paths); the entry's own layout is HEADER's
HEADER = b"tgo-parse-cache/2 "
TAG_CHARS = 64  # hex sha256
MAX_ENTRY_BYTES = 32 * 1024 * 1024  # a tree this large is not worth caching; a larger file is hostile
_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW
_FILE_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK  # NONBLOCK: a FIFO must not hang the read


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
    """A directory of parsed trees. ``get`` returns None for anything it cannot fully trust.

    ``secret`` authenticates entries (:func:`orchestrator.config.cachekey.cache_key`); it must not
    be readable by whoever can write to ``directory``."""

    def __init__(
        self, directory: Path, *, secret: bytes, tgo_version: str = __version__, parser_version: str | None = None
    ) -> None:
        if not secret:
            raise ValueError("a parse cache needs a secret key")
        self.directory = directory
        self.tgo_version = tgo_version
        self.parser_version = parser_version or hcl2_version()
        self._secret = secret
        self._dir_ready = False

    def key(self, content: bytes) -> str:
        return content_key(content, tgo_version=self.tgo_version, parser_version=self.parser_version)

    def entry_path(self, key: str) -> Path:
        return self.directory / key[:2] / f"{key}.json"

    def tag(self, payload: bytes) -> bytes:
        return hmac.new(self._secret, payload, hashlib.sha256).hexdigest().encode()

    def get(self, content: bytes, filename: str) -> Body | None:
        """The cached tree for ``content`` (positions named ``filename``), or None on a miss."""
        key = self.key(content)
        raw = self._read(key)
        if raw is None:
            return None
        payload = self._authenticated(raw)
        if payload is None:
            return None
        try:
            data = json.loads(payload)
            if not self._valid(data, key):
                return None
            return body_from_json(data["body"], filename)
        except Exception:  # a malformed entry of any shape is a miss, then rewritten by put()
            return None

    def _read(self, key: str) -> bytes | None:
        """The entry's bytes, or None: missing, not a regular file, behind a symlink, or too large."""
        try:
            dir_fd = os.open(self.directory / key[:2], _DIR_FLAGS)
        except OSError:
            return None
        try:
            fd = os.open(f"{key}.json", _FILE_FLAGS, dir_fd=dir_fd)
        except OSError:
            return None
        finally:
            os.close(dir_fd)
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_ENTRY_BYTES:
                return None  # discarded unread
            # One read of the size fstat gave, plus a byte to notice growth: bounded even if the file
            # grows meanwhile (a changed entry is a miss). Not a buffered read of MAX_ENTRY_BYTES: that
            # allocates 32 MiB per entry, a twentieth of a millisecond each on a warm load.
            chunks: list[bytes] = []
            want = info.st_size + 1
            while want > 0:
                chunk = os.read(fd, want)
                if not chunk:
                    break
                chunks.append(chunk)
                want -= len(chunk)
            raw = b"".join(chunks)
            return raw if len(raw) <= info.st_size else None
        except OSError:
            return None
        finally:
            os.close(fd)

    def _authenticated(self, raw: bytes) -> bytes | None:
        """The JSON payload of ``raw`` if its tag is this key's HMAC of it, else None."""
        start = len(HEADER)
        end = start + TAG_CHARS
        if not raw.startswith(HEADER) or raw[end : end + 1] != b"\n":
            return None
        payload = raw[end + 1 :]
        return payload if hmac.compare_digest(raw[start:end], self.tag(payload)) else None

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
        payload = json.dumps(data, separators=(",", ":")).encode()
        blob = HEADER + self.tag(payload) + b"\n" + payload
        if len(blob) > MAX_ENTRY_BYTES:
            return  # would be discarded unread anyway
        target = self.entry_path(key)
        tmp: str | None = None
        try:
            self._subdir(target.parent)
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix=".json")
            with os.fdopen(fd, "wb") as fh:
                fh.write(blob)
            os.replace(tmp, target)  # replaces a symlink or stale entry itself, never its target
            tmp = None
        except OSError:
            pass  # a read-only or full disk only costs speed next time
        finally:
            if tmp is not None:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)

    def _subdir(self, sub: Path) -> None:
        """Make ``sub`` (and the cache directory) real 0700 directories; a symlink in their place
        is removed, not followed. Raises OSError when that is not possible (nothing is written)."""
        if not self._dir_ready:
            _real_dir(self.directory, top=True)
            self._dir_ready = True
        _real_dir(sub, top=False)


def _real_dir(path: Path, *, top: bool) -> None:
    """``top``: the cache directory itself, whose parents may be created; if it is a symlink (the
    user's own choice, or not), nothing is written through it."""
    try:
        info = path.lstat()
    except FileNotFoundError:
        path.mkdir(parents=top, exist_ok=True, mode=0o700)
        with contextlib.suppress(OSError):
            os.chmod(path, 0o700)  # mkdir's mode is masked by the umask
        return
    if stat.S_ISDIR(info.st_mode):
        return
    if top:
        raise OSError(f"{path} is not a directory")
    os.unlink(path)  # a symlink or a file where a directory belongs: never write through it
    path.mkdir(mode=0o700)
    os.chmod(path, 0o700)
