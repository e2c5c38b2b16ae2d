"""``--worker-git``: which commit of which repository the Dask workers check out (the client side).

:func:`client_source` turns the flag's value (a remote name of the client's repository, such as
``origin``, or a URL / path the workers can fetch from) into a :class:`GitSource`: the URL without
credentials, the client's ``HEAD`` commit, and the client's repository root as the run's paths
spell it (the root the workers replace with their checkout). It refuses, with a UsageError
(exit 64, one line), a working directory that is not in a git repository, a repository without a
commit, an unknown remote, and uncommitted changes under the run's root: the workers would run the
commit, not what is on the client's disk.

Credentials never leave the client: a URL's user and password are dropped for http(s) (a token is
often the user name) and the password for other schemes; the workers fetch with their own git
credentials (SSH key, credential helper). :func:`redact_urls` hides any that appear in a message.

Git runs only through :mod:`orchestrator.process`. The helpers here are pure except
:func:`client_source` and :func:`git_lines`. Thread-safe (no state).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit, urlunsplit

from orchestrator.errors import UsageError
from orchestrator.process import Captured, run_capture

WORKER_GIT_ENV = "TGO_WORKER_GIT"
FLAG = "--worker-git"
WORK_DIRS = (".tgo", ".terraform", ".terragrunt-cache")
"""Directories tgo and terraform write into a tree while running: not changes to the tree."""
GIT_TIMEOUT_S = 60.0
_SECRET_USER_SCHEMES = frozenset({"http", "https", "ftp", "ftps"})
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_SCP_LIKE = re.compile(r"^[^/:]+:")  # user@host:path (not a Windows drive: tgo runs on POSIX)


@dataclass(frozen=True)
class GitSource:
    """What a worker checks out: ``url`` (no credential in it), ``commit`` (40 hex digits), and
    ``client_root``, the client's repository root in the lexical form of the run's paths: the
    workers map it to their checkout."""

    url: str
    commit: str
    client_root: str

    def describe(self) -> str:
        return f"commit {self.commit[:12]} of {redact_urls(self.url)}"


def strip_credentials(url: str) -> str:
    """``url`` without what could be a secret: all of the user info for http(s) and ftp(s), the
    password for other schemes. Paths and scp-like ``user@host:path`` come back unchanged."""
    if not _SCHEME.match(url):
        return url
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    userinfo, _, host = parts.netloc.rpartition("@")
    user = userinfo.partition(":")[0]
    keep = "" if parts.scheme.lower() in _SECRET_USER_SCHEMES else user
    netloc = f"{keep}@{host}" if keep else host
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def redact_urls(text: str) -> str:
    """``text`` with the user info of every http(s)/ftp(s) URL, and any URL's password, shown as ``***``."""
    text = re.sub(r"\b((?:https?|ftps?)://)[^/\s@]+@", r"\1***@", text, flags=re.IGNORECASE)
    return re.sub(r"\b([A-Za-z][A-Za-z0-9+.-]*://[^/\s:@]*):[^/\s@]+@", r"\1:***@", text)


def is_local_path(url: str) -> bool:
    """A plain path (not ``scheme://`` nor scp-like ``host:path``)."""
    return not _SCHEME.match(url) and not _SCP_LIKE.match(url)


def absolute_url(url: str, base: Path) -> str:
    """A relative local path made absolute against ``base``; anything else unchanged."""
    if is_local_path(url) and not os.path.isabs(url):
        return os.path.normpath(base / url)
    return url


def lexical_root(working_dir: Path, subdir: str) -> str:
    """The repository root spelt from ``working_dir`` (as the run's paths spell it): ``working_dir``
    minus the ``subdir`` (POSIX, relative to the repository root; ``.`` for the root itself)."""
    depth = len([p for p in PurePosixPath(subdir).parts if p != "."])
    return os.path.normpath(os.path.join(str(working_dir), *([".."] * depth)))


def changed_paths(porcelain_z: str) -> list[str]:
    """The paths of ``git status --porcelain=v1 -z`` output (a rename's new path only)."""
    out: list[str] = []
    fields = porcelain_z.split("\0")
    i = 0
    while i < len(fields):
        entry = fields[i]
        i += 1
        if len(entry) < 4:
            continue
        out.append(entry[3:])
        if entry[0] in "RC":  # a rename or copy: the next field is the old path
            i += 1
    return out


