"""Evaluating many modules on several cores: this process and forked children share the loader's
memos as of the fork (parsed files, evaluated includes); the children send back what they evaluated
(validated configs, or what the caller asked for) and errors.

Work is shared out in small chunks taken from a counter in shared memory as each process gets to
them, so a process slowed down (by other load on the machine, or by copy-on-write after the fork)
simply does fewer modules. Results come back in the order of the modules whoever evaluated them.

For loads done before anything else runs (``validate``, ``render --all``, and the discovery load of
``run-all``, ``graph``, ``drift``, ``auth check``, ``find``): the caller must be single-threaded. A child
never calls AWS or runs a ``run_cmd`` itself (it would not share the parent's credential cache or
``run_cmd`` memo): the loader raises :class:`ParentOnly` there instead (``enter_child``), and the module is
left to the parent, which evaluates it in-process afterwards with everything it has. Anything going
wrong with the children (cannot fork, a child dies) is reported as None so the caller falls back to
evaluating in-process; a config error is a result, not a failure.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import logging
import multiprocessing
import pickle
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, Protocol

from orchestrator import errors as errors_mod
from orchestrator.errors import ConfigErrors, Pos, TgoError

log = logging.getLogger(__name__)

CHUNK = 8  # modules per take from the shared counter: small enough to balance, large enough to be cheap

Result = tuple[Path, Any, Any, TgoError | None]  # (module, ModuleConfig | None, rendered | None, error)
Evaluate = Callable[[Path], tuple[Any, Any]]
_PARENT = ("ParentOnly",)  # on the wire: this module is left to the parent


class ParentOnly(Exception):
    """Raised in a child by what only the parent may do (AWS calls, ``run_cmd``): the module is
    evaluated by the parent instead. Not a TgoError, so ``try()``/``can()`` never swallow it."""


@contextlib.contextmanager
def no_collections() -> Iterator[None]:
    """No automatic garbage collection inside the block; what is alive at its end is frozen
    (:func:`gc.freeze`: never scanned by later collections). Process-wide: single-threaded callers
    only, as everything in this module.

    Why: loading a tree allocates millions of small objects (syntax trees, values, configs) that
    live as long as the run, and makes no cyclic garbage (a collection after a 1,000-module load
    finds none). Every collection during the load only traverses them again, whatever the
    threshold (a collection per N allocations, each traversing N objects): 10-15 % of a warm
    ``validate``. Frozen afterwards, they are not traversed again by the collections of the rest
    of the run either, nor at exit. A cycle made during the load (an exception kept by its own
    traceback) is then never freed: bounded by the one load, and rare."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if was_enabled:
            gc.enable()


def error_to_wire(err: TgoError) -> tuple[Any, ...]:
    """A picklable form of ``err`` (exceptions with keyword-only fields do not pickle faithfully)."""
    if isinstance(err, ConfigErrors):
        return ("ConfigErrors", [error_to_wire(e) for e in err.errors])
    pos = (err.pos.file, err.pos.line, err.pos.col) if err.pos else None
    return (type(err).__name__, err.message, pos, err.attr, err.hint)


def error_from_wire(wire: tuple[Any, ...]) -> TgoError:
    if wire[0] == "ConfigErrors":
        return ConfigErrors([error_from_wire(w) for w in wire[1]])
    name, message, pos, attr, hint = wire
    cls = getattr(errors_mod, name, None)
    if not (isinstance(cls, type) and issubclass(cls, TgoError)):
        cls = TgoError
    return cls(message, pos=Pos(*pos) if pos else None, attr=attr, hint=hint)


class _Counter(Protocol):
    """``multiprocessing.Value("i")``: an int in shared memory with its lock."""

    value: int

    def get_lock(self) -> AbstractContextManager[Any]: ...


@dataclass(frozen=True)
class _Work:
    """The modules to evaluate and the shared counter of how far the processes got."""

    evaluate: Evaluate
    modules: Sequence[Path]
    counter: _Counter
    chunk: int

    def take(self) -> Iterator[tuple[int, Any, Any, TgoError | ParentOnly | None]]:
        """(index, config, rendered, error) of each module this process takes, chunk by chunk
        (error ParentOnly: left to the parent)."""
        modules = self.modules
        while True:
            with self.counter.get_lock():
                start = self.counter.value
                self.counter.value = start + self.chunk
            if start >= len(modules):
                return
            for i in range(start, min(start + self.chunk, len(modules))):
                try:
                    config, rendered = self.evaluate(modules[i])
                except (TgoError, ParentOnly) as err:
                    yield i, None, None, err
                    continue
                yield i, config, rendered, None


