"""The secret that authenticates parse-cache entries (threat model: docs/config.md, "The parse cache").

Anyone who can put a file in a cache directory (a pull request committing ``.tgo/cache``, a CI
cache restored from another job, another local user) could otherwise hand tgo a syntax tree of
their choosing, ``run_cmd`` included. The key therefore lives outside the cache and the repository:

- ``TGO_CACHE_KEY`` (at least 32 characters; CI jobs that share a restored cache set it from a
  secret), else
- ``$XDG_STATE_HOME/tgo/cache.key`` (default ``~/.local/state/tgo/cache.key``): 32 random bytes
  created on first use, mode 0600 in a 0700 directory. A key file that is a symlink, not owned by
  this user, or readable by group or others is not used.

No key (no HOME, an unwritable state directory, an unsafe key file) means no parse cache: the run
is correct, only slower. Nothing here is cached between calls (callers build one ParseCache per
command). Raises UsageError only for a ``TGO_CACHE_KEY`` too short to be a key.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import stat
from pathlib import Path

from orchestrator.errors import UsageError
from orchestrator.runtime import Runtime

log = logging.getLogger(__name__)

KEY_ENV = "TGO_CACHE_KEY"
KEY_FILE = "cache.key"
MIN_KEY_CHARS = 32


def state_dir(runtime: Runtime) -> Path | None:
    """tgo's per-user state directory: ``$XDG_STATE_HOME/tgo`` or ``~/.local/state/tgo``."""
    xdg = runtime.getenv("XDG_STATE_HOME")
    if xdg and Path(xdg).is_absolute():  # the XDG spec: relative values are invalid, ignore them
        return Path(xdg) / "tgo"
    home = runtime.getenv("HOME")
    return Path(home) / ".local" / "state" / "tgo" if home else None


def cache_key(runtime: Runtime) -> bytes | None:
    """The key for this user's parse cache, or None when none can be had safely (see module doc)."""
    supplied = runtime.getenv(KEY_ENV)
    if supplied is not None:
        if len(supplied) < MIN_KEY_CHARS:
            raise UsageError(
                f"{KEY_ENV} is {len(supplied)} characters; a cache key needs at least {MIN_KEY_CHARS}",
                attr=KEY_ENV,
                hint="e.g. `openssl rand -hex 32`, kept as a CI secret",
            )
        return supplied.encode()
    directory = state_dir(runtime)
    if directory is None:
        log.debug("no HOME nor XDG_STATE_HOME: parse cache off")
        return None
    try:
        return _read_key(directory / KEY_FILE) or _create_key(directory)
    except OSError as exc:
        log.debug("no parse-cache key (%s): parse cache off", exc)
        return None


def _read_key(path: Path) -> bytes | None:
    """The key in ``path``; None when it does not exist. Raises OSError when it is unsafe to use."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except FileNotFoundError:
        return None
    with os.fdopen(fd, "rb") as fh:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_uid != os.geteuid() or info.st_mode & 0o077:
            raise OSError(f"{path} must be a regular file of this user with mode 0600")
        key = fh.read(4096).strip()
    if len(key) < MIN_KEY_CHARS:
        raise OSError(f"{path} holds no usable key")
    return key


def _create_key(directory: Path) -> bytes:
    """A new key written to ``directory/cache.key`` atomically (hard link: the first writer wins
    when two processes race, and the loser reads the winner's key)."""
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = directory / KEY_FILE
    tmp = directory / f".{KEY_FILE}.{os.getpid()}.{secrets.token_hex(4)}"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(secrets.token_hex(32).encode() + b"\n")
        with contextlib.suppress(FileExistsError):
            os.link(tmp, path)
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
    key = _read_key(path)
    if key is None:  # pragma: no cover - deleted between link and read
        raise OSError(f"{path} vanished")
    return key
