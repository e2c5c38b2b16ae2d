"""The dependency outputs of one run: each dependency read once, from its S3 state when it can be,
else with ``terraform output -json``; which path each took, for the run report.

Contract of :class:`DependencyOutputs`:
- :meth:`~DependencyOutputs.get` returns a dependency's outputs (None: terraform could not read them;
  the loader then uses mocks where allowed, as it always did). Each dependency is read at most once
  per run, even when many threads ask at once (single-flight per dependency).
- :meth:`~DependencyOutputs.get_many` reads several dependencies in parallel (a module's dependencies).
- :meth:`~DependencyOutputs.prefetch` starts reading, in the background, the state of every dependency
  a command needs when no module of the run changes state (plan): only the S3 path runs early; a
  dependency that needs terraform is read when a dependent asks, after the dependency's own run, so
  terraform never works in a module's directory twice at once.
- A state the dependency's role may not read raises :class:`DependencyOutputsError` (a TgoError naming
  the dependency and the role) from ``get``: the dependent fails, it never falls back to mocks.
- :meth:`~DependencyOutputs.sources` says, per dependency read, ``state`` or ``terraform`` and why
  terraform was needed. Thread-safe throughout; :meth:`~DependencyOutputs.close` waits for the
  background reads (each bounded by the S3 client's timeouts) and drops those not started.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol

from orchestrator.config.models import ModuleConfig
from orchestrator.errors import TgoError
from orchestrator.outputs.s3_fetch import StateAccessDenied
from orchestrator.outputs.state_reader import Unreadable

Mode = Literal["state", "terraform"]
MODES: tuple[Mode, ...] = ("state", "terraform")
ENV_VAR = "TGO_DEPENDENCY_OUTPUTS"
Outputs = dict[str, Any] | None


class StateSource(Protocol):
    def read(self, cfg: ModuleConfig) -> dict[str, Any]: ...


class DependencyOutputsError(TgoError):
    """A dependency's state exists but its role may not read it."""


@dataclass(frozen=True)
class OutputsSource:
    """How one dependency's outputs were read: ``via`` state or terraform; ``reason``: why not state."""

    via: Mode
    reason: str | None = None


@dataclass
class _Slot:
    lock: threading.Lock = field(default_factory=threading.Lock)
    done: bool = False
    value: Outputs = None
    error: TgoError | None = None
    state_tried: bool = False
    fallback: str | None = None


def parse_mode(flag: str | None, environ: Mapping[str, str]) -> Mode:
    """``--dependency-outputs``, else ``TGO_DEPENDENCY_OUTPUTS``, else ``state``. Raises UsageError."""
    from orchestrator.errors import UsageError

    value = (flag or environ.get(ENV_VAR) or "state").strip().lower()
    for mode in MODES:
        if value == mode:
            return mode
    raise UsageError(
        f"--dependency-outputs must be state or terraform, not {value!r}",
        attr="--dependency-outputs",
    )


class DependencyOutputs:
    """See the module doc. ``configs``: the run's loaded configs by module path; ``terraform``: the
    ``terraform output -json`` reader; ``state``: the S3 reader (None: terraform only)."""

    def __init__(
        self,
        configs: Mapping[Path, ModuleConfig],
        terraform: Callable[[ModuleConfig], Outputs],
        state: StateSource | None = None,
        *,
        display: Callable[[Path], str] = str,
        workers: int = 4,
    ) -> None:
        self._configs = configs
        self._terraform = terraform
        self._state = state
        self._display = display
        self._lock = threading.Lock()  # guards _slots
        self._slots: dict[Path, _Slot] = {}
        self._pool = ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="tgo-outputs")

    def _slot(self, path: Path) -> _Slot:
        with self._lock:
            return self._slots.setdefault(path, _Slot())

    def get(self, path: Path) -> Outputs:
        """``path``'s outputs; raises DependencyOutputsError (and AuthError for a role it cannot assume)."""
        slot = self._slot(path)
        with slot.lock:
            if not slot.done:
                self._try_state(path, slot)
            if not slot.done:
                slot.value, slot.done = self._terraform(self._configs[path]), True
            if slot.error is not None:
                raise slot.error
            return slot.value

    def get_many(self, paths: Iterable[Path]) -> dict[Path, Outputs]:
        """Each of ``paths``' outputs, read in parallel; raises the first error in ``paths``' order."""
        wanted = list(dict.fromkeys(paths))
        if len(wanted) <= 1:
            return {p: self.get(p) for p in wanted}
        futures = {p: self._pool.submit(self.get, p) for p in wanted[1:]}
        first = self._guarded(wanted[0])  # this thread reads one itself: no waiting on a busy pool for all
        results: dict[Path, Outputs] = {}
        errors: list[BaseException] = []
        for path in wanted:
            try:
                results[path] = first() if path == wanted[0] else futures[path].result()
            except BaseException as exc:  # collected so every future is awaited before raising
                errors.append(exc)
        if errors:
            raise errors[0]
        return results

    def _guarded(self, path: Path) -> Callable[[], Outputs]:
        try:
            value = self.get(path)
        except BaseException as exc:
            caught = exc

            def fail() -> Outputs:
                raise caught

            return fail
        return lambda: value

    def prefetch(self, paths: Iterable[Path]) -> list[Future[None]]:
        """Start reading the S3 state of ``paths`` in the background (see the module doc)."""
        if self._state is None:
            return []
        return [self._pool.submit(self._prefetch_one, p) for p in dict.fromkeys(paths)]

    def _prefetch_one(self, path: Path) -> None:
        slot = self._slot(path)
        with slot.lock:
            if not slot.done:
                self._try_state(path, slot)

    def _try_state(self, path: Path, slot: _Slot) -> None:
        """With ``slot.lock`` held: the state path once; marks ``slot`` done unless terraform must read."""
        if self._state is None or slot.state_tried:
            return
        slot.state_tried = True
        cfg = self._configs[path]
        try:
            slot.value, slot.done = self._state.read(cfg), True
        except Unreadable as why:
            slot.fallback = why.reason
        except StateAccessDenied as denied:
            who = f"role {denied.role}" if denied.role else "the base credentials"
            slot.error = DependencyOutputsError(
                f"cannot read the outputs of dependency {self._display(path)}: {denied.code} on "
                f"{denied.location.url} under {who}",
                hint="allow s3:GetObject on the state object for that role, or pass --dependency-outputs terraform",
            )
            slot.done = True
        except TgoError as err:  # the role cannot be assumed, a token file cannot be read
            slot.error, slot.done = err, True

    def sources(self) -> dict[Path, OutputsSource]:
        """Per dependency read so far: which path gave its outputs (errors are not listed)."""
        with self._lock:
            slots = dict(self._slots)
        found: dict[Path, OutputsSource] = {}
        for path, slot in slots.items():
            with slot.lock:
                if not slot.done or slot.error is not None:
                    continue
                if slot.state_tried and slot.fallback is None:
                    found[path] = OutputsSource("state")
                else:
                    why = slot.fallback if self._state is not None else "--dependency-outputs terraform"
                    found[path] = OutputsSource("terraform", why)
        return found

    def close(self) -> None:
        """Drop background reads not started; wait for the running ones (bounded by S3 timeouts)."""
        self._pool.shutdown(wait=True, cancel_futures=True)
