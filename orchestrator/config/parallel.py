"""Evaluating many modules on several cores: forked children share the loader's memos as of the
fork (parsed files, evaluated includes) and send back validated configs and errors.

Only for the read-only commands (``validate``, ``render --all``): the caller must be
single-threaded, and the loader must not call back into AWS (children would not share its
credential cache). Anything going wrong with the children (cannot fork, a child dies) is reported as
None so the caller falls back to evaluating in-process; a config error is a result, not a failure.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import multiprocessing
from collections.abc import Callable, Iterator, Sequence
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from orchestrator import errors as errors_mod
from orchestrator.errors import ConfigErrors, Pos, TgoError

log = logging.getLogger(__name__)

# Evaluating a tree allocates millions of small objects and frees few of them; at the default
# threshold (700) the collector runs thousands of times for nothing (a quarter of a warm validate).
GC_THRESHOLD = 50_000

Result = tuple[Path, Any, Any, TgoError | None]  # (module, ModuleConfig | None, rendered | None, error)
Evaluate = Callable[[Path], tuple[Any, Any]]


@contextlib.contextmanager
def fewer_collections() -> Iterator[None]:
    """Run the garbage collector less often inside the block (process-wide: single-threaded
    callers only, as everything in this module)."""
    old = gc.get_threshold()
    gc.set_threshold(GC_THRESHOLD, *old[1:])
    try:
        yield
    finally:
        gc.set_threshold(*old)


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


def _child(
    evaluate: Evaluate, counts: Callable[[], dict[Path, int]], modules: Sequence[Path], conn: Connection
) -> None:
    before = dict(counts())
    out: list[tuple[Path, Any, Any, Any]] = []
    for module in modules:
        try:
            config, rendered = evaluate(module)
            out.append((module, config, rendered, None))
        except TgoError as err:
            out.append((module, None, None, error_to_wire(err)))
    parsed = {p: n - before.get(p, 0) for p, n in counts().items() if n != before.get(p, 0)}
    conn.send((out, parsed))
    conn.close()


def evaluate_in_children(
    evaluate: Evaluate,
    counts: Callable[[], dict[Path, int]],
    modules: Sequence[Path],
    workers: int,
    meanwhile: Callable[[], None] | None = None,
) -> tuple[list[Result], dict[Path, int]] | None:
    """``evaluate`` every module in ``workers`` forked children; None if that was not possible.

    ``meanwhile`` runs in this process once the children are started (the caller's own share of
    the work), unless starting them failed. Returns the results and how many times each file was
    parsed in the children (``counts`` reads the loader's parse counter), so parse accounting stays
    exact across processes.
    """
    try:
        context = multiprocessing.get_context("fork")
    except ValueError:  # pragma: no cover - platforms without fork
        return None
    size = -(-len(modules) // workers)
    chunks = [modules[i : i + size] for i in range(0, len(modules), size)]
    running = []
    # Objects alive now (imported modules, parsed shared files) are never garbage: the collector
    # need not scan them again in any process, and not touching them keeps forked pages shared.
    gc.freeze()
    try:
        for chunk in chunks:
            receive, send = context.Pipe(duplex=False)
            proc = context.Process(target=_child, args=(evaluate, counts, chunk, send), daemon=True)
            proc.start()
            send.close()
            running.append((proc, receive))
        if meanwhile is not None:
            meanwhile()
        results: list[Result] = []
        parsed: dict[Path, int] = {}
        for proc, receive in running:
            outcomes, child_parsed = receive.recv()
            for module, config, rendered, wire in outcomes:
                results.append((module, config, rendered, error_from_wire(wire) if wire else None))
            for path, n in child_parsed.items():
                parsed[path] = parsed.get(path, 0) + n
            proc.join()
        return results, parsed
    except (OSError, EOFError) as exc:
        log.debug("parallel evaluation unavailable (%s); evaluating in-process", exc)
        for proc, _ in running:
            proc.kill()
        return None
    finally:
        gc.unfreeze()
