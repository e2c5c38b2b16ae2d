"""``--executor`` values that name Dask, and the check that Dask is installed. Pure apart from
looking up whether the ``distributed`` package can be imported (it is not imported here).

- ``dask://HOST:PORT``: connect to a running Dask scheduler (``tcp://HOST:PORT``).
- ``dask-local`` / ``dask-local:N``: start a ``LocalCluster`` of N worker processes on 127.0.0.1
  (default :data:`DEFAULT_LOCAL_WORKERS`), owned by this tgo process.

Raises :class:`~orchestrator.errors.UsageError` (exit 64) for a malformed value and for a Dask value
when the optional extra is not installed.
"""

from __future__ import annotations

import importlib.util
import re
from dataclasses import dataclass

from orchestrator.errors import UsageError

DASK_PREFIXES = ("dask://", "dask-local")
DEFAULT_LOCAL_WORKERS = 2
DEFAULT_LOCAL_THREADS = 4
EXTRA_HINT = "install the optional extra: pip install 'tgo[dask]'"
_REMOTE = re.compile(r"^dask://(?P<host>\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+):(?P<port>\d{1,5})/?$")
_LOCAL = re.compile(r"^dask-local(?::(?P<n>\d+))?$")


@dataclass(frozen=True)
class DaskSpec:
    """Where the Dask scheduler is: ``address`` (``tcp://host:port``) or, with ``address`` None, a
    local cluster of ``workers`` processes with ``threads`` threads each."""

    address: str | None = None
    workers: int = DEFAULT_LOCAL_WORKERS
    threads: int = DEFAULT_LOCAL_THREADS

    def describe(self) -> str:
        if self.address is not None:
            return f"Dask scheduler {self.address}"
        return f"local Dask cluster ({self.workers} worker process(es) x {self.threads} thread(s))"


def is_dask(value: str) -> bool:
    """Whether an ``--executor`` value asks for Dask (well-formed or not)."""
    return value.startswith(DASK_PREFIXES)


def parse_dask_spec(value: str, *, flag: str = "--executor", threads: int = DEFAULT_LOCAL_THREADS) -> DaskSpec:
    """``value`` as a :class:`DaskSpec`. Raises UsageError naming ``flag`` when it is malformed."""
    remote = _REMOTE.match(value)
    if remote is not None:
        port = int(remote.group("port"))
        if not 0 < port < 65536:
            raise UsageError(f"{value!r}: port {port} is out of range", attr=flag)
        return DaskSpec(address=f"tcp://{remote.group('host')}:{port}", threads=threads)
    local = _LOCAL.match(value)
    if local is not None:
        workers = int(local.group("n")) if local.group("n") is not None else DEFAULT_LOCAL_WORKERS
        if workers < 1:
            raise UsageError(f"{value!r}: a local cluster needs at least one worker", attr=flag)
        return DaskSpec(workers=workers, threads=threads)
    raise UsageError(
        f"{value!r} is not an executor",
        attr=flag,
        hint="use local, dask://HOST:PORT (a running Dask scheduler) or dask-local[:N] (N local worker processes)",
    )


def require_dask(flag: str = "--executor") -> None:
    """Raises UsageError naming the optional extra when ``distributed`` cannot be imported."""
    if importlib.util.find_spec("distributed") is None:
        raise UsageError("the Dask executor needs Dask distributed, which is not installed", attr=flag, hint=EXTRA_HINT)
