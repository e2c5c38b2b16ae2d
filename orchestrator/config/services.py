"""File access and the caches of one run, shared by every module a loader loads.

:class:`LoaderServices` holds what does not depend on which module is being loaded: the parsed
files (:class:`~orchestrator.config.files.FileStore`, backed by the optional on-disk parse
cache), the file-system memo (:class:`~orchestrator.config.fscache.FsCache`), how files are named
in messages, the evaluated-include and ``read_terragrunt_config`` memos, the functions each file
calls, ``run_cmd`` (:class:`~orchestrator.config.runcmd.CommandRunner`), the repository roots and
the AWS identity callback, and what Terragrunt's newer functions need (:class:`~.fnservices.FunctionServices`).

Thread-safe: every memo is guarded by the one lock (or its own, for the file store and the
command runner), so worker threads of the run engine may share one instance. Evaluations
themselves run outside the lock; two threads asking for the same new entry at once may both
compute it (the result is the same).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from orchestrator.config.blocks import IGNORED_BLOCKS, log_ignored_blocks
from orchestrator.config.files import FileStore
from orchestrator.config.fnservices import AwsCalls, FunctionServices, LazyAws
from orchestrator.config.fscache import FsCache
from orchestrator.config.parallel import ParentOnly
from orchestrator.config.parsecache import ParseCache
from orchestrator.config.runcmd import CommandRunner, RoleEnv
from orchestrator.errors import EvalError
from orchestrator.hcl.ast import Body, Var
from orchestrator.hcl.values import Value
from orchestrator.runtime import Runtime

AwsIdentity = Callable[[str | None], Mapping[str, str]]


def _parent_only() -> AwsCalls:
    raise ParentOnly("AWS calls (account alias, KMS)")


@dataclass(frozen=True)
class LoadOptions:
    """What the command line changes about loading: ``features`` overrides ``feature`` defaults
    (``--feature`` / ``TG_FEATURE``); ``run_cmd=False`` makes every ``run_cmd`` a config error
    (``--no-run-cmd`` / ``TGO_NO_RUN_CMD``)."""

    features: Mapping[str, str] = field(default_factory=dict)
    run_cmd: bool = True


ReadKey = tuple[Path, Path | None, str | None]


def _names(node: object, calls: set[str], variables: set[str]) -> None:
    """Names of every function called and every variable read anywhere below ``node`` (a syntax tree)."""
    name = getattr(node, "name", None)
    if isinstance(name, str):
        if hasattr(node, "expand_last"):
            calls.add(name)
        elif type(node) is Var:
            variables.add(name)
    slots = getattr(type(node), "__slots__", ())
    for slot in slots:
        _walk_value(getattr(node, slot, None), calls, variables)


def _walk_value(value: object, calls: set[str], variables: set[str]) -> None:
    if isinstance(value, tuple | list):
        for item in value:
            _walk_value(item, calls, variables)
    elif isinstance(value, dict):
        for item in value.values():
            _walk_value(item, calls, variables)
    elif hasattr(type(value), "__slots__") and hasattr(value, "pos"):
        _names(value, calls, variables)


class LoaderServices:
    """File access and caches of one run (see module doc)."""

    def __init__(
        self,
        runtime: Runtime,
        *,
        cache: ParseCache | None,
        aws_identity: AwsIdentity | None,
        role_env: RoleEnv | None,
        options: LoadOptions | None = None,
        extras: FunctionServices | None = None,
    ) -> None:
        self.runtime = runtime
        self.options = options or LoadOptions()
        self.extras = extras or FunctionServices(runtime.environ)
        self.cwd = runtime.cwd.resolve()
        self.files = FileStore(cache, display=self.display)
        self.fs = FsCache()
        self.commands = CommandRunner(runtime, role_env, allowed=self.options.run_cmd)
        self.aws_identity_fn = aws_identity
        self._lock = threading.Lock()
        self._includes: dict[object, object] = {}
        self._reads: dict[ReadKey, Value] = {}
        self._repo_roots: dict[Path, Path] = {}
        self._names: dict[Path, tuple[frozenset[str], frozenset[str]]] = {}
        self._displays: dict[Path, str] = {}  # one item set at a time: atomic, needs no lock
        self._identities: dict[str | None, Mapping[str, str]] = {}  # get_aws_* answers per role
        self._child = False
        self._logged_blocks: set[str] = set()

    @property
    def calls_aws(self) -> bool:
        """Whether evaluations may call back into AWS (in a forked child they are left to the parent)."""
        return self.aws_identity_fn is not None or self.commands.role_env is not None

    def enter_child(self) -> None:
        """In a forked child of a parallel tree load: AWS calls and ``run_cmd`` runs not already
        answered in the parent raise ParentOnly (the parent evaluates such a module itself)."""
        self._child = True
        self.commands.parent_only = True
        if self.extras.aws is not None:
            self.extras.aws = LazyAws(_parent_only)

    def display(self, path: Path) -> str:
        """How messages name an (absolute, resolved) file: relative to the working dir when below it."""
        # Memoized, and what errors.relpath() does (resolve, then relative to the resolved cwd, else
        # as given) with the memoized resolve: this is asked for every file and module.
        found = self._displays.get(path)
        if found is None:
            try:
                found = path.relative_to(self.cwd).as_posix()
            except ValueError:
                try:
                    found = str(self.fs.resolve(path).relative_to(self.cwd))
                except ValueError:
                    found = str(path)
            self._displays[path] = found
        return found

    def body(self, path: Path) -> Body:
        return self.files.body(path)

    def note_ignored(self, body: Body, file: str) -> None:
        """Log (once per block type and file) the blocks tgo reads but does not act on."""
        if not any(b.type in IGNORED_BLOCKS for b in body.blocks):
            return
        with self._lock:
            log_ignored_blocks(body, self._logged_blocks, file)

    # memos ---------------------------------------------------------------------------------------
    def include_memo(self, key: object) -> object | None:
        """An evaluated include stored under ``key`` (a (path, context) pair), or None."""
        with self._lock:
            return self._includes.get(key)

    def remember_include(self, key: object, value: object) -> None:
        with self._lock:
            self._includes[key] = value

    def read_memo(self, key: ReadKey) -> tuple[bool, Value]:
        """(found, value) of a ``read_terragrunt_config`` result under ``key``."""
        with self._lock:
            if key in self._reads:
                return True, self._reads[key]
        return False, None

    def remember_read(self, key: ReadKey, value: Value) -> None:
        with self._lock:
            self._reads[key] = value

    def _names_in(self, path: Path) -> tuple[frozenset[str], frozenset[str]]:
        with self._lock:
            found = self._names.get(path)
        if found is None:
            calls: set[str] = set()
            variables: set[str] = set()
            _names(self.files.body(path), calls, variables)
            found = (frozenset(calls), frozenset(variables))
            with self._lock:
                self._names[path] = found
        return found

    def calls_in(self, path: Path) -> frozenset[str]:
        """Every function name called in the file at ``path``."""
        return self._names_in(path)[0]

    def variables_in(self, path: Path) -> frozenset[str]:
        """Every variable (root name: ``local``, ``dependency``...) read in the file at ``path``."""
        return self._names_in(path)[1]

    # outside world -------------------------------------------------------------------------------
    def aws_identity(self, role: str | None) -> Mapping[str, str]:
        """``get_aws_*`` answers for ``role``. Raises EvalError when this run has no AWS access."""
        if self.aws_identity_fn is None:
            raise EvalError(
                "AWS identity functions are not available here", hint="run through a tgo command that has AWS access"
            )
        if self._child:  # answers the parent had before the fork, else the parent evaluates the module
            with self._lock:
                known = self._identities.get(role)
            if known is None:
                raise ParentOnly(f"AWS identity of {role or 'the base credentials'}")
            return known
        found = self.aws_identity_fn(role)
        with self._lock:
            self._identities[role] = found
        return found

    def repo_root(self, start: Path) -> Path:
        """The nearest directory at or above ``start`` holding ``.git``. Raises EvalError if none."""
        with self._lock:
            if start in self._repo_roots:
                return self._repo_roots[start]
        current = start
        while not (current / ".git").exists():
            if current.parent == current:
                raise EvalError(f"{start} is not inside a git repository", hint="run tgo inside a git checkout")
            current = current.parent
        with self._lock:
            self._repo_roots[start] = current
        return current


__all__ = ["AwsIdentity", "LoadOptions", "LoaderServices", "RoleEnv"]
