"""A generic DAG executor: run a function over the nodes of a graph, each node as soon as all of its
dependencies succeeded, at most ``parallelism`` at once. It knows nothing of terraform.

Contract:
- :func:`run_dag` returns one :class:`Outcome` per node, never raises for a failing node: a node
  fails when ``fn`` raises or when ``is_failure(result)`` is true. An exception from ``fn`` is a
  failed outcome with ``bug=True`` (it is never lost in a worker thread).
- A failed node skips exactly its transitive dependents (``skipped_because`` names the failed node,
  the root cause); nothing else is affected unless ``fail_fast`` is set, in which case nothing new
  starts after the first failure and every node not started is skipped because of that failure.
- Setting ``cancel`` (a :class:`threading.Event`) stops new starts; nodes not started become
  ``INTERRUPTED``; running nodes finish (the caller interrupts them) and, if they fail after the
  cancel, are ``INTERRUPTED`` too, keeping their value.
- Early release: ``fn`` may call ``releaser.release(node)`` (from any thread) once the node's
  dependents may start although ``fn`` still runs (a plan was made; only reading it is left). The
  node keeps its slot until ``fn`` returns; if it then fails, its dependents were already started
  and are not skipped (fail-fast still stops new starts).
- Caps: with ``group_of`` and ``group_cap``, at most ``group_cap`` nodes of one group (e.g. one AWS
  account) run at once; a ready node over its group's cap waits while others start.
- ``ValueError`` for a dependency that is not a node, or a cycle (callers check cycles first).
- Thread-safety: ``fn`` runs on worker threads; ``on_event`` and ``on_ready`` are called from the
  coordinating (calling) thread only, so they need not be thread-safe with respect to themselves.
"""

from __future__ import annotations

import enum
import queue
import threading
from collections.abc import Callable, Hashable, Iterable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

N = TypeVar("N", bound=Hashable)
R = TypeVar("R")

_POLL_S = 0.05  # how often the coordinator looks at the cancel event while nodes run


class Status(enum.Enum):
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    SKIPPED = "skipped"
    INTERRUPTED = "interrupted"


@dataclass(frozen=True)
class Outcome(Generic[N, R]):
    """What happened to one node. ``value`` is ``fn``'s result when it returned one."""

    status: Status
    value: R | None = None
    error: BaseException | None = None
    skipped_because: N | None = None
    bug: bool = False


def _check(dag: Mapping[N, Iterable[N]]) -> dict[N, frozenset[N]]:
    deps = {node: frozenset(ds) for node, ds in dag.items()}
    for node, ds in deps.items():
        missing = [d for d in ds if d not in deps]
        if missing:
            raise ValueError(f"{node!r} depends on {missing!r}, which are not nodes of the graph")
    return deps


def _levels(deps: Mapping[N, frozenset[N]], weight: Callable[[N], float]) -> dict[N, float]:
    """For each node, the heaviest path from it to a sink (itself included): the critical-path
    priority. Raises ValueError on a cycle."""
    dependents: dict[N, list[N]] = {n: [] for n in deps}
    for node, ds in deps.items():
        for d in ds:
            dependents[d].append(node)
    pending = {n: len(dependents[n]) for n in deps}
    order = [n for n, c in pending.items() if c == 0]
    level: dict[N, float] = {}
    while order:
        node = order.pop()
        level[node] = weight(node) + max((level[d] for d in dependents[node]), default=0.0)
        for d in deps[node]:
            pending[d] -= 1
            if pending[d] == 0:
                order.append(d)
    if len(level) != len(deps):
        raise ValueError(f"the graph has a cycle among {sorted(map(repr, set(deps) - set(level)))}")
    return level


class Releaser(Generic[N]):
    """Lets ``fn`` release its node's dependents before it returns (see the module doc). Thread-safe;
    releasing a node twice, or a node not running, does nothing."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: dict[N, Future[None]] = {}

    def _watch(self, node: N) -> Future[None]:
        fut: Future[None] = Future()
        with self._lock:
            self._pending[node] = fut
        return fut

    def _forget(self, node: N) -> None:
        with self._lock:
            self._pending.pop(node, None)

    def release(self, node: N) -> None:
        with self._lock:
            fut = self._pending.pop(node, None)
        if fut is not None:
            fut.set_result(None)


class _Caps(Generic[N]):
    """Running nodes per group, against the cap (coordinating thread only)."""

    def __init__(self, group_of: Callable[[N], Hashable | None] | None, cap: int | None) -> None:
        self._group = group_of or (lambda _node: None)
        self._cap = cap
        self._running: dict[Hashable, int] = {}

    def allowed(self, node: N) -> bool:
        key = self._group(node)
        return self._cap is None or key is None or self._running.get(key, 0) < self._cap

    def take(self, node: N) -> None:
        key = self._group(node)
        if key is not None:
            self._running[key] = self._running.get(key, 0) + 1

    def give(self, node: N) -> None:
        key = self._group(node)
        if key is not None:
            self._running[key] -= 1


class _Run(Generic[N, R]):
    """State of one run_dag call; touched only by the coordinating thread."""

    def __init__(self, deps: dict[N, frozenset[N]], priority: Mapping[N, float]) -> None:
        self.deps = deps
        self.priority = priority
        self.dependents: dict[N, list[N]] = {n: [] for n in deps}
        for node, ds in deps.items():
            for d in ds:
                self.dependents[d].append(node)
        self.waiting = {n: len(ds) for n, ds in deps.items()}
        self.ready: list[N] = [n for n, c in self.waiting.items() if c == 0]
        self._unsorted = True  # nodes joined ``ready`` since it was last sorted
        self.outcomes: dict[N, Outcome[N, R]] = {}
        self.released: set[N] = set()

    def pop_ready(self, allowed: Callable[[N], bool]) -> N | None:
        """The ready node with the heaviest remaining path that ``allowed`` lets start, if any."""
        if self._unsorted:  # popping keeps it sorted: sort again only after nodes joined it
            self.ready.sort(key=self.priority.__getitem__)
            self._unsorted = False
        for i in range(len(self.ready) - 1, -1, -1):
            if allowed(self.ready[i]):
                return self.ready.pop(i)
        return None

    def release(self, node: N) -> list[N]:
        """Free the dependents of a node still running; returns those it made ready."""
        if node in self.released or node in self.outcomes:
            return []
        self.released.add(node)
        freed: list[N] = []
        for d in self.dependents[node]:
            self.waiting[d] -= 1
            if self.waiting[d] == 0:
                freed.append(d)
        self.ready.extend(freed)
        self._unsorted = self._unsorted or bool(freed)
        return freed

    def succeed(self, node: N, outcome: Outcome[N, R]) -> list[N]:
        """Record a success; returns the dependents it made ready (none when released before)."""
        freed = self.release(node)
        self.outcomes[node] = outcome
        return freed

    def fail(self, node: N, outcome: Outcome[N, R]) -> list[N]:
        """Record a failure; skip (or, after a cancel, interrupt) its transitive dependents not decided
        yet. Returns them."""
        self.outcomes[node] = outcome
        skipped: list[N] = []
        stack = [] if node in self.released else list(self.dependents[node])
        while stack:
            dep = stack.pop()
            if dep in self.outcomes:
                continue
            if outcome.status is Status.INTERRUPTED:
                self.outcomes[dep] = Outcome(Status.INTERRUPTED)
            else:
                self.outcomes[dep] = Outcome(Status.SKIPPED, skipped_because=node)
            skipped.append(dep)
            stack.extend(self.dependents[dep])
        self.ready = [n for n in self.ready if n not in self.outcomes]
        return skipped


def run_dag(
    dag: Mapping[N, Iterable[N]],
    fn: Callable[[N], R],
    *,
    parallelism: int,
    fail_fast: bool = False,
    cancel: threading.Event | None = None,
    is_failure: Callable[[R], bool] = lambda _result: False,
    weight: Callable[[N], float] = lambda _node: 1.0,
    on_event: Callable[[str, N, Outcome[N, R] | None], None] | None = None,
    on_ready: Callable[[N], None] | None = None,
    releaser: Releaser[N] | None = None,
    group_of: Callable[[N], Hashable | None] | None = None,
    group_cap: int | None = None,
) -> dict[N, Outcome[N, R]]:
    """Run ``fn(node)`` for every node of ``dag`` (node -> its dependencies); see the module doc.

    Among ready nodes, the one with the heaviest remaining path (by ``weight``) starts first, which
    keeps the makespan near the critical path. ``on_event(kind, node, outcome)`` reports
    ``"start"``, ``"finish"`` and ``"skip"``. ``on_ready(node)`` reports a node whose dependencies all
    succeeded (at once for nodes without any), before its ``"start"``: until it starts it is held only
    by ``parallelism`` and caps (or fail-fast / cancel); until then it was waiting on its dependencies.
    ``releaser``, ``group_of`` and ``group_cap``: early release and per-group caps (module doc).
    """
    if parallelism < 1:
        raise ValueError("parallelism must be at least 1")
    if group_cap is not None and group_cap < 1:
        raise ValueError("a group cap must be at least 1")
    deps = _check(dag)
    state: _Run[N, R] = _Run(deps, _levels(deps, weight))
    cancel = cancel or threading.Event()
    notify = on_event or (lambda _kind, _node, _outcome: None)
    freed = on_ready or (lambda _node: None)
    for node in list(state.ready):
        freed(node)
    running: dict[Future[R], N] = {}
    releases: dict[Future[None], N] = {}
    release_of: dict[N, Future[None]] = {}
    ended: queue.SimpleQueue[Future[Any]] = queue.SimpleQueue()  # futures of ``running`` and ``releases``
    failed_first: N | None = None
    caps: _Caps[N] = _Caps(group_of, group_cap)

    with ThreadPoolExecutor(max_workers=parallelism, thread_name_prefix="tgo-node") as pool:
        while True:
            while state.ready and len(running) < parallelism and not cancel.is_set() and failed_first is None:
                started = state.pop_ready(caps.allowed)
                if started is None:
                    break
                caps.take(started)
                notify("start", started, None)
                if releaser is not None:
                    rel = release_of[started] = releaser._watch(started)
                    releases[rel] = started
                    rel.add_done_callback(ended.put)
                fut = pool.submit(fn, started)
                running[fut] = started
                fut.add_done_callback(ended.put)
            if not running:
                break
            done = _ended_within(ended, _POLL_S)  # each end once, not a wait over every running future
            for rel in [f for f in done if f in releases]:
                for ready in state.release(releases.pop(rel)):
                    freed(ready)
            for fut in [f for f in done if f in running]:
                node = running.pop(fut)
                caps.give(node)
                if releaser is not None:
                    releaser._forget(node)
                    releases.pop(release_of.pop(node), None)
                outcome: Outcome[N, R] = _outcome_of(fut, is_failure, cancel)
                if outcome.status is Status.SUCCEEDED:
                    for ready in state.succeed(node, outcome):
                        freed(ready)
                else:
                    for skipped in state.fail(node, outcome):
                        notify("skip", skipped, state.outcomes[skipped])
                    if fail_fast and outcome.status is Status.FAILED and failed_first is None:
                        failed_first = node
                notify("finish", node, outcome)
    _settle_rest(state, failed_first if not cancel.is_set() else None, notify)
    return state.outcomes


def _ended_within(ended: queue.SimpleQueue[Future[Any]], timeout: float) -> list[Future[Any]]:
    """The futures that ended so far, waiting up to ``timeout`` for the first one (none: [])."""
    try:
        done = [ended.get(timeout=timeout)]
    except queue.Empty:
        return []
    while True:
        try:
            done.append(ended.get_nowait())
        except queue.Empty:
            return done


def _settle_rest(
    state: _Run[N, R], failed_first: N | None, notify: Callable[[str, N, Outcome[N, R] | None], None]
) -> None:
    """Nodes never started: skipped because of ``failed_first`` (fail-fast) or interrupted."""
    for node in state.deps:
        if node not in state.outcomes:
            if failed_first is not None:
                state.outcomes[node] = Outcome(Status.SKIPPED, skipped_because=failed_first)
            else:
                state.outcomes[node] = Outcome(Status.INTERRUPTED)
            notify("skip", node, state.outcomes[node])


def _outcome_of(fut: Future[R], is_failure: Callable[[R], bool], cancel: threading.Event) -> Outcome[N, R]:
    try:
        value = fut.result()
    except Exception as exc:  # a bug in fn: becomes a value, never a dead thread
        status = Status.INTERRUPTED if cancel.is_set() else Status.FAILED
        return Outcome(status, error=exc, bug=True)
    try:
        failed = is_failure(value)
    except Exception as exc:
        return Outcome(Status.FAILED, value=value, error=exc, bug=True)
    if not failed:
        return Outcome(Status.SUCCEEDED, value=value)
    return Outcome(Status.INTERRUPTED if cancel.is_set() else Status.FAILED, value=value)
