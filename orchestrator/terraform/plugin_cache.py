"""A provider plugin cache shared by every module's ``terraform init``, with concurrent writers kept apart.

Terraform's plugin cache (``TF_PLUGIN_CACHE_DIR``) saves a download and an unpack per provider per
module, but it is not safe for concurrent writers: two inits installing the same provider into it at
once can leave a half-written plugin. tgo therefore

- shares one cache between the modules of a run: the user's ``TF_PLUGIN_CACHE_DIR`` when set, else
  ``$TGO_PLUGIN_CACHE_DIR``, else ``<XDG cache home>/tgo/plugin-cache`` (``TGO_PLUGIN_CACHE=0`` turns
  tgo's default off; a user's own ``TF_PLUGIN_CACHE_DIR`` is always honoured);
- runs each init holding an exclusive lock per provider it may install (``flock`` on a file in
  ``<cache>/.tgo-locks/``, taken in sorted order so two inits never wait on each other in a cycle):
  inits of different providers run at the same time, inits of the same provider one after the other,
  across threads and across tgo processes.

Which providers an init may install is read from the working directory's ``.terraform.lock.hcl`` and
its ``*.tf`` / ``*.tf.json`` files (``required_providers`` sources, else the provider a resource or data
type names, as terraform infers it). Providers only a child module asks for are not seen, so a module
with ``module`` blocks also takes the lock of every provider (``*``): an init whose providers are not
all known is never concurrent with another. A module naming no provider and calling no module
installs nothing and takes no lock.

Pure apart from reading those files and the lock files' I/O. Thread-safe.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
from collections.abc import Iterator, Mapping
from pathlib import Path

ENV = "TF_PLUGIN_CACHE_DIR"
_LOCK_PROVIDER = re.compile(r'^provider\s+"([^"]+)"', re.MULTILINE)
_SOURCE = re.compile(r'\bsource\s*[=:]\s*"([^"]+)"')
_REQUIRED = re.compile(r"required_providers")
_TYPED = re.compile(r'^\s*(?:resource|data)\s+"([a-zA-Z0-9]+)_', re.MULTILINE)
_MODULE = re.compile(r'^\s*module\s+"|"module"\s*:', re.MULTILINE)
_ANY = "*"
DEFAULT_NAMESPACE = "hashicorp"
REGISTRY = "registry.terraform.io"


def cache_env(environ: Mapping[str, str]) -> dict[str, str]:
    """The variables that give terraform the shared cache (nothing when the user's own setting or
    ``TGO_PLUGIN_CACHE=0`` says so); creates the directory. Raises nothing: no cache on OSError."""
    if environ.get(ENV):
        return {}
    if environ.get("TGO_PLUGIN_CACHE", "").strip().lower() in {"0", "false", "no", "off"}:
        return {}
    base = environ.get("TGO_PLUGIN_CACHE_DIR") or str(
        Path(environ.get("XDG_CACHE_HOME") or Path(environ.get("HOME") or "/tmp") / ".cache") / "tgo" / "plugin-cache"
    )
    try:
        Path(base).mkdir(parents=True, exist_ok=True)
    except OSError:
        return {}
    return {ENV: base}


def _address(source: str) -> str:
    parts = source.strip().lower().split("/")
    if len(parts) == 1:
        return f"{REGISTRY}/{DEFAULT_NAMESPACE}/{parts[0]}"
    if len(parts) == 2:
        return f"{REGISTRY}/{parts[0]}/{parts[1]}"
    return "/".join(parts)


def providers_of(workdir: Path) -> set[str]:
    """The providers an init in ``workdir`` may install (see the module doc); ``"*"`` among them when
    child modules may ask for more."""
    found: set[str] = set()
    lock = workdir / ".terraform.lock.hcl"
    with contextlib.suppress(OSError):
        found.update(_address(m) for m in _LOCK_PROVIDER.findall(lock.read_text(errors="replace")))
    for path in sorted([*workdir.glob("*.tf"), *workdir.glob("*.tf.json")]):
        try:
            text = path.read_text(errors="replace")
        except OSError:
            continue
        if _REQUIRED.search(text):
            found.update(_address(s) for s in _SOURCE.findall(text) if "/" in s and "::" not in s and "//" not in s)
        found.update(_address(t) for t in _TYPED.findall(text) if t != "terraform")
        if _MODULE.search(text):
            found.add(_ANY)
    return found


def _lock_name(provider: str) -> str:
    return re.sub(r"[^a-zA-Z0-9._-]", "_", provider) + ".lock"


@contextlib.contextmanager
def init_lock(env: Mapping[str, str], workdir: Path) -> Iterator[None]:
    """Hold the locks of the providers an init in ``workdir`` may write into the shared cache named by
    ``env`` (nothing to hold without a cache). The locks are released when the block ends, whatever
    happens; a lock file that cannot be opened is skipped (the init runs unserialised rather than not
    at all)."""
    cache = env.get(ENV)
    if not cache:
        yield
        return
    providers = providers_of(workdir)
    if not providers:  # installs nothing
        yield
        return
    locks = Path(cache) / ".tgo-locks"
    with contextlib.ExitStack() as stack:
        with contextlib.suppress(OSError):
            locks.mkdir(parents=True, exist_ok=True)
        # "*" first (shared by inits that know their providers, exclusive for one that does not),
        # then each provider in sorted order: every init takes its locks in one global order.
        stack.enter_context(_flock(locks / _lock_name(_ANY), shared=_ANY not in providers))
        for name in sorted(providers - {_ANY}):
            stack.enter_context(_flock(locks / _lock_name(name), shared=False))
        yield


@contextlib.contextmanager
def _flock(path: Path, *, shared: bool) -> Iterator[None]:
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError:
        yield
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_SH if shared else fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock
