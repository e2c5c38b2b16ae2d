"""One tgo process at a time per module: an advisory lock on ``<module>/.tgo/module.lock``.

Two tgo processes on one tree would otherwise run terraform in the same working directory at once
(one rewriting the working copy under the other, or failing on terraform's local-state lock). The
second one fails that module at once with ``in use by tgo pid N`` instead of waiting: a run in CI
should not hang behind a forgotten one, and the message names who holds it.

Contract: :func:`module_lock` is a context manager; it raises :class:`ModuleBusy` (a TgoError) when
another process holds the lock. The lock is ``flock`` on an open file, so the OS releases it when
the holder exits, however it dies: no stale lock. A directory where the lock file cannot be created
(read-only tree) runs unlocked: the lock protects, it never stops a run that could go on. Thread-safe
(each call opens its own file; within one process two holders of one module conflict too).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

from orchestrator.errors import TgoError

LOCK_NAME = "module.lock"


class ModuleBusy(TgoError):
    """Another tgo process is running this module."""

    exit_code = 1


def lock_path(module_dir: Path) -> Path:
    # .tgo: tgo's own hidden directory, never copied into a working copy nor discovered as a module.
    return module_dir / ".tgo" / LOCK_NAME


@contextlib.contextmanager
def module_lock(module_dir: Path) -> Iterator[None]:
    """Hold the module's lock while the block runs. Raises ModuleBusy naming the holder's pid."""
    path = lock_path(module_dir)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError:
        yield  # nowhere to put a lock: run unlocked
        return
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "?"
            raise ModuleBusy(
                f"module in use by tgo pid {holder} (lock {path}); nothing ran in it",
                hint="wait for that run to finish, then run this module again",
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield
    finally:
        os.close(fd)  # releases the flock