def status_argv(subdir_spec: str = ".") -> list[str]:
    """``git status`` for uncommitted changes under the current directory: tracked and untracked
    (not ignored) files, except tgo's and terraform's working directories (:data:`WORK_DIRS`)."""
    excludes = [f":(exclude,glob)**/{name}/**" for name in WORK_DIRS]
    return ["git", "status", "--porcelain=v1", "-z", "--untracked-files=all", "--", subdir_spec, *excludes]


def git_env(environ: Mapping[str, str]) -> dict[str, str]:
    """The environment git runs with: never a prompt for credentials (it would hang a run)."""
    return {**environ, "GIT_TERMINAL_PROMPT": "0"}


def git_lines(argv: Sequence[str], cwd: Path, environ: Mapping[str, str], timeout: float = GIT_TIMEOUT_S) -> Captured:
    """Run git (through :mod:`orchestrator.process`); ToolError when git cannot be started."""
    return run_capture(argv, cwd=cwd, env=git_env(environ), timeout=timeout)


def _refuse(message: str, hint: str) -> UsageError:
    return UsageError(redact_urls(message), attr=FLAG, hint=hint)


def client_source(value: str, working_dir: Path, environ: Mapping[str, str], cwd: Path) -> GitSource:
    """The :class:`GitSource` for ``--worker-git value`` over the run's ``working_dir``. ``value``: a
    remote of the client's repository (``origin``) or a URL or path (relative: to ``cwd``). Raises
    UsageError (see the module doc), ToolError when git is not installed."""
    if not working_dir.is_dir():
        raise _refuse(f"{working_dir} is not a directory", "check --working-dir")
    top = git_lines(["git", "rev-parse", "--show-toplevel"], working_dir, environ)
    if top.returncode != 0:
        raise _refuse(
            f"{working_dir} is not in a git repository, so the workers cannot check it out",
            "commit the tree to a repository the workers can fetch, or use --worker-root",
        )
    toplevel = Path(top.stdout.strip())
    head = git_lines(["git", "rev-parse", "--verify", "--quiet", "HEAD^{commit}"], working_dir, environ)
    if head.returncode != 0:
        raise _refuse(f"the repository at {toplevel} has no commit yet", "commit the tree and push it")
    dirty = git_lines(status_argv(), working_dir, environ)
    if dirty.returncode != 0:
        raise _refuse(f"git status failed in {working_dir}: {git_reason(dirty.stderr)}", "check the repository")
    changed = changed_paths(dirty.stdout)
    if changed:
        shown = ", ".join(changed[:3]) + (f" and {len(changed) - 3} more" if len(changed) > 3 else "")
        raise _refuse(
            f"uncommitted changes under {working_dir} ({shown}): the workers would run commit "
            f"{head.stdout.strip()[:12]}, not these files",
            "commit and push them (or stash them), or use --worker-root with a shared filesystem",
        )
    url = _remote_url(value, working_dir, toplevel, environ, cwd)
    subdir = working_dir.resolve().relative_to(toplevel.resolve()).as_posix()
    return GitSource(strip_credentials(url), head.stdout.strip(), lexical_root(working_dir, subdir))


def _remote_url(value: str, working_dir: Path, toplevel: Path, environ: Mapping[str, str], cwd: Path) -> str:
    remotes = git_lines(["git", "remote"], working_dir, environ).stdout.split()
    if value in remotes:
        got = git_lines(["git", "remote", "get-url", value], working_dir, environ)
        if got.returncode != 0 or not got.stdout.strip():
            raise _refuse(f"remote {value!r} has no URL", "git remote set-url, or pass the URL")
        return absolute_url(got.stdout.strip(), toplevel)
    if is_local_path(value) and not (cwd / value).exists() and "/" not in value:
        known = ", ".join(remotes) or "none"
        raise _refuse(f"{value!r} is neither a remote of {toplevel} (remotes: {known}) nor a URL", "pass a URL")
    return absolute_url(value, cwd)


def git_reason(stderr: str) -> str:
    """The line of git's stderr that says what went wrong (its first ``fatal:``/``error:`` line, else
    its last line), URLs redacted."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    for line in lines:
        for prefix in ("fatal:", "error:"):
            if line.startswith(prefix):
                return redact_urls(line.removeprefix(prefix).strip())
    return redact_urls(lines[-1]) if lines else "no message"
