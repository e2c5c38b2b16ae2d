"""The Runtime: every handle tgo has on the outside world, built once by the CLI and passed down.

Nothing in tgo reads ``os.environ``, the wall clock or the terminal directly except through a
Runtime, so tests build one with fakes (a fixed environment, a manual clock, a captured console).
There is no module-level mutable state anywhere in tgo: caches (parsed files, credentials,
dependency outputs) are objects owned by a Runtime or by one run.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol, TextIO

from orchestrator.redaction import Redactor


class Clock(Protocol):
    """Time as tgo sees it. Implementations must be thread-safe."""

    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        ...

    def monotonic(self) -> float: ...

    def sleep(self, seconds: float) -> None: ...


class SystemClock:
    """The real clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


class Console:
    """Thread-safe output: each call writes whole lines under one lock, so lines never interleave.
    Everything written through :meth:`print` and :meth:`error` is passed through ``redactor`` (the
    credentials tgo handed out); code writing to ``out`` directly must call :meth:`redact` itself."""

    def __init__(
        self,
        out: TextIO | None = None,
        err: TextIO | None = None,
        *,
        color: bool | None = None,
        redactor: Redactor | None = None,
    ):
        self.out = out or sys.stdout
        self.err = err or sys.stderr
        self._lock = threading.Lock()
        self.is_tty = bool(getattr(self.out, "isatty", lambda: False)())
        self.color = self.is_tty if color is None else color
        self.redactor = redactor or Redactor()
        self._overlay: Callable[[TextIO, str], None] | None = None

    def set_overlay(self, overlay: Callable[[TextIO, str], None] | None) -> None:
        """While a live board is drawn on the terminal, :meth:`print` and :meth:`error` hand their text
        to ``overlay(stream, text)``, which writes it above the board; None restores direct writes."""
        self._overlay = overlay

    def _write(self, stream: TextIO, text: str) -> None:
        overlay = self._overlay
        if overlay is not None:
            overlay(stream, text)
            return
        with self._lock:
            stream.write(text)
            stream.flush()

    def redact(self, text: str) -> str:
        return self.redactor.redact(text)

    def print(self, text: str = "") -> None:
        text = self.redactor.redact(text)
        self._write(self.out, text if text.endswith("\n") else text + "\n")

    def error(self, text: str) -> None:
        text = self.redactor.redact(text)
        self._write(self.err, text if text.endswith("\n") else text + "\n")


@dataclass
class Runtime:
    """Handles on the outside world. ``environ`` is a snapshot: tgo never mutates the real one."""

    environ: Mapping[str, str]
    cwd: Path
    clock: Clock = field(default_factory=SystemClock)
    console: Console = field(default_factory=Console)

    @classmethod
    def from_os(cls, redactor: Redactor | None = None) -> Runtime:
        """The process's environment, working directory and terminal; ``redactor`` (default: a new
        one) also learns the environment's base credentials."""
        env = dict(os.environ)
        color = False if env.get("NO_COLOR") else None  # no-color.org: only a non-empty value counts
        redactor = redactor if redactor is not None else Redactor()
        redactor.add_environment(env)  # the base credentials reach terraform too
        return cls(environ=env, cwd=Path.cwd(), console=Console(color=color, redactor=redactor))

    def getenv(self, *names: str, default: str | None = None) -> str | None:
        """The first of ``names`` set (non-empty) in the environment, else ``default``."""
        for name in names:
            value = self.environ.get(name)
            if value:
                return value
        return default
