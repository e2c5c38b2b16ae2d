"""The compiled credential helper: built once per user from ``credential_helper.c``, reused by
every later run.

An interpreter needs ~20 ms to start; terraform runs the helper once per credential read (twice
per module for a plan), which made broker mode a fifth slower than env mode on small modules. The C
helper speaks the same protocol with the same messages and exit codes in about a millisecond.

Where it lives: ``<state dir>/bin/credential-helper-<digest>`` (the state dir is tgo's per-user
``$XDG_STATE_HOME/tgo``), the digest covering the source and the compiler, so an upgraded tgo
builds a new one. It is built into a temporary name and renamed, so concurrent runs never see half
a file.

It is used only when the file and its directory are owned by this user and writable by no one
else; otherwise (no C compiler, no state dir, a failed build, ``TGO_CREDENTIAL_HELPER=python``)
:func:`native_helper` returns None and the broker runs the Python helper: same guarantees, slower.

Contract: never raises; logs why it fell back (debug level). Thread-safe enough for its one
caller (the broker's start): concurrent builds race only to an atomic rename.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import stat
import tempfile
from collections.abc import Mapping
from pathlib import Path

from orchestrator.errors import ToolError
from orchestrator.process import run_capture

SOURCE = Path(__file__).resolve().with_name("credential_helper.c")
log = logging.getLogger(__name__)
CHOICE_ENV = "TGO_CREDENTIAL_HELPER"
BUILD_TIMEOUT_S = 60.0


def _private(path: Path, *, directory: bool) -> bool:
    """Owned by this user, of the expected kind (no symlink), writable by no one else."""
    try:
        st = os.lstat(path)
    except OSError:
        return False
    kind = stat.S_ISDIR(st.st_mode) if directory else stat.S_ISREG(st.st_mode)
    return kind and st.st_uid == os.getuid() and st.st_mode & 0o022 == 0


def _compiler(environ: Mapping[str, str]) -> str | None:
    found = shutil.which(environ.get("CC") or "cc", path=environ.get("PATH"))
    return os.path.realpath(found) if found else None


def native_helper(state: Path | None, environ: Mapping[str, str]) -> Path | None:
    """The compiled helper's path (built now if missing), or None to use the Python helper."""
    if environ.get(CHOICE_ENV, "auto") == "python":
        return None
    if state is None:
        log.debug("credential helper: no per-user state directory; using the Python helper")
        return None
    compiler = _compiler(environ)
    try:
        source = SOURCE.read_bytes()
    except OSError:
        source = b""
    if compiler is None or not source:
        log.debug("credential helper: no C compiler (cc) found; using the Python helper (~20 ms per credential read)")
        return None
    digest = hashlib.sha256(source + b"\0" + compiler.encode()).hexdigest()[:16]
    directory = state / "bin"
    target = directory / f"credential-helper-{digest}"
    try:
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as exc:
        log.debug(f"credential helper: cannot create {directory} ({exc.strerror}); using the Python helper")
        return None
    if not _private(directory, directory=True):
        log.debug(f"credential helper: {directory} is not private to this user; using the Python helper")
        return None
    if _private(target, directory=False):
        return target
    return _build(compiler, directory, target, environ.get("PATH") or os.defpath)


def _build(compiler: str, directory: Path, target: Path, path: str) -> Path | None:
    fd, tmp = tempfile.mkstemp(prefix=".build-", dir=directory)
    os.close(fd)
    try:
        done = run_capture(
            [compiler, "-O2", "-o", tmp, str(SOURCE)],
            cwd=directory,
            env={"PATH": path, "LC_ALL": "C"},
            timeout=BUILD_TIMEOUT_S,
        )
        if done.returncode != 0:
            last = (done.stderr.strip().splitlines() or ["no message"])[-1]
            log.debug(f"credential helper: building it failed ({last}); using the Python helper")
            return None
        os.chmod(tmp, 0o700)
        os.replace(tmp, target)
        return target
    except (ToolError, OSError) as exc:
        log.debug(f"credential helper: building it failed ({exc}); using the Python helper")
        return None
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
