"""``--executor``, ``--worker-root`` and ``--worker-git`` for run-all, run and drift: which executor
runs the modules, and where its workers find the repository.

``local`` (the default; also ``TGO_EXECUTOR``) keeps today's thread pool (None here: the run engine
builds it). ``dask://HOST:PORT`` / ``dask-local[:N]`` build the Dask executor
(:func:`orchestrator.execution.dask_executor.make_dask_executor`), which the caller closes.
Raises UsageError for a bad value, a missing Dask install, ``--worker-root`` / ``--worker-git``
without Dask, both at once, or a tree ``--worker-git`` cannot ship (not in git, uncommitted changes:
:func:`orchestrator.execution.git_source.client_source`); ToolError (exit 3) when the scheduler
cannot be reached, a worker cannot check out the commit, or a worker's terraform differs.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from orchestrator.app.auth import AwsAuth
from orchestrator.errors import UsageError
from orchestrator.execution.base import Executor
from orchestrator.execution.dask_spec import is_dask
from orchestrator.execution.git_source import WORKER_GIT_ENV, GitSource, client_source
from orchestrator.runtime import Runtime
from orchestrator.terraform.binary import resolve_terraform

if TYPE_CHECKING:  # process_flags imports this module's help texts
    from orchestrator.cli.process_flags import ProcessFlags

EXECUTOR_ENV = "TGO_EXECUTOR"
EXECUTOR_HELP = (
    "local (default; also TGO_EXECUTOR), dask://HOST:PORT (a Dask scheduler's workers) or dask-local[:N] "
    "(N local Dask worker processes); Dask needs pip install 'tgo[dask]'"
)
WORKER_ROOT_HELP = "with a Dask executor: the repository's path on the workers, when not the client's"
WORKER_GIT_HELP = (
    "with a Dask executor: the workers check out this repository's HEAD commit from REMOTE (a remote name "
    "such as origin, or a URL; also TGO_WORKER_GIT); refused with uncommitted changes"
)


def finish_executor(runtime: Runtime, executor: Executor | None) -> None:
    """Close a Dask executor and say where the run ran and its STS calls per worker (one line)."""
    if executor is None:
        return
    summary = getattr(executor, "summary", None)
    try:
        if summary is not None:
            runtime.console.error(f"[tgo] {summary()}")
    finally:
        executor.close()


def build_executor(
    runtime: Runtime,
    flag: str | None,
    *,
    worker_root: str | None,
    working_dir: Path,
    tf_path: str | None,
    mode: str,
    worker_git: str | None = None,
    max_per_account: int | None,
    cancel: threading.Event,
    auth_provider: bool = False,
) -> Executor | None:
    """The Dask executor the flags ask for, or None for the local one. See the module doc.
    ``auth_provider``: ``--auth-provider-cmd`` is set, which a Dask executor refuses (UsageError):
    its workers assume roles with their own base identity, where the command never runs."""
    value = flag or runtime.environ.get(EXECUTOR_ENV) or "local"
    source = "--executor" if flag else EXECUTOR_ENV
    git_value = worker_git or runtime.environ.get(WORKER_GIT_ENV) or None
    if value == "local":
        for name, given in (("--worker-root", worker_root), ("--worker-git", worker_git)):
            if given:
                raise UsageError(f"{name} needs a Dask executor", attr=name, hint="add --executor dask://HOST:PORT")
        return None
    if worker_root and git_value:
        raise UsageError(
            "--worker-root and --worker-git both say where the workers find the repository",
            attr="--worker-git" if worker_git else WORKER_GIT_ENV,
            hint="give one of them",
        )
    if not is_dask(value):
        raise UsageError(
            f"{value!r} is not an executor", attr=source, hint="use local, dask://HOST:PORT or dask-local[:N]"
        )
    from orchestrator.execution.dask_executor import make_dask_executor
    from orchestrator.execution.dask_spec import parse_dask_spec, require_dask

    parse_dask_spec(value, flag=source)
    if auth_provider:
        raise UsageError(
            "--auth-provider-cmd cannot be used with a Dask executor: its workers assume each role with "
            "their own base identity, and the command runs only here",
            attr=source,
            hint="run the command on each worker before it starts (its credentials become the worker's base "
            "identity), or use --executor local",
        )
    require_dask(source)
    git = _git_source(runtime, git_value, working_dir)
    return make_dask_executor(
        value,
        run_id=uuid.uuid4().hex[:12],
        environ=runtime.environ,
        root=working_dir,
        terraform=resolve_terraform(tf_path, None, runtime.environ, runtime.cwd) if tf_path else None,
        mode="env" if mode == "env" else "broker",
        worker_root=worker_root,
        git=git,
        max_per_account=max_per_account,
        cancel=cancel,
    )


def _git_source(runtime: Runtime, value: str | None, working_dir: Path) -> GitSource | None:
    """The commit the workers check out (None without ``--worker-git``), said in one line."""
    if value is None:
        return None
    git = client_source(value, working_dir, runtime.environ, runtime.cwd)
    runtime.console.error(f"[tgo] the Dask workers check out {git.describe()}")
    return git


@contextmanager
def run_executor(
    runtime: Runtime,
    aws: AwsAuth,
    flags: ProcessFlags,
    *,
    working_dir: Path,
    tf_path: str | None,
    max_per_account: int | None,
    cancel: threading.Event,
) -> Iterator[Executor | None]:
    """:func:`build_executor` for one command's run, from its ``--executor``, ``--worker-root`` and
    ``--worker-git`` (``flags``, whichever parser read them); on the way out, also on an error, Ctrl-C or a
    signal turned into an exception, :func:`finish_executor` and then ``aws.close()`` (the broker's
    directory goes whatever happened)."""
    executor = None
    try:
        executor = build_executor(
            runtime,
            flags.get("executor"),
            worker_root=flags.get("worker_root"),
            worker_git=flags.get("worker_git"),
            working_dir=working_dir,
            tf_path=tf_path,
            mode=aws.supply.mode,
            max_per_account=max_per_account,
            cancel=cancel,
            auth_provider=aws.provider is not None,
        )
        yield executor
    finally:
        try:
            finish_executor(runtime, executor)
        finally:
            aws.close()
