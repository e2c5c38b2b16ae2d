"""The worker side of ``--worker-git``: one checkout per commit under the worker's cache directory.

:func:`ensure_checkout` returns ``<cache>/<repo key>/<commit>``, a complete checkout of ``commit``,
making it when missing:

- one bare repository per URL (``repo.git``) holds the objects of every commit fetched, so a new
  commit fetches only what changed; the commit is fetched by its id, else with every branch and tag
  (servers that refuse a want by id); a commit in neither is a ToolError "not on <url>";
- the checkout is made in a temporary directory next to the final one and renamed into place, so a
  directory named by a commit is always complete (a crash leaves only a temporary directory, removed
  by the next attempt); an existing one is reused without any git command;
- a lock file per URL (``fcntl.flock``) serialises fetches and checkouts: several worker processes
  and threads, of one run or of several, may ask for the same commit at once and get the same
  directory, made once.

The cache directory is ``TGO_WORKER_CACHE`` in the worker's environment, else
``$XDG_CACHE_HOME/tgo/checkouts``, else ``~/.cache/tgo/checkouts``. Old commits are not removed.
Git runs only through :mod:`orchestrator.process`; the URL never carries a credential (the client
strips it) and messages redact any. Thread-safe and process-safe on one host.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import re
import shutil
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path

from orchestrator.errors import ToolError
from orchestrator.execution.git_source import git_lines, git_reason, redact_urls

CACHE_ENV = "TGO_WORKER_CACHE"
FETCH_TIMEOUT_S = 900.0
"""A fetch that takes longer (a hung connection) fails the worker's setup instead of the run hanging."""
_COMMIT = re.compile(r"^[0-9a-f]{40}([0-9a-f]{24})?$")


def cache_dir(environ: Mapping[str, str]) -> Path:
    """The worker's checkout cache (see the module doc)."""
    if environ.get(CACHE_ENV):
        return Path(environ[CACHE_ENV])
    if environ.get("XDG_CACHE_HOME"):
        return Path(environ["XDG_CACHE_HOME"]) / "tgo" / "checkouts"
    home = environ.get("HOME") or str(Path.home())
    return Path(home) / ".cache" / "tgo" / "checkouts"


def repo_key(url: str) -> str:
    """A directory name for ``url``: its last path part (readable) and a hash (unique)."""
    tail = re.sub(r"[^A-Za-z0-9._-]+", "-", url.rstrip("/").rsplit("/", 1)[-1].rsplit(":", 1)[-1])
    tail = tail.removesuffix(".git").strip(".-")[:40] or "repo"
    return f"{tail}-{hashlib.sha256(url.encode()).hexdigest()[:16]}"


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """An exclusive lock on ``path`` (created), between processes and between threads (each call
    opens its own file description, and flock locks belong to the description)."""
    with open(path, "a+b") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def ensure_checkout(url: str, commit: str, cache: Path, environ: Mapping[str, str]) -> Path:
    """The checkout of ``commit`` of ``url`` under ``cache`` (see the module doc). Raises ToolError
    (one line, URL redacted) when git cannot fetch ``url`` or the commit is not there."""
    if not _COMMIT.match(commit):
        raise ToolError(f"{commit!r} is not a commit id")
    if url.startswith("-"):  # git would read it as an option
        raise ToolError(redact_urls(f"{url!r} is not a URL"))
    base = cache / repo_key(url)
    final = base / commit
    if final.is_dir():
        return final
    base.mkdir(parents=True, exist_ok=True)
    with _locked(base / ".lock"):
        if final.is_dir():  # another process or thread made it while this one waited
            return final
        bare = base / "repo.git"
        _fetch(bare, url, commit, environ)
        temp = base / f".tmp-{commit}-{os.getpid()}-{threading.get_ident()}"
        shutil.rmtree(temp, ignore_errors=True)
        for stale in base.glob(f".tmp-{commit}-*"):  # a crashed attempt's leftovers (the lock is ours)
            shutil.rmtree(stale, ignore_errors=True)
        _git(["git", "clone", "--quiet", "--shared", "--no-checkout", str(bare), str(temp)], base, environ)
        _git(["git", "-c", "advice.detachedHead=false", "checkout", "--quiet", "--detach", commit], temp, environ)
        os.rename(temp, final)  # atomic: a directory named by the commit is always complete
    return final


def _fetch(bare: Path, url: str, commit: str, environ: Mapping[str, str]) -> None:
    """``commit`` into the bare repository (made when missing), kept by a ref so gc never drops it."""
    if not (bare / "HEAD").exists():
        shutil.rmtree(bare, ignore_errors=True)
        _git(["git", "init", "--quiet", "--bare", str(bare)], bare.parent, environ)
    if not _has(bare, commit, environ):
        by_id = git_lines(["git", "fetch", "--quiet", "--no-tags", url, commit], bare, environ, FETCH_TIMEOUT_S)
        if by_id.returncode != 0 or not _has(bare, commit, environ):
            refs = ["+refs/heads/*:refs/tgo-heads/*", "+refs/tags/*:refs/tgo-tags/*"]
            every = git_lines(["git", "fetch", "--quiet", "--no-tags", url, *refs], bare, environ, FETCH_TIMEOUT_S)
            if every.returncode != 0:
                raise ToolError(
                    redact_urls(f"cannot fetch {url}: {git_reason(every.stderr)}"),
                    hint="check the URL and the worker's git credentials (SSH key or credential helper)",
                )
        if not _has(bare, commit, environ):
            raise ToolError(
                redact_urls(f"commit {commit[:12]} is not on {url}"),
                hint="push it, or pass --worker-git a remote that has it",
            )
    _git(["git", "update-ref", f"refs/tgo/{commit}", commit], bare, environ)


def _has(bare: Path, commit: str, environ: Mapping[str, str]) -> bool:
    return git_lines(["git", "cat-file", "-e", f"{commit}^{{commit}}"], bare, environ).returncode == 0


def _git(argv: list[str], cwd: Path, environ: Mapping[str, str]) -> None:
    done = git_lines(argv, cwd, environ, FETCH_TIMEOUT_S)
    if done.returncode != 0:
        raise ToolError(redact_urls(f"`{' '.join(argv[:3])} ...` failed in {cwd}: {git_reason(done.stderr)}"))