def pickled_each(items: Mapping[Path, Any]) -> dict[Path, bytes]:
    """Each value pickled on its own, for the parent to decode one when it needs it (:func:`unpickled_later`)."""
    return {path: pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL) for path, value in items.items()}


def unpickled_later(items: Mapping[Path, bytes]) -> dict[Path, Callable[[], Any]]:
    """What :func:`pickled_each` gave in a forked child of this process, each value decoded when called
    (sent by this process's own child over its pipe: as trusted as the results themselves)."""
    return {path: functools.partial(pickle.loads, data) for path, data in items.items()}


def _wire(err: TgoError | ParentOnly | None) -> tuple[Any, ...] | None:
    if err is None:
        return None
    return _PARENT if isinstance(err, ParentOnly) else error_to_wire(err)


@dataclass(frozen=True)
class ChildHooks:
    """What the caller does in each child: ``enter`` first; ``handover(modules left to the parent)``
    last, its (picklable) answer given to ``adopt`` in the parent (the files the child parsed for
    those modules, so that the parent does not parse them again). ``hand_all``: ``handover`` gets
    every module the child evaluated (the parent evaluates them all again later)."""

    enter: Callable[[], None] = lambda: None
    handover: Callable[[list[Path]], Any] = lambda _modules: None
    adopt: Callable[[Any], None] = lambda _data: None
    hand_all: bool = False


def _child(work: _Work, counts: Callable[[], dict[Path, int]], conn: Connection, hooks: ChildHooks) -> None:
    hooks.enter()
    before = dict(counts())
    out = [(i, config, rendered, _wire(err)) for i, config, rendered, err in work.take()]
    parsed = {p: n - before.get(p, 0) for p, n in counts().items() if n != before.get(p, 0)}
    left = [work.modules[i] for i, _, _, wire in out if wire == _PARENT or hooks.hand_all]
    conn.send((out, parsed, hooks.handover(left) if left else None))
    conn.close()


def evaluate_shared(
    evaluate: Evaluate,
    counts: Callable[[], dict[Path, int]],
    modules: Sequence[Path],
    workers: int,
    hooks: ChildHooks | None = None,
) -> tuple[list[Result], dict[Path, int]] | None:
    """``evaluate`` every module here and in ``workers - 1`` forked children; None if that was not
    possible (then nothing is returned of what was evaluated: the caller starts again in-process).

    Returns the results in ``modules`` order, without the modules a child left to the parent
    (:class:`ParentOnly`; the caller evaluates those), and how many times each file was parsed in
    the children (``counts`` reads the loader's parse counter), so parse accounting stays exact across
    processes (parses in this process are counted by the loader itself). ``hooks``: see
    :class:`ChildHooks` (the loader turns AWS calls and ``run_cmd`` into ParentOnly in the children).
    """
    try:
        context = multiprocessing.get_context("fork")
    except ValueError:  # pragma: no cover - platforms without fork
        return None
    hooks = hooks or ChildHooks()
    counter: _Counter = context.Value("i", 0)
    work = _Work(evaluate, modules, counter, max(1, min(CHUNK, len(modules) // (4 * workers))))
    running = []
    # Objects alive now (imported modules, parsed shared files) are never garbage: the collector
    # need not scan them again in any process, and not touching them keeps forked pages shared.
    gc.freeze()
    try:
        for _ in range(workers - 1):
            receive, send = context.Pipe(duplex=False)
            proc = context.Process(target=_child, args=(work, counts, send, hooks), daemon=True)
            proc.start()
            send.close()
            running.append((proc, receive))
        results: dict[int, Result] = {}
        for i, config, rendered, error in work.take():
            assert not isinstance(error, ParentOnly), "only children leave modules to the parent"
            results[i] = (modules[i], config, rendered, error)
        parsed: dict[Path, int] = {}
        for proc, receive in running:
            outcomes, child_parsed, handed = receive.recv()
            if handed is not None:
                hooks.adopt(handed)
            for i, config, rendered, wire in outcomes:
                if wire != _PARENT:
                    results[i] = (modules[i], config, rendered, error_from_wire(wire) if wire else None)
            for path, n in child_parsed.items():
                parsed[path] = parsed.get(path, 0) + n
            proc.join()
        return [results[i] for i in range(len(modules)) if i in results], parsed
    except (OSError, EOFError) as exc:
        log.debug("parallel evaluation unavailable (%s); evaluating in-process", exc)
        for proc, _ in running:
            proc.kill()
        return None
    finally:
        gc.unfreeze()
